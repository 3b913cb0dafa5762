"""The one path to posts, conversations and profiles.

Rules (tested one by one in tests/test_access.py):
- only active, signed-in members see anything;
- a community post: every member; a space post: the members of that space;
  a company post: the members of that company; the author always sees their post;
- a conversation and its messages: only its participants;
- a profile: every member, unless the profile's member is deactivated.
"Missing" and "not allowed" raise the same NOT_FOUND error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from officina.accounts.selectors import (
    company_by_slug,
    hidden_members,
    manages_space,
    may_see_members,
    member_companies_by_name,
    member_company_ids_query,
    member_space_ids_query,
    member_spaces_by_name,
    space_by_slug,
    visible_members,
)
from officina.core.errors import ErrorCode, OfficinaError
from officina.social.kinds import Visibility
from officina.social.models import Comment, Conversation, Post

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member, Space


def _not_found(message: str | Promise) -> OfficinaError:
    return OfficinaError(message, ErrorCode.NOT_FOUND)


def visible_posts_q(member: Member) -> Q:
    """The posts ``member`` may read, as a filter usable in any post query."""
    my_spaces = member_space_ids_query(member)
    my_companies = member_company_ids_query(member)
    return (
        Q(visibility=Visibility.COMMUNITY)
        | Q(author=member)
        | Q(visibility=Visibility.SPACE, space_id__in=my_spaces)
        | Q(visibility=Visibility.COMPANY, company_id__in=my_companies)
    )


def visible_posts(member: Member) -> QuerySet[Post]:
    if not may_see_members(member):
        return Post.objects.none()
    # Deactivated members are few: excluding their ids keeps the scan on the post index,
    # where joining every author to test is_active would not.
    deactivated = hidden_members().values("pk")
    return Post.objects.filter(visible_posts_q(member)).exclude(author_id__in=deactivated)


def access_post_by_id(member: Member, post_id: int) -> Post:
    post = (
        visible_posts(member)
        .select_related("author", "author__profile", "company", "space")
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        raise _not_found(_("Post not found."))
    return post


def access_comment_by_id(member: Member, post_id: int, comment_id: int) -> Comment:
    """A comment under a post the member may see."""
    post = access_post_by_id(member, post_id)
    comment = Comment.objects.filter(pk=comment_id, post=post).select_related("post").first()
    if comment is None:
        raise _not_found(_("Comment not found."))
    return comment


def can_moderate_post(member: Member, post: Post) -> bool:
    """Its author, a manager of the space it was posted in, or staff may remove a post
    (and the comments under it)."""
    if not may_see_members(member):
        return False
    if post.author_id == member.pk or member.is_staff:
        return True
    return post.space_id is not None and manages_space(member.pk, post.space_id)


def access_conversation_by_id(member: Member, conversation_id: int) -> Conversation:
    if not may_see_members(member):
        raise _not_found(_("Conversation not found."))
    conversation = Conversation.objects.filter(
        pk=conversation_id, participants__member=member
    ).first()
    if conversation is None:
        raise _not_found(_("Conversation not found."))
    return conversation


def access_profile_member_by_id(viewer: Member, member_id: int) -> Member:
    """The member whose profile ``viewer`` asks for (with the profile row joined)."""
    if not may_see_members(viewer):
        raise _not_found(_("Member not found."))
    member = visible_members().filter(pk=member_id).select_related("profile").first()
    if member is None:
        raise _not_found(_("Member not found."))
    return member


def access_member_for_message_by_id(sender: Member, member_id: int) -> Member:
    """A member ``sender`` may write to: any other active member."""
    member = access_profile_member_by_id(sender, member_id)
    if member.pk == sender.pk:
        raise OfficinaError(_("You cannot write to yourself."), ErrorCode.INVALID_INPUT)
    return member


def postable_spaces(member: Member) -> QuerySet[Space]:
    return member_spaces_by_name(member)


def postable_companies(member: Member) -> QuerySet[Company]:
    return member_companies_by_name(member)


def access_company_to_follow_by_slug(member: Member, slug: str) -> Company:
    company = company_by_slug(slug)
    if company is None or not may_see_members(member):
        raise _not_found(_("Company not found."))
    return company


def access_space_to_follow_by_slug(member: Member, slug: str) -> Space:
    space = space_by_slug(slug)
    if space is None or not may_see_members(member):
        raise _not_found(_("Space not found."))
    return space
