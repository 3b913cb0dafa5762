"""Ringing the ring group of a company or of a space: whom, in what order, and who is
busy.

The groups (``ringgroups.selectors.ring_group_plans``) and who is present now
(``presence.selectors.present_member_ids_for_routing``) are read into memory at start-up
and every few seconds after, in a worker thread, like the directory: no SIP
message waits on a query. A check-in shows in a presence-aware group within
``REFRESH_SECONDS``.

What is known only here, in memory, is who is on a call (answered and not yet
hung up, through this node) and when each extension last finished a call: the
hunting strategies skip the first and order by the second. After a restart
every extension counts as idle since the start.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from officina.presence.selectors import present_member_ids_for_routing
from officina.ringgroups.kinds import RingStrategy, RingTargets
from officina.ringgroups.selectors import RingGroupPlan, ring_group_plans

if TYPE_CHECKING:
    from collections.abc import Iterable

    from officina.pbx.directory import Directory
    from officina.pbx.selectors import DirectoryEntry

logger = logging.getLogger("officina.pbx.ring_groups")

REFRESH_SECONDS = 5.0


class RingGroups:
    def __init__(self) -> None:
        self.plans: dict[str, RingGroupPlan] = {}
        self.present: frozenset[int] = frozenset()  # checked in anywhere
        self.present_at: dict[int, frozenset[int]] = {}  # space id → checked in there
        self.on_call: dict[int, int] = {}  # extension id → calls in progress
        self.idle_since: dict[int, float] = {}  # extension id → end of its last call

    def load(self) -> None:
        """Read the groups and who is present (synchronous: call from a worker thread)."""
        self.plans, self.present_at = _read()
        self.present = frozenset().union(*self.present_at.values())

    async def run_refresh(self, every: float = REFRESH_SECONDS) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(every)
            try:
                plans, present_at = await loop.run_in_executor(None, _read)
                self.plans, self.present_at = plans, present_at
                self.present = frozenset().union(*present_at.values())
            except Exception:
                logger.exception("could not read the ring groups; keeping the last copy")

    def plan(self, number: str) -> RingGroupPlan | None:
        return self.plans.get(number)

    def route(
        self, plan: RingGroupPlan, directory: Directory, wall: float
    ) -> tuple[RingGroupPlan | None, DirectoryEntry | None]:
        """Where a call to ``plan``'s number goes at ``wall``: the group itself; out of the
        company's hours the extension or the group it names (one hop: no chains);
        or nowhere (None, None)."""
        moment = datetime.fromtimestamp(wall, UTC)
        if plan.schedule is None or plan.schedule.is_open(moment):
            return plan, None
        elsewhere = plan.out_of_hours_number
        entry = directory.entry(elsewhere) if elsewhere else None
        if entry is not None:
            return None, entry
        other = self.plans.get(elsewhere) if elsewhere else None
        if (
            other is not None
            and other is not plan
            and (other.schedule is None or other.schedule.is_open(moment))
        ):
            return other, None
        return None, None

    def steps(self, plan: RingGroupPlan, directory: Directory) -> list[list[DirectoryEntry]]:
        """The extensions to ring, one list per step: one step for ring-all, one per person
        for the hunting strategies (people on a call left out)."""
        if plan.targets == RingTargets.PRESENT:
            # A company's group: its people here anywhere; a space's: its members here.
            here = (
                self.present
                if plan.space_id is None
                else self.present_at.get(plan.space_id, frozenset())
            )
            member_ids: Iterable[int] = (m for m in plan.owner_member_ids if m in here)
        else:
            member_ids = plan.available_member_ids
        entries = directory.entries_of_members(member_ids)
        if plan.strategy == RingStrategy.RING_ALL:
            return [entries] if entries else []
        free = [entry for entry in entries if not self.on_call.get(entry.extension_id)]
        if plan.strategy == RingStrategy.LONGEST_IDLE:
            # Stable: among those idle equally long, the group's order decides.
            free.sort(key=lambda entry: self.idle_since.get(entry.extension_id, 0.0))
        return [[entry] for entry in free]

    def call_answered(self, extension_ids: Iterable[int | None]) -> None:
        for extension_id in extension_ids:
            if extension_id is not None:
                self.on_call[extension_id] = self.on_call.get(extension_id, 0) + 1

    def call_ended(self, extension_ids: Iterable[int | None], wall: float) -> None:
        for extension_id in extension_ids:
            if extension_id is None:
                continue
            left = self.on_call.get(extension_id, 0) - 1
            if left > 0:
                self.on_call[extension_id] = left
            else:
                self.on_call.pop(extension_id, None)
            self.idle_since[extension_id] = wall


def _read() -> tuple[dict[str, RingGroupPlan], dict[int, frozenset[int]]]:
    plans = {plan.number: plan for plan in ring_group_plans()}
    present = present_member_ids_for_routing()
    return plans, {space_id: frozenset(ids) for space_id, ids in present.items()}
