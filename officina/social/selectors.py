"""Reads of the social network, shaped for the pages and with a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat
from django.utils.translation import gettext_lazy as _

from officina.accounts.selectors import (
    may_see_members,
    spaces_by_name,
    visible_members,
    visible_members_q,
    with_companies_listed,
)
from officina.core.errors import ErrorCode, OfficinaError
from officina.skills.selectors import listers_q
from officina.social.access import visible_posts, visible_posts_q
from officina.social.kinds import ReactionKind
from officina.social.models import (
    REACTION_SYMBOLS,
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
    from officina.accounts.models import Member, Space

FEED_PAGE_SIZE = 20
DIRECTORY_PAGE_SIZE = 24


# Keyset cursors ---------------------------------------------------------------------------


def encode_cursor(post: Post) -> str:
    return f"{post.created_at.isoformat()}~{post.pk}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        stamp, _sep, raw_id = cursor.rpartition("~")
        created_at = datetime.fromisoformat(stamp.replace(" ", "+"))
        post_id = int(raw_id)
    except ValueError:
        raise OfficinaError(_("This page link is not valid."), ErrorCode.INVALID_INPUT) from None
    if created_at.tzinfo is None:
        raise OfficinaError(_("This page link is not valid."), ErrorCode.INVALID_INPUT)
    return created_at, post_id


@dataclass
class PostPage:
    posts: list[Post]
    next_cursor: str | None


def _after_cursor(posts: QuerySet[Post], cursor: str | None) -> QuerySet[Post]:
    if not cursor:
        return posts
    created_at, post_id = decode_cursor(cursor)
    # "(created_at, id) < (t, id)" written as a range plus a tie-break: a bare OR of
    # the two cases makes SQLite walk the whole index (0.5 s at 100k posts; 5 ms so).
    return posts.filter(created_at__lte=created_at).filter(
        Q(created_at__lt=created_at) | Q(pk__lt=post_id)
    )


def _with_relations(posts: QuerySet[Post]) -> QuerySet[Post]:
    return posts.select_related("author", "author__profile", "company", "space").order_by(
        "-created_at", "-id"
    )


def _page_of(rows: list[Post], limit: int) -> PostPage:
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return PostPage(posts=rows[:limit], next_cursor=next_cursor)


def _page_after(posts: QuerySet[Post], cursor: str | None, limit: int) -> PostPage:
    return _page_of(list(_with_relations(_after_cursor(posts, cursor))[: limit + 1]), limit)


# Above this many followed members, the author list goes to the database as a subquery.
MAX_LITERAL_AUTHORS = 500
# Newest first, but not in an order that the post_recent index can give: the followed
# authors' few hundred posts are then read through the author index and sorted.
# PostgreSQL otherwise walks post_recent testing each post's author, which for 51 authors
# of 10,000 reads ~4,700 posts to find 21 (9-10 ms, 200 ms cold; 3 ms this way). SQLite
# reads by author either way.
_NEWEST_BY_SOURCE = (Coalesce("created_at", "created_at").desc(), "-id")


def feed_page(member: Member, cursor: str | None = None, limit: int = FEED_PAGE_SIZE) -> PostPage:
    """Posts of followed members, companies and spaces, plus the member's own, newest first.

    One query per kind of source takes its newest ``limit + 1`` posts along that source's
    (source, -created_at, -id) index, and the candidates are merged here. One query with an
    OR of the sources lets the planner gather every post of a followed space (thousands)
    and sort them all: ~60 ms at 100k posts, against a few ms this way. Spaces are queried
    one by one (a member follows a handful) so that each walk stops after ``limit + 1``.
    """
    if not may_see_members(member):
        return PostPage(posts=[], next_cursor=None)
    targets = followed_targets(member)
    # The access rule itself; deactivated authors are dropped when the page is fetched
    # (testing them in every source query would scan the members table each time).
    visible = _after_cursor(Post.objects.filter(visible_posts_q(member)), cursor)

    def newest(posts: QuerySet[Post], *, along_source: bool = False) -> list[tuple[datetime, int]]:
        order = _NEWEST_BY_SOURCE if along_source else ("-created_at", "-id")
        ordered = posts.order_by(*order).values_list("created_at", "id")
        return list(ordered[: limit + 1])

    authors = [member.pk, *sorted(targets["member"])]
    if len(authors) <= MAX_LITERAL_AUTHORS:
        by_authors = visible.filter(author_id__in=authors)
    else:
        followed = Follow.objects.filter(follower=member, member__isnull=False)
        by_authors = visible.filter(
            Q(author=member) | Q(author_id__in=followed.values("member_id"))
        )
    candidates = newest(by_authors, along_source=True)
    if targets["company"]:
        candidates += newest(visible.filter(company_id__in=sorted(targets["company"])))
    for space_id in sorted(targets["space"]):
        candidates += newest(visible.filter(space_id=space_id))
    chosen = sorted(set(candidates), reverse=True)[: limit + 1]
    shown_ids = [pk for _at, pk in chosen[:limit]]
    rows = list(_with_relations(Post.objects.filter(visible_members_q("author"), pk__in=shown_ids)))
    # The cursor follows the candidates, so a hidden post never makes a page skip others.
    next_cursor = None
    if len(chosen) > limit:
        last_at, last_id = chosen[limit - 1]
        next_cursor = f"{last_at.isoformat()}~{last_id}"
    decorate_posts(rows, member)
    return PostPage(posts=rows, next_cursor=next_cursor)


def community_page(
    member: Member, cursor: str | None = None, limit: int = FEED_PAGE_SIZE
) -> PostPage:
    """Everything the member may see, for discovering people to follow."""
    page = _page_after(visible_posts(member), cursor, limit)
    decorate_posts(page.posts, member)
    return page


def posts_by_author(
    viewer: Member, author: Member, cursor: str | None = None, limit: int = 10
) -> PostPage:
    page = _page_after(visible_posts(viewer).filter(author=author), cursor, limit)
    decorate_posts(page.posts, viewer)
    return page


@dataclass
class ReactionSummary:
    kind: str
    label: str
    symbol: str
    count: int
    mine: bool


def decorate_posts(posts: list[Post], viewer: Member) -> None:
    """Attach ``reactions`` (a summary per kind, with the viewer's own) in one query."""
    if not posts:
        return
    rows = (
        Reaction.objects.filter(post_id__in=[post.pk for post in posts])
        .values("post_id", "kind")
        .annotate(
            total=Count("pk"),
            mine=Max(Case(When(member_id=viewer.pk, then=Value(1)), default=Value(0))),
        )
        .order_by()
    )
    counts: dict[int, dict[str, tuple[int, bool]]] = {}
    for row in rows:
        counts.setdefault(row["post_id"], {})[row["kind"]] = (row["total"], bool(row["mine"]))
    # Translated once for the page, not once per post.
    kinds = [
        (kind, str(label), REACTION_SYMBOLS[ReactionKind(kind)])
        for kind, label in ReactionKind.choices
    ]
    for post in posts:
        by_kind = counts.get(post.pk, {})
        post.reactions_summary = [  # type: ignore[attr-defined]
            ReactionSummary(
                kind=kind,
                label=label,
                symbol=symbol,
                count=by_kind.get(kind, (0, False))[0],
                mine=by_kind.get(kind, (0, False))[1],
            )
            for kind, label, symbol in kinds
        ]


def post_comments(post: Post) -> list[Comment]:
    return list(
        Comment.objects.filter(visible_members_q("author"), post=post)
        .select_related("author", "author__profile")
        .order_by("created_at", "id")
    )


# Directory and profiles -------------------------------------------------------------------


_NAME_ORDER = ("last_name", "first_name", "id")
# The same order, but not one accounts' (last_name, first_name) index can give.
_NAME_ORDER_WITHOUT_INDEX = (Concat("last_name", Value("")), "first_name", "id")


def _page_of_matches(matching: QuerySet[Member], page_number: str | int | None) -> Page[Member]:
    """A page of members filtered by name: the ids of every match in one scan, then the
    page's rows by id. ``icontains`` cannot use an index, so the paginator's count and its
    page were two full scans with ``LIKE`` on three columns (5-6 ms each at 10,000
    members); and walking the name index row by row until the page is full reads the
    whole index when few match, so the matches are sorted after the scan instead."""
    ids = list(matching.order_by(*_NAME_ORDER_WITHOUT_INDEX).values_list("pk", flat=True))
    page: Page[Any] = Paginator(ids, DIRECTORY_PAGE_SIZE).get_page(page_number)
    rows = _with_directory_relations(visible_members().filter(pk__in=page.object_list))
    shown = {member.pk: member for member in rows}
    page.object_list = [shown[pk] for pk in page.object_list if pk in shown]
    return page


def _with_directory_relations(members: QuerySet[Member]) -> QuerySet[Member]:
    return with_companies_listed(members.select_related("profile"), to_attr="companies_list")


def directory_page(
    *,
    query: str = "",
    skill: str = "",
    company: str = "",
    page_number: str | int | None = 1,
) -> Page[Member]:
    """Active members, filtered by name or headline, skill (a skill's slug or name, or a
    free tag's text) and company (slug or name); the matches (a count, or their ids), the
    page and the page's companies: 3 queries whatever the page (and one or two to look up
    the skill filtered by)."""
    members = visible_members()
    words = query.split()[:5]
    for word in words:
        # The headline through a subquery (one scan of the profiles, then a lookup per
        # member) rather than a join that fetches every member's profile: 6.4 -> 3.8 ms.
        with_headline = Profile.objects.filter(headline__icontains=word).values("member_id")
        members = members.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(pk__in=with_headline)
        )
    if skill:
        # A skill of the taxonomy or a free tag, by slug or as written (listers_q).
        members = members.filter(listers_q(skill))
    if company:
        # A company's slug (links from company pages) or words of its name (the form).
        members = members.filter(
            Q(company_memberships__company__slug=company)
            | Q(company_memberships__company__name__icontains=company)
        ).distinct()
    if words:
        return _page_of_matches(members, page_number)
    # By surname, as a directory should be; unfiltered, along the name index: no sort of
    # every member for each page.
    paginator = Paginator(
        _with_directory_relations(members).order_by(*_NAME_ORDER), DIRECTORY_PAGE_SIZE
    )
    return paginator.get_page(page_number)


