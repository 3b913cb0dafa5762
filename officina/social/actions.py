"""Writes of the social network. ``check_*`` validate then act; ``do_*`` only act, atomically."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from officina.accounts.selectors import is_visible_member
from officina.core.errors import ErrorCode, OfficinaError
from officina.notifications.actions import do_notify
from officina.notifications.selectors import has_unread
from officina.social import live
from officina.social.access import can_moderate_post, postable_companies, postable_spaces
from officina.social.avatars import ProcessedAvatar, process_avatar
from officina.social.kinds import ReactionKind, Visibility
from officina.social.models import (
    Comment,
    Conversation,
    ConversationMember,
    Follow,
    Message,
    Post,
    Profile,
    Reaction,
)

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member, Space

MAX_LINKS = 5
MAX_CONVERSATION_MEMBERS = 20


def _notify(recipient: Member, kind: str, actor: Member, text_of: object, url: str) -> None:
    """Notify in the recipient's own language (``text_of`` is a callable giving the text)."""
    with override(recipient.language or None):
        do_notify(recipient, kind, actor=actor, text=str(text_of()), url=url)  # type: ignore[operator]


# Profile -----------------------------------------------------------------------------------


def get_or_create_profile(member: Member) -> Profile:
    profile, _created = Profile.objects.get_or_create(member=member)
    return profile


@transaction.atomic
def do_update_profile(member: Member, *, headline: str, bio: str, links: list[str]) -> Profile:
    profile = get_or_create_profile(member)
    profile.headline = headline
    profile.bio = bio
    profile.links = links[:MAX_LINKS]
    profile.save(update_fields=["headline", "bio", "links", "updated_at"])
    return profile


def check_set_avatar(member: Member, upload: UploadedFile) -> Profile:
    """Validate and re-encode the upload first: a bad file changes nothing."""
    processed = process_avatar(upload, member.pk)
    return do_set_avatar(member, processed)


@transaction.atomic
def do_set_avatar(member: Member, processed: ProcessedAvatar) -> Profile:
    profile = Profile.objects.select_for_update().get(pk=get_or_create_profile(member).pk)
    old_files = [profile.avatar.name, profile.avatar_thumbnail.name]
    profile.avatar.save(processed.avatar.name or "avatar.jpg", processed.avatar, save=False)
    profile.avatar_thumbnail.save(
        processed.thumbnail.name or "thumb.jpg", processed.thumbnail, save=False
    )
    profile.save(update_fields=["avatar", "avatar_thumbnail", "updated_at"])
    _delete_files_after_commit(profile, old_files)
    return profile


@transaction.atomic
def do_remove_avatar(member: Member) -> None:
    profile = get_or_create_profile(member)
    old_files = [profile.avatar.name, profile.avatar_thumbnail.name]
    profile.avatar = ""
    profile.avatar_thumbnail = ""
    profile.save(update_fields=["avatar", "avatar_thumbnail", "updated_at"])
    _delete_files_after_commit(profile, old_files)


def _delete_files_after_commit(profile: Profile, names: Iterable[str | None]) -> None:
    storage = profile.avatar.storage
    stale = [name for name in names if name]

    def delete() -> None:
        for name in stale:
            storage.delete(name)

    # Only once the new row is committed: a rollback must not leave a profile without files.
    transaction.on_commit(delete)


# Follows ----------------------------------------------------------------------------------


def check_follow_member(follower: Member, member: Member) -> Follow:
    if follower.pk == member.pk:
        raise OfficinaError.invalid_input(_("You cannot follow yourself."))
    return do_follow(follower, member=member)


