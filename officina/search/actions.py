"""Writes on the search index: re-index some rows, or rebuild everything."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from officina.search.models import SearchDocument
from officina.search.sources import all_sources, source_for

BATCH_SIZE = 1000


@transaction.atomic
def do_index_objects(kind: str, object_ids: Iterable[int]) -> int:
    """Bring the documents of these rows up to date; rows that are gone leave the index."""
    ids = sorted(set(object_ids))
    if not ids:
        return 0
    documents = list(source_for(kind).documents(ids))
    # Delete then insert: the SQLite triggers keep the FTS table in step either way,
    # and a fresh insert is simpler than diffing which fields changed.
    SearchDocument.objects.filter(kind=kind, object_id__in=ids).delete()
    SearchDocument.objects.bulk_create(documents, batch_size=BATCH_SIZE)
    return len(documents)


@transaction.atomic
def do_rebuild_index(kinds: Iterable[str] | None = None) -> dict[str, int]:
    """Index every row of every source (or of ``kinds``) from scratch."""
    wanted = set(kinds) if kinds is not None else None
    counts: dict[str, int] = {}
    for source in all_sources():
        if wanted is not None and source.kind not in wanted:
            continue
        SearchDocument.objects.filter(kind=source.kind).delete()
        batch: list[SearchDocument] = []
        counts[source.kind] = 0
        for document in source.documents(None):
            batch.append(document)
            if len(batch) >= BATCH_SIZE:
                SearchDocument.objects.bulk_create(batch)
                counts[source.kind] += len(batch)
                batch = []
        SearchDocument.objects.bulk_create(batch)
        counts[source.kind] += len(batch)
    return counts
