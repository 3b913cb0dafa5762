"""PostgreSQL: one partial GIN index per kind of document instead of one for all.

Every search asks for one kind. With one index over every kind, a member search
for "progetto" fetched the 21,700 matching rows of every kind from the heap and
kept the 1,960 members (15-22 ms); a partial index per kind hands the heap only
that kind's matches (as 0005 did for SQLite with a table per kind).
"""

from django.db import migrations

from officina.search.operations import RunSQLForVendor

# DocumentKind's values; a new kind of document needs a migration adding its index.
KINDS = ("member", "company", "post", "question")

FORWARDS = [
    *(
        f"CREATE INDEX search_document_{kind}_gin ON search_searchdocument "
        f"USING GIN (search_vector) WHERE kind = '{kind}'"
        for kind in KINDS
    ),
    "DROP INDEX IF EXISTS search_document_vector_gin",
]
BACKWARDS = [
    "CREATE INDEX search_document_vector_gin ON search_searchdocument USING GIN (search_vector)",
    *(f"DROP INDEX IF EXISTS search_document_{kind}_gin" for kind in KINDS),
]


class Migration(migrations.Migration):
    dependencies = [("search", "0005_fts_table_per_kind")]

    operations = [RunSQLForVendor("postgresql", FORWARDS, BACKWARDS)]
