"""The SIP server's in-memory view of extensions, credentials and registrations.

No SIP message waits on the database: the registrar and the proxy read this
directory only. It is loaded from the database at start-up (registrations
that have not expired survive a restart), and every change the registrar
makes is written behind to the database in small batches by a worker thread.

The database stays the source of truth: credentials are re-read every few
seconds (new members, new passwords), and a second PBX node sharing the
database picks up the others' registrations on the same schedule (see
docs/pbx.md for what that does and does not give).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Protocol

from officina.pbx.actions import do_delete_expired_registrations, do_save_bindings
from officina.pbx.bindings import Binding, binding_from_registration
from officina.pbx.models import Registration
from officina.pbx.selectors import DirectoryEntry, directory_entries, live_registrations

logger = logging.getLogger("officina.pbx.directory")


@dataclass(slots=True)
class _PendingWrites:
    saved: dict[tuple[int, str], Binding] = field(default_factory=dict)
    removed: set[tuple[int, str]] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.saved or self.removed)


class Replicas(Protocol):
    """Copies of the directory kept in other processes (the registrar processes), told
    of every change made here."""

    def binding_saved(self, binding: Binding) -> None: ...

    def binding_removed(self, extension_id: int, binding_key: str) -> None: ...

    def other_nodes_merged(self, bindings: list[Binding]) -> None: ...

    def entries_replaced(self, entries: list[DirectoryEntry]) -> None: ...


class Directory:
    """Extensions by number and username, and the bindings of each extension."""

    def __init__(
        self,
        node: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.node = node
        self.clock = clock
        self.by_number: dict[str, DirectoryEntry] = {}
        self.by_id: dict[int, DirectoryEntry] = {}
        self.bindings: dict[int, dict[str, Binding]] = {}
        self._pending = _PendingWrites()
        self._flush_wakeup: asyncio.Event | None = None
        self._last_credentials_sync = 0.0
        self._looking_up: set[str] = set()
        # member id → entry, rebuilt when ``by_number`` is replaced or grows.
        self._by_member: dict[int, DirectoryEntry] = {}
        self._by_member_of: dict[str, DirectoryEntry] | None = None
        self.replicas: Replicas | None = None

    # ------------------------------------------------------------------ loading
    def load(self) -> None:
        """Read credentials and live registrations (synchronous: call from a thread)."""
        now = self.clock()
        entries = directory_entries()
        self._replace_entries(entries)
        registrations = live_registrations(datetime.fromtimestamp(now, UTC))
        bindings: dict[int, dict[str, Binding]] = {}
        for registration in registrations:
            binding = binding_from_registration(registration)
            bindings.setdefault(binding.extension_id, {})[binding.binding_key] = binding
        # Keep bindings made here since the last flush: they are newer than the database.
        for key, binding in self._pending.saved.items():
            bindings.setdefault(key[0], {})[key[1]] = binding
        for extension_id, binding_key in self._pending.removed:
            bindings.get(extension_id, {}).pop(binding_key, None)
        self.bindings = bindings
        self._last_credentials_sync = now

    def merge_other_nodes(self, registrations: list[Registration]) -> None:
        """Replace what this node knows of other nodes' bindings with ``registrations``
        (theirs, freshly read from the database); this node's own stay as they are."""
        others = [binding_from_registration(registration) for registration in registrations]
        self.merge_other_node_bindings(others)
        if self.replicas is not None:
            self.replicas.other_nodes_merged(others)

    def merge_other_node_bindings(self, others: list[Binding]) -> None:
        for extension_id, stored in list(self.bindings.items()):
            for binding_key, binding in list(stored.items()):
                if binding.node != self.node:
                    del stored[binding_key]
            if not stored:
                del self.bindings[extension_id]
        for binding in others:
            stored = self.bindings.setdefault(binding.extension_id, {})
            if binding.binding_key not in stored:
                stored[binding.binding_key] = binding

    def _replace_entries(self, entries: list[DirectoryEntry]) -> None:
        if self.replicas is not None:
            self.replicas.entries_replaced(entries)
        self.replace_entries(entries)

    def replace_entries(self, entries: list[DirectoryEntry]) -> None:
        self.by_number = {entry.number: entry for entry in entries}
        self.by_id = {entry.extension_id: entry for entry in entries}

    def add_entry(self, entry: DirectoryEntry) -> None:
        self.by_number[entry.number] = entry
        self.by_id[entry.extension_id] = entry
        self._by_member_of = None

    # ------------------------------------------------------------------ lookups
    def entry(self, number: str) -> DirectoryEntry | None:
        return self.by_number.get(number)

    def entries_of_members(self, member_ids: Iterable[int]) -> list[DirectoryEntry]:
        """The extensions of ``member_ids``, in their order (members without one left out)."""
        if self._by_member_of is not self.by_number:
            self._by_member = {
                entry.member_id: entry
                for entry in self.by_number.values()
                if entry.member_id is not None
            }
            self._by_member_of = self.by_number
        found = (self._by_member.get(member_id) for member_id in member_ids)
        return [entry for entry in found if entry is not None]

    def live_bindings(self, extension_id: int, now: float | None = None) -> list[Binding]:
        """Unexpired bindings of an extension, best first (highest q, then newest)."""
        stored = self.bindings.get(extension_id)
        if not stored:
            return []
        moment = self.clock() if now is None else now
        live = [binding for binding in stored.values() if binding.expires_at > moment]
        live.sort(key=lambda b: (-(b.q if b.q is not None else 1.0), -b.registered_at))
        return live

    # ------------------------------------------------------------------ changes
    def save_binding(self, binding: Binding, previous: Binding | None = None) -> None:
        """Store a new or refreshed binding; write it to the database unless it is a
        refresh that the stored copy still covers.

        Phones refresh every few minutes (NAT keep-alive) while asking for an hour:
        such a refresh changes only the expiry and CSeq, and the database copy is
        rewritten only once it is half-way to expiring, which keeps the write-behind
        cheap without a restart ever forgetting a live device.
        """
        key = (binding.extension_id, binding.binding_key)
        self.store_binding(binding)
        if self.replicas is not None:
            self.replicas.binding_saved(binding)
        if previous is not None and previous.persisted_expires_at and binding.same_device(previous):
            persisted = previous.persisted_expires_at
            now = self.clock()
            if persisted - now > (binding.expires_at - now) / 2 or persisted >= binding.expires_at:
                binding.persisted_expires_at = persisted
                if key not in self._pending.saved:
                    return
        self._pending.removed.discard(key)
        self._pending.saved[key] = binding
        self._wake_flusher()

    def forget_binding(self, binding: Binding) -> None:
        """Stop using a binding that cannot be reached from here: removed for good when it
        is this node's, only from memory when another node holds it."""
        if binding.node == self.node:
            self.remove_binding(binding.extension_id, binding.binding_key)
            return
        stored = self.bindings.get(binding.extension_id, {})
        if stored.get(binding.binding_key) is binding:
            del stored[binding.binding_key]
            if self.replicas is not None:
                self.replicas.binding_removed(binding.extension_id, binding.binding_key)

    def remove_binding(self, extension_id: int, binding_key: str) -> None:
        self.discard_binding(extension_id, binding_key)
        if self.replicas is not None:
            self.replicas.binding_removed(extension_id, binding_key)
        key = (extension_id, binding_key)
        self._pending.saved.pop(key, None)
        self._pending.removed.add(key)
        self._wake_flusher()

    def store_binding(self, binding: Binding) -> None:
        """In memory only."""
        self.bindings.setdefault(binding.extension_id, {})[binding.binding_key] = binding

    def discard_binding(self, extension_id: int, binding_key: str) -> None:
        """In memory only."""
        stored = self.bindings.get(extension_id)
        if stored is not None:
            stored.pop(binding_key, None)
            if not stored:
                del self.bindings[extension_id]

    def drop_connection(self, connection_key: str) -> int:
        """Forget bindings reachable only through a connection that has closed (RFC 5626 §5)."""
        dropped = 0
        for extension_id, stored in list(self.bindings.items()):
            for binding_key, binding in list(stored.items()):
                if binding.connection_key == connection_key and binding.node == self.node:
                    self.remove_binding(extension_id, binding_key)
                    dropped += 1
        return dropped

    def expire(self, now: float | None = None) -> int:
        """Forget expired bindings in memory (the database sweep deletes them there)."""
        moment = self.clock() if now is None else now
        expired = 0
        for extension_id, stored in list(self.bindings.items()):
            for binding_key, binding in list(stored.items()):
                if binding.expires_at <= moment:
                    del stored[binding_key]
                    expired += 1
            if not stored:
                del self.bindings[extension_id]
        return expired

    # ------------------------------------------------------------------ write-behind
    def _wake_flusher(self) -> None:
        if self._flush_wakeup is not None:
            self._flush_wakeup.set()

    def take_pending(self) -> tuple[list[Binding], list[tuple[int, str]]]:
        pending, self._pending = self._pending, _PendingWrites()
        saved = list(pending.saved.values())
        for binding in saved:
            binding.persisted_expires_at = binding.expires_at
        return saved, list(pending.removed)

    def flush_now(self) -> None:
        """Write pending changes (synchronous: tests and shutdown)."""
        saved, removed = self.take_pending()
        if saved or removed:
            do_save_bindings(saved, removed)

    async def run_write_behind(self, interval: float = 0.2) -> None:
        """Persist registrar changes in batches until cancelled (then flush what is left)."""
        loop = asyncio.get_running_loop()
        self._flush_wakeup = asyncio.Event()
        try:
            while True:
                await self._flush_wakeup.wait()
                self._flush_wakeup.clear()
                # Let a burst of registrations gather into one transaction.
                await asyncio.sleep(interval)
                saved, removed = self.take_pending()
                if not (saved or removed):
                    continue
                try:
                    await loop.run_in_executor(None, do_save_bindings, saved, removed)
                except Exception:
                    logger.exception("could not persist %d registrations; retrying", len(saved))
                    self._requeue(saved, removed)
                    self._flush_wakeup.set()
                    await asyncio.sleep(1.0)
        finally:
            saved, removed = self.take_pending()
            if saved or removed:
                await loop.run_in_executor(None, do_save_bindings, saved, removed)

    def _requeue(self, saved: list[Binding], removed: list[tuple[int, str]]) -> None:
        for binding in saved:
            key = (binding.extension_id, binding.binding_key)
            if key not in self._pending.saved and key not in self._pending.removed:
                current = self.bindings.get(binding.extension_id, {}).get(binding.binding_key)
                if current is not None:
                    self._pending.saved[key] = current
        for key in removed:
            if key not in self._pending.saved:
                self._pending.removed.add(key)

    async def run_maintenance(self, credentials_every: float = 5.0) -> None:
        """Expire bindings, sweep the database and re-read credentials, until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(credentials_every)
            now = self.clock()
            self.expire(now)
            try:
                entries = await loop.run_in_executor(None, directory_entries)
                self._replace_entries(entries)
                # Devices registered on other nodes sharing the database (a call to one
                # over UDP can be placed from here; over TCP/WebSocket only its node can).
                others = await loop.run_in_executor(
                    None,
                    partial(
                        live_registrations,
                        datetime.fromtimestamp(now, UTC),
                        except_node=self.node,
                    ),
                )
                self.merge_other_nodes(others)
                await loop.run_in_executor(
                    None,
                    do_delete_expired_registrations,
                    datetime.fromtimestamp(now, UTC) - timedelta(seconds=1),
                )
            except Exception:
                logger.exception("directory refresh failed; keeping the cached copy")

    def look_up_then(self, number: str, then: Callable[[], None]) -> bool:
        """Read an extension made (or a password changed) since the last refresh from the
        database in a worker thread, then call ``then`` on the event loop.

        False, and nothing started, for a name that cannot be an extension or one
        already being looked up (a flood of made-up names costs no queries).
        """
        if number in self._looking_up or not number.isdigit() or len(number) > 16:
            return False
        self._looking_up.add(number)
        asyncio.get_running_loop().create_task(self._look_up(number, then))
        return True

    async def _look_up(self, number: str, then: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        try:
            for entry in await loop.run_in_executor(None, directory_entries, [number]):
                self.add_entry(entry)
        except Exception:
            logger.exception("could not look extension %s up", number)
        finally:
            self._looking_up.discard(number)
        then()
