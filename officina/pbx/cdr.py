"""Call records written behind the proxy, in batches, by a worker thread."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from officina.pbx.actions import CallRow, do_write_call_records

logger = logging.getLogger("officina.pbx.cdr")

# Records waiting for the database; beyond this a stuck database costs records, not memory.
MAX_PENDING_RECORDS = 100_000


def wall_time(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)


class CallRecordWriter:
    def __init__(self) -> None:
        self._new: list[CallRow] = []
        # id() of the rows in ``_new``: asking whether a row is still waiting must not
        # walk the whole batch once per hang-up (hundreds of rows at full load).
        self._new_ids: set[int] = set()
        self._ended: list[CallRow] = []
        self._wakeup: asyncio.Event | None = None
        self.dropped = 0

    def add(self, row: CallRow) -> None:
        """A call attempt to record (answered calls get their end through ``ended``)."""
        if not row.recorded:
            return
        if len(self._new) + len(self._ended) >= MAX_PENDING_RECORDS:
            self.dropped += 1
            return
        self._new.append(row)
        self._new_ids.add(id(row))
        self._wake()

    def ended(self, row: CallRow) -> None:
        """An answered call has hung up (``row.ended_at`` is set), or an unanswered one's
        voicemail took it (``row.voicemail``)."""
        if not row.recorded:
            return
        if row.record_id is None and id(row) in self._new_ids:
            return  # not written yet: the insert will carry the end time
        if len(self._new) + len(self._ended) >= MAX_PENDING_RECORDS:
            self.dropped += 1
            return
        self._ended.append(row)
        self._wake()

    def _wake(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()

    def take(self) -> tuple[list[CallRow], list[CallRow]]:
        new, ended = self._new, self._ended
        self._new, self._ended = [], []
        self._new_ids = set()
        return new, ended

    def flush_now(self) -> None:
        new, ended = self.take()
        if new or ended:
            do_write_call_records(new, ended)

    async def run(self, interval: float = 0.5) -> None:
        loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        try:
            while True:
                await self._wakeup.wait()
                self._wakeup.clear()
                await asyncio.sleep(interval)
                new, ended = self.take()
                if not (new or ended):
                    continue
                try:
                    await loop.run_in_executor(None, do_write_call_records, new, ended)
                except Exception:
                    logger.exception("could not write %d call records", len(new) + len(ended))
        finally:
            new, ended = self.take()
            if new or ended:
                await loop.run_in_executor(None, do_write_call_records, new, ended)
