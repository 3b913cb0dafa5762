"""``officina reindex``: rebuild the full-text index from the database."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from officina.search.actions import do_rebuild_index
from officina.search.kinds import DocumentKind


class Command(BaseCommand):
    help = "Rebuild the search index (members, companies, posts, questions)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kinds",
            nargs="*",
            help=f"only these kinds ({', '.join(DocumentKind.values)}); all by default",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = options["kinds"] or None
        unknown = set(kinds or ()) - set(DocumentKind.values)
        if unknown:
            raise CommandError(f"Unknown kind(s): {', '.join(sorted(unknown))}")
        started = time.perf_counter()
        counts = do_rebuild_index(kinds)
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{count} {kind}" for kind, count in counts.items())
        self.stdout.write(f"Indexed {summary} in {elapsed:.1f}s.")
