"""Moving the test database along the migration graph, for tests of data migrations."""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_to(targets: list[tuple[str, str]]) -> Apps:
    """Apply or unapply migrations until ``targets``; the apps as of that state.

    Going back unapplies whatever depends on what is undone, in any app: a test must
    end with ``migrate_to(every_leaf())``, or the tests after it meet missing tables."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def every_leaf() -> list[tuple[str, str]]:
    """The newest migration of every app: the schema the other tests expect."""
    leaves: list[tuple[str, str]] = MigrationExecutor(connection).loader.graph.leaf_nodes()
    return leaves