@transaction.atomic
def do_follow(
    follower: Member,
    *,
    member: Member | None = None,
    company: Company | None = None,
    space: Space | None = None,
) -> Follow:
    """Follow one target; following twice is harmless (returns the existing follow)."""
    existing = Follow.objects.filter(
        follower=follower, member=member, company=company, space=space
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            follow = Follow.objects.create(
                follower=follower, member=member, company=company, space=space
            )
    except IntegrityError:
        return Follow.objects.get(follower=follower, member=member, company=company, space=space)
    if member is not None:
        _notify(
            member,
            "social.follow",
            follower,
            lambda: _("%(name)s started following you.") % {"name": follower.display_name},
            reverse("social:profile", args=[follower.pk]),
        )
    return follow


@transaction.atomic
def do_unfollow(
    follower: Member,
    *,
    member: Member | None = None,
    company: Company | None = None,
    space: Space | None = None,
) -> bool:
    deleted, _rows = Follow.objects.filter(
        follower=follower, member=member, company=company, space=space
    ).delete()
    return deleted > 0


# Posts ------------------------------------------------------------------------------------


def check_create_post(
    author: Member,
    body: str,
    *,
    visibility: str = Visibility.COMMUNITY,
    space: Space | None = None,
    company: Company | None = None,
) -> Post:
    """Validate that the author may address this audience, then post."""
    body = body.strip()
    if not body:
        raise OfficinaError.invalid_input(_("Write something first."))
    if len(body) > 5000:
        raise OfficinaError.invalid_input(_("A post is at most 5000 characters."))
    if visibility not in Visibility.values:
        raise OfficinaError.invalid_input(_("Unknown audience."))

    if visibility == Visibility.SPACE and space is None:
        raise OfficinaError.invalid_input(_("Choose the space."))
    if visibility == Visibility.COMPANY and company is None:
        raise OfficinaError.invalid_input(_("Choose the company."))
    if space is not None and not postable_spaces(author).filter(pk=space.pk).exists():
        raise OfficinaError.invalid_input(_("You can only post to spaces you are a member of."))
    if company is not None and not postable_companies(author).filter(pk=company.pk).exists():
        raise OfficinaError.invalid_input(_("You can only post for companies you belong to."))
    return do_create_post(author, body, visibility=visibility, space=space, company=company)


@transaction.atomic
def do_create_post(
    author: Member,
    body: str,
    *,
    visibility: str = Visibility.COMMUNITY,
    space: Space | None = None,
    company: Company | None = None,
) -> Post:
    return Post.objects.create(
        author=author, body=body, visibility=visibility, space=space, company=company
    )


def check_edit_post(member: Member, post: Post, body: str) -> Post:
    """Only the author edits a post, and only its text: the audience stays as published."""
    if post.author_id != member.pk:
        raise OfficinaError(_("Post not found."), ErrorCode.NOT_FOUND)
    body = body.strip()
    if not body:
        raise OfficinaError.invalid_input(_("Write something first."))
    if len(body) > 5000:
        raise OfficinaError.invalid_input(_("A post is at most 5000 characters."))
    return do_edit_post(post, body)


@transaction.atomic
def do_edit_post(post: Post, body: str) -> Post:
    if body != post.body:
        post.body = body
        post.edited_at = timezone.now()
        post.save(update_fields=["body", "edited_at"])
    return post


def check_delete_post(member: Member, post: Post) -> None:
    if not can_moderate_post(member, post):
        raise OfficinaError(_("Post not found."), ErrorCode.NOT_FOUND)
    do_delete_post(post)


@transaction.atomic
def do_delete_post(post: Post) -> None:
    post.delete()


def check_add_comment(member: Member, post: Post, body: str) -> Comment:
    body = body.strip()
    if not body:
        raise OfficinaError.invalid_input(_("Write something first."))
    if len(body) > 2000:
        raise OfficinaError.invalid_input(_("A comment is at most 2000 characters."))
    return do_add_comment(member, post, body)


@transaction.atomic
def do_add_comment(member: Member, post: Post, body: str) -> Comment:
    comment = Comment.objects.create(post=post, author=member, body=body)
    Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
    if post.author_id != member.pk:
        _notify(
            post.author,
            "social.comment",
            member,
            lambda: _("%(name)s commented on your post.") % {"name": member.display_name},
            reverse("social:post", args=[post.pk]),
        )
    return comment


def check_delete_comment(member: Member, comment: Comment) -> None:
    """Its author, or whoever may remove the post it is under, may delete a comment."""
    if comment.author_id != member.pk and not can_moderate_post(member, comment.post):
        raise OfficinaError(_("Comment not found."), ErrorCode.NOT_FOUND)
    do_delete_comment(comment)


@transaction.atomic
def do_delete_comment(comment: Comment) -> None:
    Post.objects.filter(pk=comment.post_id, comment_count__gt=0).update(
        comment_count=F("comment_count") - 1
    )
    comment.delete()


def check_react(member: Member, post: Post, kind: str) -> Reaction | None:
    if kind not in ReactionKind.values:
        raise OfficinaError.invalid_input(_("Unknown reaction."))
    return do_react(member, post, kind)


@transaction.atomic
def do_react(member: Member, post: Post, kind: str) -> Reaction | None:
    """One reaction per member per post: a new kind replaces it, the same kind removes it."""
    existing = Reaction.objects.select_for_update().filter(post=post, member=member).first()
    if existing is not None:
        if existing.kind == kind:
            existing.delete()
            Post.objects.filter(pk=post.pk, reaction_count__gt=0).update(
                reaction_count=F("reaction_count") - 1
            )
            return None
        existing.kind = kind
        existing.save(update_fields=["kind"])
        return existing
    try:
        with transaction.atomic():
            reaction = Reaction.objects.create(post=post, member=member, kind=kind)
    except IntegrityError:
        # A double click raced us: the other request already counted the reaction.
        return Reaction.objects.get(post=post, member=member)
    Post.objects.filter(pk=post.pk).update(reaction_count=F("reaction_count") + 1)
    url = reverse("social:post", args=[post.pk])
    # One unread "reacted" notification per post at a time: reactions come in bursts.
    if post.author_id != member.pk and not has_unread(post.author, "social.reaction", url):
        _notify(
            post.author,
            "social.reaction",
            member,
            lambda: _("%(name)s reacted to your post.") % {"name": member.display_name},
            url,
        )
    return reaction


# Direct messages --------------------------------------------------------------------------


def _pair_key(first: Member, second: Member) -> str:
    low, high = sorted((first.pk, second.pk))
    return f"{low}:{high}"


def check_start_conversation(
    creator: Member, others: list[Member], *, title: str = ""
) -> Conversation:
    others_by_id = {member.pk: member for member in others if member.pk != creator.pk}
    if not others_by_id:
        raise OfficinaError.invalid_input(_("Choose at least one other member."))
    if len(others_by_id) + 1 > MAX_CONVERSATION_MEMBERS:
        raise OfficinaError.invalid_input(
            _("A conversation has at most %(count)d members.") % {"count": MAX_CONVERSATION_MEMBERS}
        )
    if not all(is_visible_member(member) for member in others_by_id.values()):
        raise OfficinaError(_("Member not found."), ErrorCode.NOT_FOUND)
    return do_start_conversation(creator, list(others_by_id.values()), title=title.strip()[:120])


@transaction.atomic
def do_start_conversation(
    creator: Member, others: list[Member], *, title: str = ""
) -> Conversation:
    """A two-person conversation is reused; a group is always new."""
    pair_key = _pair_key(creator, others[0]) if len(others) == 1 else None
    if pair_key is not None:
        existing = Conversation.objects.filter(pair_key=pair_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(pair_key=pair_key, title=title)
    except IntegrityError:
        return Conversation.objects.get(pair_key=pair_key)
    ConversationMember.objects.bulk_create(
        [
            ConversationMember(conversation=conversation, member=member)
            for member in [creator, *others]
        ]
    )
    return conversation


def check_send_message(sender: Member, conversation: Conversation, body: str) -> Message:
    body = body.strip()
    if not body:
        raise OfficinaError.invalid_input(_("Write something first."))
    if len(body) > 5000:
        raise OfficinaError.invalid_input(_("A message is at most 5000 characters."))

    return do_send_message(sender, conversation, body)


@transaction.atomic
def do_send_message(sender: Member, conversation: Conversation, body: str) -> Message:
    message = Message.objects.create(conversation=conversation, sender=sender, body=body)
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    ConversationMember.objects.filter(conversation=conversation, member=sender).update(
        last_read_at=message.created_at
    )
    participants = [
        participant.member
        for participant in ConversationMember.objects.filter(
            conversation=conversation
        ).select_related("member")
    ]
    url = reverse("social:conversation", args=[conversation.pk])
    for participant in participants:
        # One notification per conversation until the member reads it: no flood.
        if participant.pk != sender.pk and not has_unread(participant, "social.message", url):
            _notify(
                participant,
                "social.message",
                sender,
                lambda: _("New message from %(name)s.") % {"name": sender.display_name},
                url,
            )
    payload = {
        "type": "message",
        "conversation": conversation.pk,
        "id": message.pk,
        "sender_id": sender.pk,
        "sender_name": sender.display_name,
        "body": message.body,
        "created_at": message.created_at.isoformat(),
    }
    member_ids = [participant.pk for participant in participants]
    transaction.on_commit(lambda: live.push_to_members(member_ids, payload))
    return message


@transaction.atomic
def do_mark_conversation_read(member: Member, conversation: Conversation) -> None:
    ConversationMember.objects.filter(conversation=conversation, member=member).update(
        last_read_at=timezone.now()
    )
