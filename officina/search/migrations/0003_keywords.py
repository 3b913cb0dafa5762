"""Keywords: searchable text kept out of snippets (a question's skills, a member's skills)."""

from django.db import migrations, models

from officina.search.operations import RunSQLForVendor


def vector_column(with_keywords: bool) -> list[str]:
    keywords = (
        """
        || setweight(to_tsvector('italian'::regconfig, coalesce(keywords, '')), 'C')
        || setweight(to_tsvector('english'::regconfig, coalesce(keywords, '')), 'C')
        """
        if with_keywords
        else ""
    )
    return [
        "DROP INDEX IF EXISTS search_document_vector_gin",
        "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS search_vector",
        f"""
        ALTER TABLE search_searchdocument ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('italian'::regconfig, coalesce(title, '')), 'A')
            || setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
            || setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A')
            || setweight(to_tsvector('italian'::regconfig, coalesce(body, '')), 'B')
            || setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B')
            {keywords}
        ) STORED
        """,
        "CREATE INDEX search_document_vector_gin ON search_searchdocument "
        "USING GIN (search_vector)",
    ]


# Adding a column makes Django rebuild the table on SQLite, which drops the triggers
# that keep the FTS5 index in step: they are created again after each rebuild.
SQLITE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS search_fts_after_insert",
    "DROP TRIGGER IF EXISTS search_fts_after_delete",
    "DROP TRIGGER IF EXISTS search_fts_after_update",
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


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext_index")]

    operations = [
        # Backwards this runs last, after RemoveField has rebuilt the table.
        RunSQLForVendor("sqlite", migrations.RunSQL.noop, SQLITE_TRIGGERS),
        migrations.AddField(
            model_name="searchdocument",
            name="keywords",
            field=models.TextField(blank=True, verbose_name="keywords"),
        ),
        RunSQLForVendor("sqlite", SQLITE_TRIGGERS, migrations.RunSQL.noop),
        # Backwards, the old column comes back before the keywords field is dropped.
        RunSQLForVendor("postgresql", vector_column(True), vector_column(False)),
    ]
