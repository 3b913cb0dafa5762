"""A registrar process: the REGISTERs the steering program gives it, answered as the PBX
process's registrar answers them (``registrar_processes.py`` tells the whole story).

Started by the PBX process (``REGISTRAR_PROCESS_COMMAND``), with Django set up first.
It joins the SIP port's socket group only once it holds the PBX process's credentials
and bindings, and stops when the channel closes (the PBX process has gone): it never
answers from a directory nobody keeps in step.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from officina.pbx.auth import Gatekeeper
from officina.pbx.bindings import Binding
from officina.pbx.browser_credentials import credential_key
from officina.pbx.directory import Directory
from officina.pbx.registrar import Registrar
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
from officina.pbx.runtime import settle_garbage_collector, use_uvloop
from officina.pbx.selectors import DirectoryEntry
from officina.pbx.server import ServerConfig, is_registration
from officina.pbx.transaction_layer import PbxTransactions
from officina.pbx.transports.base import Connection, Flow
from officina.pbx.transports.udp import UdpTransport, start_udp
from officina.sip import Peer, SipParseError, SipRequest, SipResponse, parse_message
from officina.sip.digest import DigestServer

logger = logging.getLogger("officina.pbx.registrar_process")

COUNTS_INTERVAL = 1.0  # seconds between two reports of the counters
EXPIRY_INTERVAL = 5.0  # seconds between two sweeps of expired bindings, as the PBX's


def registrar_nonce_secret(node_secret: bytes) -> bytes:
    """A key of this process's own for its nonces: a nonce is then accepted only where it
    was issued, by the one process that has seen every nonce-count used with it."""
    return hashlib.sha256(b"officina-registrar:" + node_secret + os.urandom(16)).digest()


class ReplicaDirectory(Directory):
    """The PBX process's directory as a registrar process holds it: the registrar's
    changes are kept for the channel (the PBX process persists them), and look-ups are
    the PBX process's to make."""

    def __init__(self, node: str, send: Callable[[tuple[Any, ...]], None]) -> None:
        super().__init__(node=node)
        self._send = send
        self._saved: list[Binding] = []
        self._removed: list[tuple[int, str]] = []
        self._waiting: dict[str, Callable[[], None]] = {}

    def save_binding(self, binding: Binding, previous: Binding | None = None) -> None:
        self.store_binding(binding)
        self._saved.append(binding)

    def remove_binding(self, extension_id: int, binding_key: str) -> None:
        self.discard_binding(extension_id, binding_key)
        self._removed.append((extension_id, binding_key))

    def take_changes(self) -> tuple[list[Binding], list[tuple[int, str]]]:
        saved, removed = self._saved, self._removed
        if saved or removed:
            self._saved, self._removed = [], []
        return saved, removed

    def look_up_then(self, number: str, then: Callable[[], None]) -> bool:
        if number in self._waiting or not number.isdigit() or len(number) > 16:
            return False
        self._waiting[number] = then
        self._send((LOOK_UP, number))
        return True

    def looked_up(self, number: str, entry: DirectoryEntry | None) -> None:
        if entry is not None:
            self.add_entry(entry)
        then = self._waiting.pop(number, None)
        if then is not None:
            then()


