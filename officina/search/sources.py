"""What each kind of result is made of, who may see it, and where it leads.

A source turns rows of another app into :class:`SearchDocument` rows (in bulk,
for a rebuild, or for a few ids after a change) and narrows ranked ids to those
a viewer may see, through the owning app's own visibility rules. The rows come
from the querysets each app publishes for the index (``*_to_index`` in its
selectors), read here in bulk: indexing 10,000 members one selector call at a
time would not finish in a demo's time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet
from django.urls import NoReverseMatch, reverse

from officina.accounts.selectors import (
    companies_to_index,
    existing_company_ids,
    may_see_members,
    members_to_index,
    visible_members,
)
from officina.knowledge.selectors import questions_to_index, visible_questions
from officina.search.kinds import DocumentKind
from officina.search.models import SearchDocument
from officina.search.stemming import terms
from officina.skills.selectors import member_free_tags_with_texts, member_skills_with_names
from officina.social.access import visible_posts
from officina.social.selectors import posts_to_index, profiles_to_index

if TYPE_CHECKING:
    from officina.accounts.models import Member

SENTINEL = "0000000042"


def url_maker(name: str) -> Callable[[object], str]:
    """``reverse(name, args=[key])`` for many keys, resolving the pattern once.

    A rebuild makes a link for each of 100,000 rows; reversing each would be a
    good part of the time. Keys are ids or slugs, which need no escaping.
    """
    try:
        pattern = reverse(name, args=[SENTINEL])
    except NoReverseMatch:
        return lambda key: ""
    prefix, _sentinel, suffix = pattern.partition(SENTINEL)
    return lambda key: f"{prefix}{key}{suffix}"


def make_document(
    kind: str, object_id: int, title: str, body: str, url: str, keywords: str = ""
) -> SearchDocument:
    title = title.strip()[:300]
    return SearchDocument(
        kind=kind,
        object_id=object_id,
        title=title,
        body=body.strip(),
        keywords=keywords,
        url=url,
        title_terms=terms(title),
        body_terms=terms(f"{body}\n{keywords}" if keywords else body),
    )


@dataclass(frozen=True)
class Source:
    kind: str
    # Documents for the given ids (all rows when None); missing ids yield nothing.
    documents: Callable[[list[int] | None], Iterator[SearchDocument]]
    # The subset of ``ids`` that ``viewer`` may see.
    visible_ids: Callable[[Member, list[int]], set[int]]


def _only(queryset: QuerySet, ids: list[int] | None) -> QuerySet:  # type: ignore[type-arg]
    """The rows to index, oldest first: document ids then follow creation order, which
    the SQLite backend relies on to rank the newest matches of very common words."""
    queryset = queryset.order_by("pk")
    return queryset if ids is None else queryset.filter(pk__in=ids)


def _member_documents(ids: list[int] | None) -> Iterator[SearchDocument]:
    profile_url = url_maker("social:profile")
    members = _only(members_to_index(), ids).prefetch_related(
        Prefetch("member_skills", queryset=member_skills_with_names()),
        # Free tags are found as the taxonomy's skills are: by their words, stemmed in
        # both languages, accents and case aside.
        Prefetch("free_tags", queryset=member_free_tags_with_texts()),
    )
    profiles = {profile.member_id: profile for profile in _only(profiles_to_index(), ids)}
    for member in members.iterator(chunk_size=1000):
        profile = profiles.get(member.pk)
        skills = ", ".join(
            [
                *(
                    f"{each.skill.name_en} {each.skill.name_it}"
                    for each in member.member_skills.all()
                ),
                # A tag's merged texts too: "ReactJS" merged into "React" still finds.
                *dict.fromkeys(text for each in member.free_tags.all() for text in each.tag.texts),
            ]
        )
        companies = " · ".join(each.company.name for each in member.company_memberships.all())
        body = "\n".join(
            part
            for part in (
                profile.headline if profile else "",
                companies,
                profile.bio if profile else "",
            )
            if part
        )
        yield make_document(
            DocumentKind.MEMBER,
            member.pk,
            member.display_name,
            body,
            profile_url(member.pk),
            keywords=skills,
        )


def _visible_members(viewer: Member, ids: list[int]) -> set[int]:
    if not may_see_members(viewer):
        return set()
    return set(visible_members().filter(pk__in=ids).values_list("pk", flat=True))


def _company_documents(ids: list[int] | None) -> Iterator[SearchDocument]:
    company_url = url_maker("accounts:company")
    companies = _only(companies_to_index(), ids)
    for company in companies.iterator(chunk_size=1000):
        body = "\n".join(
            part
            for part in (
                company.description,
                company.city,
                company.space.name if company.space else "",
            )
            if part
        )
        yield make_document(
            DocumentKind.COMPANY,
            company.pk,
            company.name,
            body,
            company_url(company.slug),
        )


def _visible_companies(viewer: Member, ids: list[int]) -> set[int]:
    if not may_see_members(viewer):
        return set()
    return existing_company_ids(ids)


def _question_documents(ids: list[int] | None) -> Iterator[SearchDocument]:
    question_url = url_maker("knowledge:question")
    questions = _only(questions_to_index(), ids)
    for question in questions.iterator(chunk_size=1000):
        tags = ", ".join(f"{tag.name_en} {tag.name_it}" for tag in question.tags.all())
        yield make_document(
            DocumentKind.QUESTION,
            question.pk,
            question.title,
            question.body,
            question_url(question.pk),
            keywords=tags,
        )


def _visible_questions(viewer: Member, ids: list[int]) -> set[int]:
    return set(visible_questions(viewer).filter(pk__in=ids).values_list("pk", flat=True))


def _post_documents(ids: list[int] | None) -> Iterator[SearchDocument]:
    post_url = url_maker("social:post")
    posts = _only(posts_to_index(), ids)
    for post in posts.iterator(chunk_size=1000):
        yield make_document(
            DocumentKind.POST,
            post.pk,
            post.author.display_name,
            post.body,
            post_url(post.pk),
        )


def _visible_posts(viewer: Member, ids: list[int]) -> set[int]:
    return set(visible_posts(viewer).filter(pk__in=ids).values_list("pk", flat=True))


SOURCES: dict[str, Source] = {
    DocumentKind.MEMBER: Source(DocumentKind.MEMBER, _member_documents, _visible_members),
    DocumentKind.COMPANY: Source(DocumentKind.COMPANY, _company_documents, _visible_companies),
    DocumentKind.POST: Source(DocumentKind.POST, _post_documents, _visible_posts),
    DocumentKind.QUESTION: Source(DocumentKind.QUESTION, _question_documents, _visible_questions),
}


def source_for(kind: str) -> Source:
    return SOURCES[kind]


def all_sources() -> Iterable[Source]:
    return SOURCES.values()
