"""Who is on a call, told to the community's live pages.

The proxy reports each answered call and each hang-up; a member goes "on a call" with
their first answered call and off it when their last one ends (a member may hold a
call on the desk phone while another rings on the browser). Each change is handed to
``presence.live.broadcast_on_call`` in a worker thread, which sends it to the who's-here
groups of the spaces where the member is checked in; each listener's consumer decides,
by the member's presence visibility, whether that listener hears it. Pages rendered
later read the same from the call records (``selectors.members_on_a_call``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import TYPE_CHECKING

from officina.presence.live import broadcast_on_call

if TYPE_CHECKING:
    from officina.pbx.actions import CallRow
    from officina.pbx.directory import Directory

logger = logging.getLogger("officina.pbx.on_call")

# Changes waiting for the worker; beyond this the oldest are dropped (pages catch up on
# their next load: the records are the truth).
MAX_PENDING_CHANGES = 10_000


class OnCallAnnouncer:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.calls: Counter[int] = Counter()  # member id -> answered calls going on
        self.pending: list[tuple[int, bool]] = []
        self._wakeup: asyncio.Event | None = None

    def _members(self, row: CallRow) -> list[int]:
        members = []
        for extension_id in {row.caller_id, row.callee_id}:
            entry = self.directory.by_id.get(extension_id) if extension_id else None
            if entry is not None and entry.member_id is not None:
                members.append(entry.member_id)
        return members

    def answered(self, row: CallRow) -> None:
        for member_id in self._members(row):
            self.calls[member_id] += 1
            if self.calls[member_id] == 1:
                self._announce(member_id, on_call=True)

    def ended(self, row: CallRow) -> None:
        for member_id in self._members(row):
            if self.calls[member_id] <= 0:
                continue
            self.calls[member_id] -= 1
            if self.calls[member_id] == 0:
                del self.calls[member_id]
                self._announce(member_id, on_call=False)

    def _announce(self, member_id: int, *, on_call: bool) -> None:
        if len(self.pending) >= MAX_PENDING_CHANGES:
            self.pending.pop(0)
        self.pending.append((member_id, on_call))
        if self._wakeup is not None:
            self._wakeup.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            changes, self.pending = self.pending, []
            for member_id, on_call in changes:
                try:
                    await loop.run_in_executor(None, broadcast_on_call, member_id, on_call)
                except Exception:
                    logger.exception("could not announce member %s on a call", member_id)


__all__ = ["OnCallAnnouncer"]
