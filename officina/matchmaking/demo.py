"""The demo's bulk inserts send no signals: build the expert index once they are done
(matchmaking comes after the apps whose rows it reads)."""

from __future__ import annotations

from officina.core.demo import DemoContext
from officina.matchmaking.actions import do_rebuild_index


def populate(context: DemoContext) -> None:
    do_rebuild_index()
