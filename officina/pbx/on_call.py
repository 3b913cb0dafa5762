"""Who is on a call, told to the community's live pages.

The proxy reports each answered call and each hang-up; a member goes "on a call" with
their first answered call and off it when their last one ends (a member may hold a
call on the desk phone while another rings on the browser). The changes of a fifth of
a second go to the worker together, as one job: ``presence.live.broadcast_on_call``
sends each to the who's-here groups of the spaces where the member is checked in; each
listener's consumer decides, by the member's presence visibility, whether that listener
hears it. Only a member's last change in a batch is told, and only when it differs
from what the pages were last told: a call that began and ended in between never
showed, so its end is not news (a database query and a thread hand-off saved per
member, twice per short call, on the PBX's busiest path). Pages rendered
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
# How long the first change waits for others to go with it. Told one by one, the four
# changes of a call (two members on, then off) cost four worker jobs and four queries,
# more CPU than the proxy spends on the call itself; a fifth of a second late is still
# live on a page.
GATHER_SECONDS = 0.2


class OnCallAnnouncer:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.calls: Counter[int] = Counter()  # member id -> answered calls going on
        self.pending: list[tuple[int, bool]] = []
        # Members the pages were last told are on a call.
        self.shown_on_call: set[int] = set()
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
            await asyncio.sleep(GATHER_SECONDS)
            news = self.take_news()
            if news:
                await loop.run_in_executor(None, _broadcast, news)

    def take_news(self) -> list[tuple[int, bool]]:
        """The changes waiting, as the pages are to hear them: each member's last one,
        when it differs from what they last heard."""
        changes, self.pending = self.pending, []
        news = []
        for member_id, on_call in dict(changes).items():
            if on_call == (member_id in self.shown_on_call):
                continue
            if on_call:
                self.shown_on_call.add(member_id)
            else:
                self.shown_on_call.discard(member_id)
            news.append((member_id, on_call))
        return news


def _broadcast(news: list[tuple[int, bool]]) -> None:
    for member_id, on_call in news:
        try:
            broadcast_on_call(member_id, on_call)
        except Exception:
            logger.exception("could not announce member %s on a call", member_id)


__all__ = ["OnCallAnnouncer"]
