"""SQLite: one FTS5 table per kind of document instead of one table with a kind column.

With the kind inside the match (0004), every search of one kind still paid for
the whole index: bm25 weighs each phrase by how many rows contain it, and FTS5
counts those rows over the table before ranking, so a member search counted
the ~100,000 rows holding the kind "post" and every post holding the words.
That count was most of a query's time (3.4 ms for the 14 companies matching
"progetto"; 0.04 ms in a table of companies only). Each table's content is a
view of its kind's documents, so that 'rebuild' indexes only those.
"""

from django.db import migrations

from officina.search.operations import RunSQLForVendor

# DocumentKind's values; a new kind of document needs a migration adding its table.
KINDS = ("member", "company", "post", "question")
COLUMNS = ("title_terms", "body_terms")
TRIGGERS = ("search_fts_after_insert", "search_fts_after_delete", "search_fts_after_update")


def _values(row: str) -> str:
    return ", ".join(f"{row}.{column}" for column in COLUMNS)


def _insert(kind: str) -> str:
    return (
        f"INSERT INTO search_fts_{kind}(rowid, {', '.join(COLUMNS)}) "
        f"SELECT new.id, {_values('new')} WHERE new.kind = '{kind}';"
    )


def _delete(kind: str) -> str:
    return (
        f"INSERT INTO search_fts_{kind}(search_fts_{kind}, rowid, {', '.join(COLUMNS)}) "
        f"SELECT 'delete', old.id, {_values('old')} WHERE old.kind = '{kind}';"
    )


def _per_kind_forwards() -> list[str]:
    statements = [f"DROP TRIGGER IF EXISTS {trigger}" for trigger in TRIGGERS]
    statements.append("DROP TABLE IF EXISTS search_fts")
    for kind in KINDS:
        statements += [
            f"""
            CREATE VIEW search_fts_{kind}_content AS
            SELECT id, {", ".join(COLUMNS)} FROM search_searchdocument WHERE kind = '{kind}'
            """,
            f"""
            CREATE VIRTUAL TABLE search_fts_{kind} USING fts5(
                {", ".join(COLUMNS)},
                content='search_fts_{kind}_content', content_rowid='id',
                tokenize='unicode61 remove_diacritics 2'
            )
            """,
        ]
    statements += [
        "CREATE TRIGGER search_fts_after_insert AFTER INSERT ON search_searchdocument BEGIN\n"
        + "\n".join(_insert(kind) for kind in KINDS)
        + "\nEND",
        "CREATE TRIGGER search_fts_after_delete AFTER DELETE ON search_searchdocument BEGIN\n"
        + "\n".join(_delete(kind) for kind in KINDS)
        + "\nEND",
        # Every delete before any insert: a document whose kind changed leaves one table
        # and enters another.
        "CREATE TRIGGER search_fts_after_update AFTER UPDATE ON search_searchdocument BEGIN\n"
        + "\n".join(_delete(kind) for kind in KINDS)
        + "\n"
        + "\n".join(_insert(kind) for kind in KINDS)
        + "\nEND",
    ]
    statements += [f"INSERT INTO search_fts_{kind}(search_fts_{kind}) VALUES ('rebuild')" for kind in KINDS]
    return statements


def _single_table_backwards() -> list[str]:
    """The table of 0004: the kind as a column, one table for every document."""
    columns = "kind, " + ", ".join(COLUMNS)
    new = ", ".join(f"new.{column}" for column in ("kind", *COLUMNS))
    old = ", ".join(f"old.{column}" for column in ("kind", *COLUMNS))
    statements = [f"DROP TRIGGER IF EXISTS {trigger}" for trigger in TRIGGERS]
    for kind in KINDS:
        statements += [
            f"DROP TABLE IF EXISTS search_fts_{kind}",
            f"DROP VIEW IF EXISTS search_fts_{kind}_content",
        ]
    return [
        *statements,
        f"""
        CREATE VIRTUAL TABLE search_fts USING fts5(
            {columns},
            content='search_searchdocument', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        )
        """,
        f"""
        CREATE TRIGGER search_fts_after_insert AFTER INSERT ON search_searchdocument BEGIN
            INSERT INTO search_fts(rowid, {columns}) VALUES (new.id, {new});
        END
        """,
        f"""
        CREATE TRIGGER search_fts_after_delete AFTER DELETE ON search_searchdocument BEGIN
            INSERT INTO search_fts(search_fts, rowid, {columns}) VALUES ('delete', old.id, {old});
        END
        """,
        f"""
        CREATE TRIGGER search_fts_after_update AFTER UPDATE ON search_searchdocument BEGIN
            INSERT INTO search_fts(search_fts, rowid, {columns}) VALUES ('delete', old.id, {old});
            INSERT INTO search_fts(rowid, {columns}) VALUES (new.id, {new});
        END
        """,
        "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
    ]


class Migration(migrations.Migration):
    dependencies = [("search", "0004_fts_kind_column")]

    operations = [
        RunSQLForVendor("sqlite", _per_kind_forwards(), _single_table_backwards()),
    ]
