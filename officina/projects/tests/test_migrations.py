"""A task's status written into an activity line's subject, in either language, is
taken apart into the title and the status value by the migration, and back."""

from __future__ import annotations

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("projects", "0003_last_activity")]
AFTER = [("projects", "0004_activity_status")]


def _migrate(targets: list[tuple[str, str]]) -> Apps:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_status_in_a_subject_becomes_a_value_and_back(shop):
    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes("projects")
    try:
        old = _migrate(BEFORE)
        Activity = old.get_model("projects", "Activity")
        written = ["Forno → in corso", "Luci → done", "Piastrelle → chissà", "Un titolo"]
        rows = [
            Activity.objects.create(project_id=shop.project.pk, kind="task_status", subject=text)
            for text in written
        ]
        Migrated = _migrate(AFTER).get_model("projects", "Activity")
        assert [
            (line.subject, line.status)
            for line in Migrated.objects.filter(pk__in=[row.pk for row in rows]).order_by("pk")
        ] == [
            ("Forno", "doing"),
            ("Luci", "done"),
            ("Piastrelle → chissà", ""),  # not a status: left as written
            ("Un titolo", ""),
        ]
        Reverted = _migrate(BEFORE).get_model("projects", "Activity")
        assert [
            line.subject
            for line in Reverted.objects.filter(pk__in=[row.pk for row in rows]).order_by("pk")
        ] == ["Forno → in progress", "Luci → done", "Piastrelle → chissà", "Un titolo"]
    finally:
        _migrate(leaf)
