"""A task's status written into an activity line's subject, in either language, is
taken apart into the title and the status value by the migration, and back."""

from __future__ import annotations

import pytest

from officina.core.tests.migrating import every_leaf, migrate_to

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("projects", "0003_last_activity")]
AFTER = [("projects", "0004_activity_status")]


def test_status_in_a_subject_becomes_a_value_and_back(shop):
    try:
        old = migrate_to(BEFORE)
        Activity = old.get_model("projects", "Activity")
        written = ["Forno → in corso", "Luci → done", "Piastrelle → chissà", "Un titolo"]
        rows = [
            Activity.objects.create(project_id=shop.project.pk, kind="task_status", subject=text)
            for text in written
        ]
        Migrated = migrate_to(AFTER).get_model("projects", "Activity")
        assert [
            (line.subject, line.status)
            for line in Migrated.objects.filter(pk__in=[row.pk for row in rows]).order_by("pk")
        ] == [
            ("Forno", "doing"),
            ("Luci", "done"),
            ("Piastrelle → chissà", ""),  # not a status: left as written
            ("Un titolo", ""),
        ]
        Reverted = migrate_to(BEFORE).get_model("projects", "Activity")
        assert [
            line.subject
            for line in Reverted.objects.filter(pk__in=[row.pk for row in rows]).order_by("pk")
        ] == ["Forno → in progress", "Luci → done", "Piastrelle → chissà", "Un titolo"]
    finally:
        migrate_to(every_leaf())