@dataclass
class FollowCounts:
    followers: int
    following: int
    viewer_follows: bool


def follow_counts(member: Member, viewer: Member) -> FollowCounts:
    row = Follow.objects.aggregate(
        followers=Count("pk", filter=Q(member=member)),
        following=Count("pk", filter=Q(follower=member)),
    )
    return FollowCounts(
        followers=row["followers"],
        following=row["following"],
        viewer_follows=Follow.objects.filter(follower=viewer, member=member).exists(),
    )


def followed_targets(member: Member) -> dict[str, set[int]]:
    rows = Follow.objects.filter(follower=member).values_list("member_id", "company_id", "space_id")
    targets: dict[str, set[int]] = {"member": set(), "company": set(), "space": set()}
    for member_id, company_id, space_id in rows:
        if member_id:
            targets["member"].add(member_id)
        elif company_id:
            targets["company"].add(company_id)
        elif space_id:
            targets["space"].add(space_id)
    return targets


def spaces_to_follow(member: Member) -> list[Space]:
    """Every space, each with ``followed`` for the member: one query."""
    followed = Follow.objects.filter(follower=member, space=OuterRef("pk"))
    return list(spaces_by_name().annotate(followed=Exists(followed)))


# For the search index ---------------------------------------------------------------------


def profiles_to_index() -> QuerySet[Profile]:
    """The profile text a member's search document shows (a profile's pk is its member's)."""
    return Profile.objects.only("member_id", "headline", "bio")


