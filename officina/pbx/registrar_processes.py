"""Registrar processes beside the PBX process: REGISTERs over UDP answered on another core.

One Python process spends about 0.25 ms of CPU on a registration, so it answers about
4,000 a second and no more (docs/pbx.md, "What bounds registrations per second"). With
``SIP_REGISTRAR_PROCESSES`` above 0 (Linux), the PBX process binds the SIP port's UDP
socket first, shared with ``SO_REUSEPORT``, and attaches a program that steers every
REGISTER to one of N registrar processes bound after it (``transports/steering.py``);
everything else stays with the PBX process. REGISTERs over TCP, TLS and WebSocket stay
with the PBX process too: their connections are there.

``RegistrarProcesses``, in the PBX process, starts them (``python -m
officina.pbx.registrar_process``), starts again one that stops, and keeps them in step
over a Unix socket each (``registrar_channel.py``):

* each gets the credentials and the bindings at start, then every change the PBX
  process makes or learns (registrations over connections or in another registrar
  process, connections closed, credentials refreshed, other nodes' bindings), so its
  200s list every current contact of the address of record;
* it sends back each REGISTER's changes with the 200, which the PBX process sends
  once they are in its directory (and on their way to the database): a call right
  after the 200 finds the phone;
* it asks the PBX process to look up a name it does not know, or a password it
  cannot match, and hands it anything that is not a REGISTER for this registrar.

A registrar process owns no state worth keeping: its remembered answers and its
nonces (signed with a key of its own, so that each nonce-count is checked by the
process that issued it) die with it, and a phone whose nonce it was is challenged
afresh by whichever process answers next.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from officina.pbx.registrar_channel import (
    ANSWER,
    COUNTS,
    DATAGRAM,
    ENTRIES,
    LOOK_UP,
    LOOKED_UP,
    OTHER_NODES,
    REMOVED,
    SAVED,
    SNAPSHOT,
    frame,
    read_message,
)
from officina.pbx.transports.base import UDP, Flow

if TYPE_CHECKING:
    from officina.pbx.bindings import Binding
    from officina.pbx.selectors import DirectoryEntry
    from officina.pbx.server import SipServer
    from officina.pbx.transports.udp import UdpTransport

logger = logging.getLogger("officina.pbx.registrar_processes")

# Django is set up before the registrar process's modules are imported (they reach the
# models' definitions); the channel, host and port follow as sys.argv[1:].
REGISTRAR_PROCESS_COMMAND = (
    "import django; django.setup(); from officina.pbx.registrar_process import main; main()"
)
SUPERVISION_INTERVAL = 0.5  # seconds between two looks at the registrar processes


@dataclass(eq=False)
class RegistrarLink:
    """The PBX process's end of one registrar process's channel."""

    writer: asyncio.StreamWriter
    counts: dict[str, int] = field(default_factory=dict)

    def send(self, message: tuple[Any, ...]) -> None:
        if not self.writer.is_closing():
            self.writer.write(frame(message))


class RegistrarProcesses:
    """The registrar processes of this PBX process (see the module's docstring)."""

    def __init__(
        self, server: SipServer, udp: UdpTransport, host: str, port: int, count: int
    ) -> None:
        self.server = server
        self.directory = server.directory
        self.udp = udp
        self.host = host
        self.port = port
        self.count = count
        self.links: list[RegistrarLink] = []
        self.processes: list[subprocess.Popen[bytes]] = []
        self.restarts = 0
        self.applied = 0  # REGISTERs whose changes and 200 came from a registrar process
        self.forwarded = 0  # datagrams a registrar process handed over
        self._origin: RegistrarLink | None = None  # whose changes are being applied
        self._entries: list[DirectoryEntry] | None = None  # as the processes last got them
        self._folder = ""
        self._path = ""
        self._unix_server: asyncio.AbstractServer | None = None

    # ------------------------------------------------------------------ processes
    async def start(self) -> None:
        # A private folder (0700): only this user reaches the channel.
        self._folder = tempfile.mkdtemp(prefix="officina-registrar-")
        self._path = os.path.join(self._folder, "channel.sock")
        self._unix_server = await asyncio.start_unix_server(self._serve_link, path=self._path)
        self.directory.replicas = self
        self._entries = list(self.directory.by_number.values())
        self.processes = [self._spawn() for _ in range(self.count)]

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # noqa: S603 - this interpreter, this program
            [
                sys.executable,
                "-c",
                REGISTRAR_PROCESS_COMMAND,
                self._path,
                self.host,
                str(self.port),
            ],
        )

    async def supervise(self) -> None:
        """Start again a registrar process that has stopped, until cancelled. Meanwhile
        the kernel gives its REGISTERs to the sockets still bound, this process's too."""
        while True:
            await asyncio.sleep(SUPERVISION_INTERVAL)
            for index, process in enumerate(self.processes):
                code = process.poll()
                if code is None:
                    continue
                logger.error("registrar process %s stopped (exit code %s)", process.pid, code)
                self.restarts += 1
                self.processes[index] = self._spawn()

    async def stop(self) -> None:
        self.directory.replicas = None
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        loop = asyncio.get_running_loop()
        for process in self.processes:
            try:
                await loop.run_in_executor(None, process.wait, 10)
            except subprocess.TimeoutExpired:
                process.kill()
        for link in self.links:
            link.writer.close()
        if self._unix_server is not None:
            self._unix_server.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    @property
    def joined(self) -> int:
        """Registrar processes bound to the SIP port (each reports at once once bound)."""
        return sum(1 for link in self.links if link.counts)

    @property
    def counts(self) -> dict[str, int]:
        """The registrar processes' counters, added up (``registers``: REGISTERs they
        received), beside the PBX process's view (``applied``, ``forwarded``)."""
        total: dict[str, int] = {"applied": self.applied, "forwarded": self.forwarded}
        for link in self.links:
            for name, value in link.counts.items():
                total[name] = total.get(name, 0) + value
        return total

    # ------------------------------------------------------------------ channel
    async def _serve_link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        link = RegistrarLink(writer)
        link.send(
            (
                SNAPSHOT,
                self.server.config,
                list(self.directory.by_number.values()),
                [b for stored in self.directory.bindings.values() for b in stored.values()],
            )
        )
        # From here on it gets every change, in order after the snapshot.
        self.links.append(link)
        try:
            while True:
                self._receive(link, await read_message(reader))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the process has stopped; supervise() starts another
        except Exception:
            logger.exception("registrar process channel failed")
        finally:
            self.links.remove(link)
            writer.close()

    def _receive(self, link: RegistrarLink, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == ANSWER:
            _kind, saved, removed, host, port, data = message
            self._apply(link, saved, removed)
            self.applied += 1
            self.udp.send_datagram(data, (host, port))
        elif kind == DATAGRAM:
            _kind, data, host, port = message
            self.forwarded += 1
            self.server.receive(data, Flow(UDP, host, port, sender=self.udp))
        elif kind == LOOK_UP:
            self._look_up(link, message[1])
        elif kind == COUNTS:
            link.counts = message[1]

    def _apply(
        self, origin: RegistrarLink, saved: list[Binding], removed: list[tuple[int, str]]
    ) -> None:
        """A registrar process's changes, made here as the PBX process's own registrar
        would have made them (and passed on to the other registrar processes)."""
        directory = self.directory
        self._origin = origin
        try:
            for extension_id, binding_key in removed:
                directory.remove_binding(extension_id, binding_key)
            for binding in saved:
                previous = directory.bindings.get(binding.extension_id, {}).get(binding.binding_key)
                directory.save_binding(binding, previous)
        finally:
            self._origin = None

    def _look_up(self, link: RegistrarLink, number: str) -> None:
        def answer() -> None:
            link.send((LOOKED_UP, number, self.directory.entry(number)))

        if not self.directory.look_up_then(number, answer):
            answer()  # nothing to read, or being read already: what is known now

    def _tell_others(self, message: tuple[Any, ...]) -> None:
        others = [link for link in self.links if link is not self._origin]
        if not others:
            return  # one registrar process applying its own change: nothing to pickle
        data = frame(message)
        for link in others:
            if not link.writer.is_closing():
                link.writer.write(data)

    # ------------------------------------------------------------------ Replicas
    def binding_saved(self, binding: Binding) -> None:
        self._tell_others((SAVED, binding))

    def binding_removed(self, extension_id: int, binding_key: str) -> None:
        self._tell_others((REMOVED, extension_id, binding_key))

    def other_nodes_merged(self, bindings: list[Binding]) -> None:
        self._tell_others((OTHER_NODES, bindings))

    def entries_replaced(self, entries: list[DirectoryEntry]) -> None:
        if entries != self._entries:
            self._entries = entries
            self._tell_others((ENTRIES, entries))
