"""SQLite: the FTS5 table indexes the kind too, so a search of one kind ranks only its rows.

Filtering on the kind after the match (a join) made bm25 score the matches of
every kind: with 100,000 posts, a member search paid for ranking the posts.
"""

from django.db import migrations

from officina.search.operations import RunSQLForVendor


def fts_table(columns: str) -> list[str]:
    values = ", ".join(f"new.{column.strip()}" for column in columns.split(","))
    old_values = ", ".join(f"old.{column.strip()}" for column in columns.split(","))
    return [
        "DROP TRIGGER IF EXISTS search_fts_after_insert",
        "DROP TRIGGER IF EXISTS search_fts_after_delete",
        "DROP TRIGGER IF EXISTS search_fts_after_update",
        "DROP TABLE IF EXISTS search_fts",
        f"""
        CREATE VIRTUAL TABLE search_fts USING fts5(
            {columns},
            content='search_searchdocument', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        )
        """,
        f"""
        CREATE TRIGGER search_fts_after_insert AFTER INSERT ON search_searchdocument BEGIN
            INSERT INTO search_fts(rowid, {columns}) VALUES (new.id, {values});
        END
        """,
        f"""
        CREATE TRIGGER search_fts_after_delete AFTER DELETE ON search_searchdocument BEGIN
            INSERT INTO search_fts(search_fts, rowid, {columns})
            VALUES ('delete', old.id, {old_values});
        END
        """,
        f"""
        CREATE TRIGGER search_fts_after_update AFTER UPDATE ON search_searchdocument BEGIN
            INSERT INTO search_fts(search_fts, rowid, {columns})
            VALUES ('delete', old.id, {old_values});
            INSERT INTO search_fts(rowid, {columns}) VALUES (new.id, {values});
        END
        """,
        "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
    ]


class Migration(migrations.Migration):
    dependencies = [("search", "0003_keywords")]

    operations = [
        RunSQLForVendor(
            "sqlite",
            fts_table("kind, title_terms, body_terms"),
            fts_table("title_terms, body_terms"),
        ),
    ]
