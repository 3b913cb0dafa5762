"""Writes of the social network. ``check_*`` validate then act; ``do_*`` only act, atomically."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from officina.accounts.selectors import is_visible_member
from officina.core.errors import ErrorCode, OfficinaError
from officina.notifications.actions import Notice, do_notify_many
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
    from django.utils.functional import Promise

    from officina.accounts.models import Company, Member, Space

MAX_LINKS = 5
MAX_CONVERSATION_MEMBERS = 20
# Rows per INSERT or UPDATE in the bulk forms, so that SQLite's variable limit is never hit.
BULK_BATCH = 500

_Dated = TypeVar("_Dated", Post, Comment, Message)


def _notice(
    recipient: Member,
    kind: str,
    actor: Member,
    message: str | Promise,
    url: str,
    at: datetime | None,
) -> Notice:
    """A notice that names its actor, worded in each reader's language when read."""
    params = {"name": actor.display_name}
    return Notice(recipient, kind, message, actor=actor, url=url, at=at, params=params)


def _notify(
    recipient: Member,
    kind: str,
    actor: Member,
    message: str | Promise,
    url: str,
    at: datetime | None = None,
) -> None:
    do_notify_many([_notice(recipient, kind, actor, message, url, at)])


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
        do_notify_many([_follow_notice(follower, member)])
    return follow


def _follow_notice(follower: Member, member: Member) -> Notice:
    return _notice(
        member,
        "social.follow",
        follower,
        _("%(name)s started following you."),
        reverse("social:profile", args=[follower.pk]),
        None,
    )


def check_follow_many(
    follower: Member, targets: Sequence[Member | Company | Space]
) -> list[Follow]:
    """Follow many at once (an import, a "follow all" button), checked like one follow."""
    if any(_followed_field(target) == "member" and target.pk == follower.pk for target in targets):
        raise OfficinaError.invalid_input(_("You cannot follow yourself."))
    return do_follow_many(follower, targets)


_FOLLOWED_FIELDS = ("member", "company", "space")


def _followed_field(target: Member | Company | Space) -> str:
    """The field of :class:`Follow` that points at ``target``'s kind of row.

    Told by the field's model, which the foreign key names: accounts' models are
    not imported here.
    """
    for name in _FOLLOWED_FIELDS:
        if isinstance(target, Follow._meta.get_field(name).related_model):  # type: ignore[arg-type]
            return name
    raise TypeError(f"Nothing to follow in {target!r}.")


@transaction.atomic
def do_follow_many(follower: Member, targets: Sequence[Member | Company | Space]) -> list[Follow]:
    """Follow every target not followed yet; return the new follows (like :func:`do_follow`)."""
    followed = {
        (name, target_id)
        for ids in Follow.objects.filter(follower=follower).values_list(
            *(f"{name}_id" for name in _FOLLOWED_FIELDS)
        )
        for name, target_id in zip(_FOLLOWED_FIELDS, ids, strict=True)
        if target_id is not None
    }
    wanted: dict[tuple[str, int], Follow] = {}
    for target in targets:
        name = _followed_field(target)
        wanted[(name, target.pk)] = Follow(follower=follower, **{name: target})
    follows = Follow.objects.bulk_create(
        [follow for key, follow in wanted.items() if key not in followed]
    )
    do_notify_many(
        [_follow_notice(follower, follow.member) for follow in follows if follow.member is not None]
    )
    return follows


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


@dataclass(frozen=True, slots=True)
class PostDraft:
    """A post to publish; ``at`` back-dates it (imports), now by default."""

    author: Member
    body: str
    visibility: str = Visibility.COMMUNITY
    space: Space | None = None
    company: Company | None = None
    at: datetime | None = None


def _clean_post_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise OfficinaError.invalid_input(_("Write something first."))
    if len(body) > 5000:
        raise OfficinaError.invalid_input(_("A post is at most 5000 characters."))
    return body


def check_create_post(
    author: Member,
    body: str,
    *,
    visibility: str = Visibility.COMMUNITY,
    space: Space | None = None,
    company: Company | None = None,
) -> Post:
    """Validate that the author may address this audience, then post."""
    (draft,) = _checked_post_drafts([PostDraft(author, body, visibility, space, company)])
    return do_create_post(author, draft.body, visibility=visibility, space=space, company=company)


