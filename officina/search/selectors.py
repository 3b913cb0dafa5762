"""``search(viewer, query)``: one interface over members, companies, posts and questions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString

from officina.accounts.selectors import may_see_members
from officina.search.backends import full_text_backend
from officina.search.kinds import DocumentKind
from officina.search.models import SearchDocument
from officina.search.snippets import SNIPPET_WORDS, Highlighter
from officina.search.sources import SOURCES
from officina.search.stemming import words

if TYPE_CHECKING:
    from officina.accounts.models import Member

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 8
MAX_LIMIT = 50
# Ranked ids are narrowed to what the viewer may see batch by batch; a few
# batches bound the work when most matches are hidden from this viewer.
MAX_BATCHES = 4


@dataclass(frozen=True)
class SearchHit:
    kind: str
    object_id: int
    title: SafeString
    snippet: SafeString
    url: str


@dataclass
class SearchResults:
    query: str
    words: list[str]
    groups: dict[str, list[SearchHit]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(hits) for hits in self.groups.values())

    def group_list(self) -> list[tuple[str, str, list[SearchHit]]]:
        """(kind, translated label, hits) for the kinds that found something, in a fixed order."""
        return [
            (kind.value, str(kind.label), self.groups[kind.value])
            for kind in DocumentKind
            if self.groups.get(kind.value)
        ]


def query_words(query: str) -> list[str]:
    return words(query[:MAX_QUERY_LENGTH])[:MAX_QUERY_WORDS]


def _visible_ranked_ids(viewer: Member, kind: str, searched: list[str], limit: int) -> list[int]:
    backend = full_text_backend()
    source = SOURCES[kind]
    batch_size = max(limit * 3, 30)
    found: list[int] = []
    for batch in range(MAX_BATCHES):
        ranked = backend.ranked_object_ids(
            kind, searched, offset=batch * batch_size, limit=batch_size
        )
        visible = source.visible_ids(viewer, ranked) if ranked else set()
        found.extend(object_id for object_id in ranked if object_id in visible)
        if len(found) >= limit or len(ranked) < batch_size:
            break
    return found[:limit]


def search(
    viewer: Member,
    query: str,
    *,
    kinds: Iterable[str] | None = None,
    limit: int = 10,
) -> SearchResults:
    """Best matches per kind, only among what ``viewer`` may see, with highlighted snippets.

    Any text is a valid query: quotes, operators and brackets are not syntax
    here, just characters between words; a query without words finds nothing.
    """
    searched = query_words(query)
    results = SearchResults(query=query, words=searched)
    if not searched or not may_see_members(viewer):
        return results
    limit = max(1, min(limit, MAX_LIMIT))
    wanted = [kind for kind in (kinds or SOURCES) if kind in SOURCES]
    highlight = Highlighter(searched)
    for kind in wanted:
        ids = _visible_ranked_ids(viewer, kind, searched, limit)
        if not ids:
            continue
        documents = {
            document.object_id: document
            for document in SearchDocument.objects.filter(kind=kind, object_id__in=ids).only(
                "object_id", "title", "body", "url"
            )
        }
        results.groups[kind] = [
            SearchHit(
                kind=kind,
                object_id=object_id,
                title=highlight(documents[object_id].title),
                snippet=highlight(documents[object_id].body, max_words=SNIPPET_WORDS),
                url=documents[object_id].url,
            )
            for object_id in ids
            if object_id in documents
        ]
    return results