def profile_texts(member_ids: list[int]) -> dict[int, str]:
    """Each member's headline and about text in one string (those with a profile)."""
    return {
        member_id: f"{headline}\n{bio}"
        for member_id, headline, bio in Profile.objects.filter(
            member_id__in=member_ids
        ).values_list("member_id", "headline", "bio")
    }


def posts_to_index() -> QuerySet[Post]:
    """Posts of active authors, with the author; who may read each is ``visible_posts``."""
    return Post.objects.select_related("author").filter(visible_members_q("author"))


# Direct messages --------------------------------------------------------------------------


def inbox(member: Member) -> list[Conversation]:
    """The member's conversations, latest activity first, with the last message and
    ``unread`` flag; the participants come in a second query."""
    last_message = Message.objects.filter(conversation=OuterRef("pk")).order_by(
        "-created_at", "-id"
    )
    my_last_read = ConversationMember.objects.filter(
        conversation=OuterRef("pk"), member=member
    ).values("last_read_at")[:1]
    conversations = (
        Conversation.objects.filter(participants__member=member)
        .annotate(
            last_body=Subquery(last_message.values("body")[:1]),
            last_sender_id=Subquery(last_message.values("sender_id")[:1]),
            my_last_read_at=Subquery(my_last_read),
        )
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=ConversationMember.objects.select_related("member").order_by(
                    "member__first_name"
                ),
            )
        )
        .order_by(F("last_message_at").desc(nulls_last=True), "-id")
    )
    result: list[Conversation] = list(conversations)
    for conversation in result:
        last_read = getattr(conversation, "my_last_read_at", None)
        conversation.unread = bool(  # type: ignore[attr-defined]
            conversation.last_message_at
            and getattr(conversation, "last_sender_id", None) != member.pk
            and (last_read is None or last_read < conversation.last_message_at)
        )
        conversation.others = [  # type: ignore[attr-defined]
            participant.member
            for participant in conversation.participants.all()
            if participant.member_id != member.pk
        ]
    return result


