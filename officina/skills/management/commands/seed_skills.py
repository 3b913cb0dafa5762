"""``officina seed_skills``: add the curated bilingual taxonomy's missing skills."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from officina.skills.actions import check_add_to_taxonomy
from officina.skills.curated import curated_taxonomy
from officina.skills.selectors import all_skills


class Command(BaseCommand):
    help = "Add the skills of the curated taxonomy (English, Italian, synonyms) not there yet."

    def handle(self, *args: Any, **options: Any) -> None:
        present = set(all_skills().values_list("slug", flat=True))
        missing = [entry for entry in curated_taxonomy() if entry.slug not in present]
        if missing:
            check_add_to_taxonomy(missing)
        self.stdout.write(f"{len(missing)} skill(s) added, {len(present)} already there.")