class RegistrarProcess:
    """The registrar, its copy of the directory and its share of the SIP port: the
    transports' ``MessageSink`` and the registrar's ``Sender``."""

    def __init__(self, writer: asyncio.StreamWriter, config: ServerConfig) -> None:
        self.writer = writer
        self.counts = {"registers": 0, "answers_with_changes": 0, "forwarded": 0}
        self.directory = ReplicaDirectory(config.node, self.tell)
        self.udp: UdpTransport | None = None
        self.local = ("", 0)
        digest = DigestServer(
            config.realm,
            registrar_nonce_secret(config.secret),
            algorithms=config.digest_algorithms,
            check_uri=False,  # as the PBX process's (server.py says why)
        )
        gatekeeper = Gatekeeper(
            self.directory, digest, time.time, browser_key=credential_key(config.secret)
        )
        # Only REGISTERs through a preloaded Route use the layer, and those are handed to
        # the PBX process: the registrar is built with one all the same.
        layer = PbxTransactions(self)
        self.registrar = Registrar(
            self.directory, gatekeeper, layer, self, {"errors": 0}, policy=config.registrar
        )

    def tell(self, message: tuple[Any, ...]) -> None:
        """Send ``message`` to the PBX process."""
        self.writer.write(frame(message))

    def apply(self, message: tuple[Any, ...]) -> None:
        """A message from the PBX process."""
        kind = message[0]
        directory = self.directory
        if kind == SAVED:
            directory.store_binding(message[1])
        elif kind == REMOVED:
            directory.discard_binding(message[1], message[2])
        elif kind == OTHER_NODES:
            directory.merge_other_node_bindings(message[1])
        elif kind == ENTRIES:
            directory.replace_entries(message[1])
        elif kind == LOOKED_UP:
            directory.looked_up(message[1], message[2])

    # ------------------------------------------------------------------ MessageSink
    def receive(self, data: bytes, flow: Flow) -> None:
        self.counts["registers"] += 1
        try:
            message: SipRequest | SipResponse | None = parse_message(data)
        except SipParseError:
            message = None
        if not isinstance(message, SipRequest) or not is_registration(message):
            # Not this registrar's: the PBX process answers it (with its limits on
            # unparseable input, its transactions for routed requests).
            self.counts["forwarded"] += 1
            self.tell((DATAGRAM, data, flow.host, flow.port))
            return
        try:
            self.registrar.receive(message, flow, time.monotonic())
        except SipParseError:
            return  # no Via or CSeq to answer with: dropped, as by the PBX process

    def receive_message(self, message: SipRequest | SipResponse, flow: Flow) -> None:
        raise NotImplementedError("a registrar process reads datagrams only")

    def connection_lost(self, connection: Connection) -> None:
        return

    # ------------------------------------------------------------------ Sender
    def send(self, peer: Peer, data: bytes) -> bool:
        """A REGISTER's answer: straight back when it changed nothing, else through the
        PBX process, which sends it once the changes are in its directory."""
        saved, removed = self.directory.take_changes()
        if saved or removed:
            self.counts["answers_with_changes"] += 1
            self.tell((ANSWER, saved, removed, peer.host, peer.port, data))
        elif self.udp is not None:
            self.udp.send_datagram(data, (peer.host, peer.port))
        return True

    def connection(self, key: str) -> Connection | None:
        return None

    def local_via(self, transport: str) -> tuple[str, int]:
        return self.local

    # ------------------------------------------------------------------ running
    async def report_counts(self) -> None:
        """The counters at once (the PBX process learns this process has joined), then
        every COUNTS_INTERVAL."""
        while True:
            self.tell((COUNTS, dict(self.counts)))
            await asyncio.sleep(COUNTS_INTERVAL)

    async def expire_bindings(self) -> None:
        while True:
            await asyncio.sleep(EXPIRY_INTERVAL)
            self.directory.expire()


async def serve(channel: str, host: str, port: int) -> None:
    """Answer REGISTERs on ``host:port`` until the PBX process closes ``channel``."""
    reader, writer = await asyncio.open_unix_connection(channel)
    kind, config, entries, bindings = await read_message(reader)
    if kind != SNAPSHOT:
        raise RuntimeError(f"the PBX process began with {kind!r}, not its snapshot")
    process = RegistrarProcess(writer, config)
    process.directory.replace_entries(entries)
    for binding in bindings:
        process.directory.store_binding(binding)
    settle_garbage_collector()
    _transport, process.udp = await start_udp(process, host, port, reuse_port=True)
    process.local = process.udp.local_address
    loop = asyncio.get_running_loop()
    tasks = [
        loop.create_task(process.report_counts(), name="registrar-counts"),
        loop.create_task(process.expire_bindings(), name="registrar-expiry"),
    ]
    logger.info("registrar process %s on %s:%s (UDP)", os.getpid(), host, port)
    try:
        while True:
            process.apply(await read_message(reader))
    except (asyncio.IncompleteReadError, ConnectionError):
        logger.info("registrar process %s: the PBX process has gone", os.getpid())
    finally:
        for task in tasks:
            task.cancel()
        if process.udp.transport is not None:
            process.udp.transport.close()


def main(argv: list[str] | None = None) -> None:
    """``CHANNEL HOST PORT`` from the command line (Django set up already)."""
    channel, host, port = (sys.argv[1:] if argv is None else argv)[:3]
    use_uvloop()
    asyncio.run(serve(channel, host, int(port)))