def unread_conversation_count(member: Member) -> int:
    newer = Message.objects.filter(conversation=OuterRef("conversation_id")).exclude(sender=member)
    return (
        ConversationMember.objects.filter(member=member)
        .filter(
            Exists(newer.filter(created_at__gt=OuterRef("last_read_at")))
            | Q(last_read_at__isnull=True, conversation__last_message_at__isnull=False)
        )
        .count()
    )


def conversation_messages(conversation: Conversation, limit: int = 100) -> list[Message]:
    latest = list(
        Message.objects.filter(conversation=conversation)
        .select_related("sender")
        .order_by("-created_at", "-id")[:limit]
    )
    latest.reverse()
    return latest


def conversation_participants(conversation: Conversation) -> list[Member]:
    return [
        participant.member
        for participant in ConversationMember.objects.filter(conversation=conversation)
        .select_related("member")
        .order_by("member__first_name", "member__last_name")
    ]


def messageable_members(sender: Member, query: str, limit: int = 20) -> list[Member]:
    members = visible_members().exclude(pk=sender.pk)
    for word in query.split()[:4]:
        members = members.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return list(members.order_by("first_name", "last_name")[:limit])


def conversation_ids_of_members(member_ids: list[int]) -> dict[int, set[int]]:
    """member id → ids of the conversations with a message they take part in (who has
    talked with whom: matchmaking prefers people who know each other), in one query."""
    conversations: dict[int, set[int]] = {}
    for member_id, conversation_id in ConversationMember.objects.filter(
        member_id__in=member_ids, conversation__last_message_at__isnull=False
    ).values_list("member_id", "conversation_id"):
        conversations.setdefault(member_id, set()).add(conversation_id)
    return conversations
