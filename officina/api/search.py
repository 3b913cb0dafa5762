"""/api/search: the same full-text search as the search page."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import COMMON_ERRORS, Text
from officina.api.schemas import translated_when_shown as _
from officina.search.kinds import DocumentKind
from officina.search.selectors import MAX_LIMIT, search

router = Router(tags=["search"])


class SearchFilters(Schema):
    q: Text = Field(max_length=200, description="words; Italian and English forms both match")
    kinds: list[DocumentKind] = Field(
        default_factory=list, description="member, company, post, question (all by default)"
    )
    limit: int = Field(10, ge=1, le=MAX_LIMIT, description="results per kind")


class HitOut(Schema):
    kind: str
    id: int
    title: str = Field(description="HTML: escaped text, matching words in <mark>")
    snippet: str = Field(description="HTML: escaped text, matching words in <mark>")
    url: str


class SearchOut(Schema):
    query: str
    results: dict[str, list[HitOut]]


@router.get("", response={200: SearchOut, **COMMON_ERRORS}, summary=_("Full-text search"))
def full_text_search(request: HttpRequest, filters: Query[SearchFilters]) -> SearchOut:
    found = search(
        signed_in_member(request),
        filters.q,
        kinds=[kind.value for kind in filters.kinds] or None,
        limit=filters.limit,
    )
    return SearchOut(
        query=filters.q,
        results={
            kind: [
                HitOut(
                    kind=hit.kind,
                    id=hit.object_id,
                    title=str(hit.title),
                    snippet=str(hit.snippet),
                    url=hit.url,
                )
                for hit in hits
            ]
            for kind, hits in found.groups.items()
        },
    )
