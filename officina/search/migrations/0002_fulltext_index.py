"""The full-text index: an FTS5 table on SQLite, a generated tsvector on PostgreSQL."""

from django.db import migrations

from officina.search.operations import RunSQLForVendor

SQLITE_FORWARDS = [
    # External content: FTS5 keeps only the index; the text stays in search_searchdocument.
    """
    CREATE VIRTUAL TABLE search_fts USING fts5(
        title_terms, body_terms,
        content='search_searchdocument', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER search_fts_after_insert AFTER INSERT ON search_searchdocument BEGIN
        INSERT INTO search_fts(rowid, title_terms, body_terms)
        VALUES (new.id, new.title_terms, new.body_terms);
    END
    """,
    """
    CREATE TRIGGER search_fts_after_delete AFTER DELETE ON search_searchdocument BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms)
        VALUES ('delete', old.id, old.title_terms, old.body_terms);
    END
    """,
    """
    CREATE TRIGGER search_fts_after_update AFTER UPDATE ON search_searchdocument BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms)
        VALUES ('delete', old.id, old.title_terms, old.body_terms);
        INSERT INTO search_fts(rowid, title_terms, body_terms)
        VALUES (new.id, new.title_terms, new.body_terms);
    END
    """,
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS search_fts_after_update",
    "DROP TRIGGER IF EXISTS search_fts_after_delete",
    "DROP TRIGGER IF EXISTS search_fts_after_insert",
    "DROP TABLE IF EXISTS search_fts",
]

POSTGRES_FORWARDS = [
    # Both configurations: Italian and English stems of the same words, titles weigh more.
    """
    ALTER TABLE search_searchdocument ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('italian'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('italian'::regconfig, coalesce(body, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B')
    ) STORED
    """,
    "CREATE INDEX search_document_vector_gin ON search_searchdocument USING GIN (search_vector)",
]
POSTGRES_BACKWARDS = [
    "DROP INDEX IF EXISTS search_document_vector_gin",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS search_vector",
]


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        RunSQLForVendor("sqlite", SQLITE_FORWARDS, SQLITE_BACKWARDS),
        RunSQLForVendor("postgresql", POSTGRES_FORWARDS, POSTGRES_BACKWARDS),
    ]
