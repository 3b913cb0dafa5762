"""On PostgreSQL the database itself refuses overlapping active bookings of a resource.

An exclusion constraint over (resource, [starts_at, blocked_until)) needs btree_gist for
the equality on the resource id inside a GiST index. SQLite has no such constraint: there
the booking actions check under the database's write lock (see actions.py).
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE bookings_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (
    resource_id WITH =,
    tstzrange(starts_at, blocked_until, '[)') WITH &&
) WHERE (status IN ('pending', 'confirmed'));
"""
DROP = """
ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS booking_no_overlap;
DROP EXTENSION IF EXISTS btree_gist;
"""


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_resources_and_bookings")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