def check_create_posts(drafts: Sequence[PostDraft]) -> list[Post]:
    """Validate every draft as :func:`check_create_post` does, then publish them all.

    One bad draft publishes nothing. Like every bulk insert it sends no signals:
    the search index catches up with ``officina reindex``.
    """
    return do_create_posts(_checked_post_drafts(drafts))


def _checked_post_drafts(drafts: Sequence[PostDraft]) -> list[PostDraft]:
    """The drafts with their text trimmed; each author's audiences are read once."""
    spaces_of: dict[int, set[int]] = {}
    companies_of: dict[int, set[int]] = {}
    cleaned = []
    for draft in drafts:
        body = _clean_post_body(draft.body)
        if draft.visibility not in Visibility.values:
            raise OfficinaError.invalid_input(_("Unknown audience."))
        if draft.visibility == Visibility.SPACE and draft.space is None:
            raise OfficinaError.invalid_input(_("Choose the space."))
        if draft.visibility == Visibility.COMPANY and draft.company is None:
            raise OfficinaError.invalid_input(_("Choose the company."))
        if draft.space is not None and not _may_address(
            spaces_of, postable_spaces, draft.author, draft.space.pk
        ):
            raise OfficinaError.invalid_input(_("You can only post to spaces you are a member of."))
        if draft.company is not None and not _may_address(
            companies_of, postable_companies, draft.author, draft.company.pk
        ):
            raise OfficinaError.invalid_input(_("You can only post for companies you belong to."))
        cleaned.append(replace(draft, body=body))
    return cleaned


def _may_address(
    known: dict[int, set[int]],
    postable: Callable[[Member], QuerySet[Space]] | Callable[[Member], QuerySet[Company]],
    author: Member,
    audience_id: int,
) -> bool:
    """Whether ``author`` may post to this space or company; ``known`` keeps what was read."""
    if author.pk not in known:
        known[author.pk] = set(postable(author).values_list("pk", flat=True))
    return audience_id in known[author.pk]


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


@transaction.atomic
def do_create_posts(drafts: Sequence[PostDraft]) -> list[Post]:
    posts = Post.objects.bulk_create(
        [
            Post(
                author=draft.author,
                body=draft.body,
                visibility=draft.visibility,
                space=draft.space,
                company=draft.company,
            )
            for draft in drafts
        ],
        batch_size=BULK_BATCH,
    )
    _back_date(posts, [draft.at for draft in drafts])
    return posts


def _back_date(rows: Sequence[_Dated], stamps: Sequence[datetime | None]) -> None:
    """Give imported rows their own dates: created_at is set on insert whatever they say."""
    dated: list[_Dated] = []
    for row, stamp in zip(rows, stamps, strict=True):
        if stamp is not None:
            row.created_at = stamp
            dated.append(row)
    if dated:
        type(dated[0]).objects.bulk_update(dated, ["created_at"], batch_size=BULK_BATCH)


def check_edit_post(member: Member, post: Post, body: str) -> Post:
    """Only the author edits a post, and only its text: the audience stays as published."""
    if post.author_id != member.pk:
        raise OfficinaError(_("Post not found."), ErrorCode.NOT_FOUND)
    return do_edit_post(post, _clean_post_body(body))


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


@dataclass(frozen=True, slots=True)
class CommentDraft:
    """A comment to add; ``at`` back-dates it (imports), now by default."""

    author: Member
    post: Post
    body: str
    at: datetime | None = None


def check_add_comment(member: Member, post: Post, body: str) -> Comment:
    (comment,) = check_add_comments([CommentDraft(member, post, body)])
    return comment


def check_add_comments(drafts: Sequence[CommentDraft]) -> list[Comment]:
    """Validate every comment as :func:`check_add_comment` does, then add them all."""
    cleaned = []
    for draft in drafts:
        body = draft.body.strip()
        if not body:
            raise OfficinaError.invalid_input(_("Write something first."))
        if len(body) > 2000:
            raise OfficinaError.invalid_input(_("A comment is at most 2000 characters."))
        cleaned.append(replace(draft, body=body))
    return do_add_comments(cleaned)


@transaction.atomic
def do_add_comment(member: Member, post: Post, body: str) -> Comment:
    (comment,) = do_add_comments([CommentDraft(member, post, body)])
    return comment


