"""/api/posts: the feed, writing a post, and one post with its comments."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from officina.accounts.access import access_company_by_slug, access_space_by_slug
from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import (
    COMMON_ERRORS,
    NOT_BLANK,
    BodyIn,
    CompanyRef,
    ErrorOut,
    MemberRef,
    SpaceRef,
    Text,
    company_ref,
    enforced_by_the_action,
    member_ref,
)
from officina.api.schemas import translated_when_shown as _
from officina.social.access import access_post_by_id
from officina.social.actions import check_create_post
from officina.social.selectors import community_page, decorate_posts, feed_page, post_comments

if TYPE_CHECKING:
    from officina.social.models import Post

router = Router(tags=["posts"])


class FeedFilters(Schema):
    scope: Literal["following", "community"] = Field(
        "following",
        description="“following”: people, companies and spaces you follow; "
        "“community”: everything you may see",
    )
    cursor: Text | None = Field(None, max_length=100, description="next_cursor of the last page")
    limit: int = Field(20, ge=1, le=100)


class ReactionOut(Schema):
    kind: str
    count: int
    mine: bool


class PostOut(Schema):
    id: int
    author: MemberRef
    body: str
    visibility: str
    space: SpaceRef | None
    company: CompanyRef | None
    created_at: datetime
    comment_count: int
    reactions: list[ReactionOut]


class FeedOut(Schema):
    posts: list[PostOut]
    next_cursor: str | None


class CommentOut(Schema):
    id: int
    author: MemberRef
    body: str
    created_at: datetime


class PostDetail(PostOut):
    comments: list[CommentOut]


class PostIn(BodyIn):
    model_config = ConfigDict(
        json_schema_extra=enforced_by_the_action(
            allOf=[
                {
                    "if": {
                        "properties": {"visibility": {"const": kind}},
                        "required": ["visibility"],
                    },
                    "then": {"required": [kind], "properties": {kind: {"type": "string"}}},
                }
                for kind in ("space", "company")
            ]
        )
    )

    body: Text = Field(
        min_length=1, max_length=5000, json_schema_extra=enforced_by_the_action(pattern=NOT_BLANK)
    )
    visibility: Literal["community", "space", "company"] = "community"
    space: Text | None = Field(None, max_length=140, description="space slug")
    company: Text | None = Field(None, max_length=140, description="company slug")


def post_out(post: Post) -> PostOut:
    return PostOut(
        id=post.pk,
        author=member_ref(post.author),
        body=post.body,
        visibility=post.visibility,
        space=SpaceRef(slug=post.space.slug, name=post.space.name) if post.space else None,
        company=company_ref(post.company) if post.company else None,
        created_at=post.created_at,
        comment_count=post.comment_count,
        reactions=[
            ReactionOut(kind=summary.kind, count=summary.count, mine=summary.mine)
            for summary in getattr(post, "reactions_summary", [])
        ],
    )


@router.get("", response={200: FeedOut, **COMMON_ERRORS}, summary=_("The feed, newest first"))
def feed(request: HttpRequest, filters: Query[FeedFilters]) -> FeedOut:
    read_page = feed_page if filters.scope == "following" else community_page
    page = read_page(signed_in_member(request), filters.cursor or None, filters.limit)
    return FeedOut(posts=[post_out(post) for post in page.posts], next_cursor=page.next_cursor)


@router.post(
    "",
    response={201: PostDetail, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Write a post to the community, a space or a company"),
)
def create_post(request: HttpRequest, payload: PostIn) -> Status[PostDetail]:
    member = signed_in_member(request)
    space = access_space_by_slug(member, payload.space, as_member=True) if payload.space else None
    company = access_company_by_slug(member, payload.company) if payload.company else None
    post = check_create_post(
        member,
        payload.body,
        visibility=payload.visibility,
        space=space,
        company=company,
    )
    return Status(201, _detail(request, post.pk))


def _detail(request: HttpRequest, post_id: int) -> PostDetail:
    member = signed_in_member(request)
    post = access_post_by_id(member, post_id)
    decorate_posts([post], member)
    return PostDetail(
        **post_out(post).dict(),
        comments=[
            CommentOut(
                id=comment.pk,
                author=member_ref(comment.author),
                body=comment.body,
                created_at=comment.created_at,
            )
            for comment in post_comments(post)
        ],
    )


@router.get(
    "/{post_id}",
    response={200: PostDetail, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("One post with its comments (only if you may see it)"),
)
def get_post(request: HttpRequest, post_id: int) -> PostDetail:
    return _detail(request, post_id)
