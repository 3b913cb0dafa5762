"""``officina match_reindex``: rebuild the expert index (after imports, a taxonomy change)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from officina.matchmaking.actions import do_rebuild_index


class Command(BaseCommand):
    help = "Rebuild every member's expert evidence (bulk imports send no signals)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{do_rebuild_index()} member(s) indexed.")