@transaction.atomic
def do_add_comments(drafts: Sequence[CommentDraft]) -> list[Comment]:
    """Add comments, count them on their posts and tell each post's author."""
    comments = Comment.objects.bulk_create(
        [Comment(post=draft.post, author=draft.author, body=draft.body) for draft in drafts],
        batch_size=BULK_BATCH,
    )
    _back_date(comments, [draft.at for draft in drafts])
    for post_id, added in Counter(draft.post.pk for draft in drafts).items():
        Post.objects.filter(pk=post_id).update(comment_count=F("comment_count") + added)
    do_notify_many(
        [
            _notice(
                draft.post.author,
                "social.comment",
                draft.author,
                _("%(name)s commented on your post."),
                reverse("social:post", args=[draft.post.pk]),
                draft.at,
            )
            for draft in drafts
            if draft.post.author_id != draft.author.pk
        ]
    )
    return comments


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
    _tell_author_of_reaction(post, member)
    return reaction


def _tell_author_of_reaction(post: Post, member: Member) -> None:
    notice = _reaction_notice(post, member, None)
    if notice is not None:
        do_notify_many([notice])


def _reaction_notice(post: Post, member: Member, at: datetime | None) -> Notice | None:
    url = reverse("social:post", args=[post.pk])
    # One unread "reacted" notification per post at a time: reactions come in bursts.
    if post.author_id == member.pk or has_unread(post.author, "social.reaction", url):
        return None
    return _notice(
        post.author,
        "social.reaction",
        member,
        _("%(name)s reacted to your post."),
        url,
        at,
    )


@dataclass(frozen=True, slots=True)
class ReactionDraft:
    """A reaction to add; ``at`` dates the author's notification (imports), now by default."""

    member: Member
    post: Post
    kind: str
    at: datetime | None = None


def check_add_reactions(drafts: Sequence[ReactionDraft]) -> list[Reaction]:
    """Record many members' reactions to posts (an import); checked like :func:`check_react`.

    Only members who had not reacted to a post yet are recorded: one reaction per
    member per post.
    """
    if any(draft.kind not in ReactionKind.values for draft in drafts):
        raise OfficinaError.invalid_input(_("Unknown reaction."))
    return do_add_reactions(drafts)


@transaction.atomic
def do_add_reactions(drafts: Sequence[ReactionDraft]) -> list[Reaction]:
    """Add the reactions; each post's author hears of the first new one, as of one click."""
    posts = {draft.post.pk: draft.post for draft in drafts}
    reacted = set(Reaction.objects.filter(post__in=list(posts)).values_list("post_id", "member_id"))
    new: dict[tuple[int, int], ReactionDraft] = {}
    for draft in drafts:
        key = (draft.post.pk, draft.member.pk)
        if key not in reacted and key not in new:
            new[key] = draft
    added = Reaction.objects.bulk_create(
        [Reaction(post=draft.post, member=draft.member, kind=draft.kind) for draft in new.values()],
        batch_size=BULK_BATCH,
    )
    first_of_post: dict[int, ReactionDraft] = {}
    for draft in new.values():
        first_of_post.setdefault(draft.post.pk, draft)
    for post_id, count in Counter(post_id for post_id, _member_id in new).items():
        Post.objects.filter(pk=post_id).update(reaction_count=F("reaction_count") + count)
    notices = [
        _reaction_notice(draft.post, draft.member, draft.at) for draft in first_of_post.values()
    ]
    do_notify_many([notice for notice in notices if notice is not None])
    return added


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


def check_send_message(
    sender: Member, conversation: Conversation, body: str, *, at: datetime | None = None
) -> Message:
    body = body.strip()
    if not body:
        raise OfficinaError.invalid_input(_("Write something first."))
    if len(body) > 5000:
        raise OfficinaError.invalid_input(_("A message is at most 5000 characters."))

    return do_send_message(sender, conversation, body, at=at)


@transaction.atomic
def do_send_message(
    sender: Member, conversation: Conversation, body: str, *, at: datetime | None = None
) -> Message:
    """Send ``body``; ``at`` back-dates the message (imports of past conversations)."""
    message = Message.objects.create(conversation=conversation, sender=sender, body=body)
    _back_date([message], [at])
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
                _("New message from %(name)s."),
                url,
                at,
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
