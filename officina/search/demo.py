"""The actions' bulk forms used by the demo loaders (sign-up, posts, member skills) insert
with bulk_create, which sends no signals: index everything once they are done (search
comes after the content apps)."""

from __future__ import annotations

from officina.core.demo import DemoContext
from officina.search.actions import do_rebuild_index


def populate(context: DemoContext) -> None:
    do_rebuild_index()
