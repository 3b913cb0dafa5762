"""Full-text matching on SQLite (FTS5, bm25) and PostgreSQL (tsvector, ts_rank_cd).

Both take the searched words already split by :func:`officina.search.stemming.words`
(letters and digits only), so no quote, operator or parenthesis typed by a
member ever reaches the query language of either database: the query text is
built here, from stems, and passed as a bound parameter.
"""

from __future__ import annotations

from typing import Protocol

from django.db import connection

from officina.search.kinds import DocumentKind
from officina.search.stemming import fold_accents, stems

# A prefix shorter than this would match half the index.
MIN_PREFIX_LENGTH = 2
# How many of the newest matches of one kind are ranked by relevance.
RANK_WINDOW = 2000


class FullTextBackend(Protocol):
    def ranked_object_ids(
        self, kind: str, words: list[str], *, offset: int, limit: int
    ) -> list[int]: ...


class SQLiteFullText:
    """FTS5 over the stemmed columns, one table per kind (``search_fts_<kind>``, migration
    0005); the title weighs four times the body in bm25.

    A table per kind keeps a search of one kind to that kind's rows: bm25 counts, for
    each searched phrase, the rows of the table that contain it, and in one table for
    every kind that count ran over 100,000 posts even when searching companies.
    """

    def match_expression(self, words: list[str]) -> str:
        clauses = []
        for position, word in enumerate(words):
            alternatives = [f'"{stem}"' for stem in stems(word)]
            is_last = position == len(words) - 1
            if is_last and len(word) >= MIN_PREFIX_LENGTH:
                alternatives.append(f'"{fold_accents(word)}"*')
            clauses.append("(" + " OR ".join(alternatives) + ")")
        return " AND ".join(clauses)

    def ranked_object_ids(
        self, kind: str, words: list[str], *, offset: int, limit: int
    ) -> list[int]:
        # The table's name comes from DocumentKind's values, never from text of a member.
        table = f"search_fts_{DocumentKind(kind).value}"
        # bm25 is computed for every row the inner query yields: only the RANK_WINDOW
        # newest matches (FTS5 walks a match in rowid order and stops at the LIMIT), so a
        # word found in tens of thousands of posts costs no more than a rarer one.
        # Ranking first and joining the few winners after keeps the join out of the
        # per-match work.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT document.object_id
                FROM (
                    SELECT id, score
                    FROM (
                        SELECT rowid AS id, bm25({table}, 4.0, 1.0) AS score
                        FROM {table}
                        WHERE {table} MATCH %s
                        ORDER BY rowid DESC
                        LIMIT %s
                    )
                    ORDER BY score, id
                    LIMIT %s OFFSET %s
                ) AS ranked
                JOIN search_searchdocument AS document ON document.id = ranked.id
                ORDER BY ranked.score, ranked.id
                """,  # noqa: S608 - the table name is one of DocumentKind's values
                [self.match_expression(words), RANK_WINDOW, limit, offset],
            )
            return [row[0] for row in cursor.fetchall()]


class PostgresFullText:
    """The generated ``search_vector`` (italian + english + simple for titles), GIN-indexed.

    Each word must match in at least one language; the last word also matches
    as a prefix, so that "giu" finds Giulia while one is still typing. As on
    SQLite, only the RANK_WINDOW newest matches are ranked: ts_rank_cd reads
    each match's vector, and a common word matches thousands of posts.
    """

    def query_sql(self, words: list[str]) -> tuple[str, list[str]]:
        parts = []
        params: list[str] = []
        for position, word in enumerate(words):
            is_last = position == len(words) - 1
            # quote_literal makes the word one lexeme whatever its characters; ":*" is
            # the only operator, and it is ours.
            simple = (
                "to_tsquery('simple', quote_literal(%s) || ':*')"
                if is_last and len(word) >= MIN_PREFIX_LENGTH
                else "plainto_tsquery('simple', %s)"
            )
            parts.append(
                "(plainto_tsquery('italian', %s) || plainto_tsquery('english', %s) || "
                + simple
                + ")"
            )
            params += [word, word, word]
        return " && ".join(parts), params

    def ranked_object_ids(
        self, kind: str, words: list[str], *, offset: int, limit: int
    ) -> list[int]:
        query, params = self.query_sql(words)
        # The kind is written into the statement (one of DocumentKind's values, never text
        # from a member) so that the planner picks that kind's partial GIN index (migration
        # 0006) whatever the parameter binding.
        kind = DocumentKind(kind).value
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH searched AS (SELECT {query} AS query),
                candidates AS (
                    SELECT document.id, document.object_id, document.search_vector
                    FROM search_searchdocument AS document, searched
                    WHERE document.kind = '{kind}' AND document.search_vector @@ searched.query
                    ORDER BY document.id DESC
                    LIMIT %s
                )
                SELECT candidates.object_id
                FROM candidates, searched
                ORDER BY ts_rank_cd(candidates.search_vector, searched.query) DESC, candidates.id
                LIMIT %s OFFSET %s
                """,  # noqa: S608 - the fragment is built above from fixed SQL only
                [*params, RANK_WINDOW, limit, offset],
            )
            return [row[0] for row in cursor.fetchall()]


def full_text_backend() -> FullTextBackend:
    """Chosen by the database in use; the rest of the app never asks which one."""
    if connection.vendor == "postgresql":
        return PostgresFullText()
    if connection.vendor == "sqlite":
        return SQLiteFullText()
    raise NotImplementedError(f"No full-text search for the {connection.vendor} database.")
