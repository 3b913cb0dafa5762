"""SIP over TCP: Content-Length framing, CRLF keep-alives, connection limits.

Accepted connections and the ones the server opens towards devices share the
connection table, so that a request to a phone registered over TCP travels
on the phone's own connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol, cast

from officina.pbx.transports.base import (
    MAX_SEND_BUFFER,
    PARTIAL_MESSAGE_TIMEOUT,
    TCP,
    ConnectionTable,
    Flow,
    MessageSink,
    monotonic,
    new_connection_key,
)
from officina.sip import SipParseError
from officina.sip.framing import BadMessage, Framed, KeepAlivePing

logger = logging.getLogger("officina.pbx.transports.tcp")


class Framer(Protocol):
    """Cuts a byte stream into SIP messages: the SIP core's ``StreamFramer``."""

    def feed(self, data: bytes) -> list[Framed]: ...

    @property
    def buffered(self) -> int: ...


class TcpConnection(asyncio.Protocol):
    def __init__(
        self,
        sink: MessageSink,
        table: ConnectionTable,
        make_framer: Callable[[], Framer],
    ) -> None:
        self.sink = sink
        self.table = table
        self.framer = make_framer()
        self.key = new_connection_key(TCP)
        self.transport = TCP
        self.remote: tuple[str, int] = ("", 0)
        self.opened_at = monotonic()
        self.last_activity = self.opened_at
        self.messages_received = 0
        self.partial_since: float | None = None
        self._transport: asyncio.Transport | None = None
        self.connected = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement the interface without subclassing asyncio's.
        transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self.remote = (str(peer[0]), int(peer[1]))
        if not self.table.admit(self.remote[0]):
            logger.warning("refusing TCP connection from %s: too many connections", peer[0])
            transport.abort()
            return
        self._transport = transport
        self.table.add(self)
        if not self.connected.done():
            self.connected.set_result(True)

    def data_received(self, data: bytes) -> None:
        now = monotonic()
        self.last_activity = now
        try:
            items = self.framer.feed(data)
        except SipParseError as error:
            # Unframeable stream (no or bad Content-Length, oversized message): nothing
            # later on this connection can be trusted to start on a message boundary.
            logger.info("closing TCP connection from %s:%s: %s", *self.remote, error)
            self.close()
            return
        flow = Flow(TCP, self.remote[0], self.remote[1], connection=self)
        for item in items:
            try:
                if isinstance(item, KeepAlivePing):
                    self.send(b"\r\n")  # the pong (RFC 5626 §3.5.1)
                    continue
                self.messages_received += 1
                if isinstance(item, BadMessage):
                    self.sink.receive(item.data, flow)  # answered 400 when it can be
                else:
                    self.sink.receive_message(item, flow)
            except Exception:
                logger.exception("TCP message from %s:%s could not be handled", *self.remote)
        self.partial_since = (self.partial_since or now) if self.framer.buffered else None

    def send(self, data: bytes) -> bool:
        transport = self._transport
        if transport is None or transport.is_closing():
            return False
        if transport.get_write_buffer_size() > MAX_SEND_BUFFER:
            logger.info("closing TCP connection to %s:%s: peer does not read", *self.remote)
            self.close()
            return False
        transport.write(data)
        return True

    def close(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.table.remove(self)
        self._transport = None
        if not self.connected.done():
            self.connected.set_result(False)
        self.sink.connection_lost(self)

    def stalled(self, now: float) -> bool:
        """A message started long ago and still incomplete (slowloris)."""
        return self.partial_since is not None and now - self.partial_since > PARTIAL_MESSAGE_TIMEOUT


class TcpTransport:
    """The TCP listener and the outgoing connections towards devices."""

    def __init__(
        self,
        sink: MessageSink,
        table: ConnectionTable,
        make_framer: Callable[[], Framer],
    ) -> None:
        self.sink = sink
        self.table = table
        self.make_framer = make_framer
        self.server: asyncio.Server | None = None
        self._pending: dict[tuple[str, int], asyncio.Task[TcpConnection | None]] = {}

    def _protocol(self) -> TcpConnection:
        return TcpConnection(self.sink, self.table, self.make_framer)

    async def start(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(self._protocol, host, port, reuse_address=True)

    def send_to(self, host: str, port: int, data: bytes) -> None:
        """Send on an existing connection to ``host:port`` or open one first."""
        connection = self.table.by_address(TCP, host, port)
        if isinstance(connection, TcpConnection) and connection.send(data):
            return
        task = self._pending.get((host, port))
        if task is None:
            task = asyncio.get_running_loop().create_task(self._connect(host, port))
            self._pending[(host, port)] = task
        task.add_done_callback(lambda done: self._send_when_connected(done, data))

    async def _connect(self, host: str, port: int) -> TcpConnection | None:
        loop = asyncio.get_running_loop()
        try:
            _transport, protocol = await asyncio.wait_for(
                loop.create_connection(self._protocol, host, port), timeout=5.0
            )
        except (OSError, TimeoutError) as error:
            logger.info("cannot connect to %s:%s over TCP: %s", host, port, error)
            return None
        finally:
            self._pending.pop((host, port), None)
        return protocol

    @staticmethod
    def _send_when_connected(done: asyncio.Task[TcpConnection | None], data: bytes) -> None:
        if done.cancelled() or done.exception() is not None:
            return
        connection = done.result()
        if connection is not None:
            connection.send(data)

    def reap_stalled(self, now: float) -> int:
        closed = 0
        for connection in self.table:
            if isinstance(connection, TcpConnection) and connection.stalled(now):
                connection.close()
                closed += 1
        return closed

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
        for connection in self.table:
            if isinstance(connection, TcpConnection):
                connection.close()
        if self.server is not None:
            await self.server.wait_closed()
