"""SIP over TCP and over TLS: Content-Length framing, CRLF keep-alives, connection limits.

TLS (RFC 3261 §26.2, port 5061) is the same stream with asyncio's TLS layer under it:
one class serves both, named by its transport ("TCP" or "TLS") in Via, Record-Route
and the bindings of the phones registered over it.

Accepted connections and the ones the server opens towards devices share the
connection table, so that a request to a phone registered over TCP travels
on the phone's own connection.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from typing import Protocol, cast

from officina.pbx.transports.base import (
    MAX_SEND_BUFFER,
    PARTIAL_MESSAGE_TIMEOUT,
    TCP,
    TLS,
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


# Seconds a client has to finish the TLS handshake.
TLS_HANDSHAKE_TIMEOUT = 10.0


class TlsCertificateError(Exception):
    """The configured certificate or key cannot be read: the PBX does not start."""


class TlsContexts:
    """The server's certificate (``SIP_TLS_CERT_FILE``, ``SIP_TLS_KEY_FILE``) for the
    connections phones open, and the context for connections the PBX opens to a phone
    registered over TLS whose connection has gone (its certificate checked against the
    system's authorities, or ``SIP_TLS_CA_FILE``)."""

    def __init__(self, cert_file: str, key_file: str, ca_file: str | None = None) -> None:
        self.server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.server.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            self.server.load_cert_chain(cert_file, key_file)
        except (OSError, ssl.SSLError) as error:
            # ssl's own message names no file: say which, or nobody finds the mistake.
            raise TlsCertificateError(
                f"cannot load the SIP TLS certificate {cert_file} with key {key_file}: {error}"
            ) from error
        self.client = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file)
        self.client.minimum_version = ssl.TLSVersion.TLSv1_2


class TcpConnection(asyncio.Protocol):
    def __init__(
        self,
        sink: MessageSink,
        table: ConnectionTable,
        make_framer: Callable[[], Framer],
        transport: str = TCP,
    ) -> None:
        self.sink = sink
        self.table = table
        self.framer = make_framer()
        self.key = new_connection_key(transport)
        self.transport = transport
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
            logger.warning(
                "refusing %s connection from %s: too many connections", self.transport, peer[0]
            )
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
            logger.info("closing %s connection from %s:%s: %s", self.transport, *self.remote, error)
            self.close()
            return
        flow = Flow(self.transport, self.remote[0], self.remote[1], connection=self)
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
                logger.exception(
                    "%s message from %s:%s could not be handled", self.transport, *self.remote
                )
        self.partial_since = (self.partial_since or now) if self.framer.buffered else None

    def send(self, data: bytes) -> bool:
        transport = self._transport
        if transport is None or transport.is_closing():
            return False
        if transport.get_write_buffer_size() > MAX_SEND_BUFFER:
            logger.info(
                "closing %s connection to %s:%s: peer does not read", self.transport, *self.remote
            )
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
    """The TCP (or, given TLS contexts, TLS) listener and the outgoing connections
    towards devices."""

    def __init__(
        self,
        sink: MessageSink,
        table: ConnectionTable,
        make_framer: Callable[[], Framer],
        *,
        tls: TlsContexts | None = None,
    ) -> None:
        self.sink = sink
        self.table = table
        self.make_framer = make_framer
        self.tls = tls
        self.transport = TLS if tls is not None else TCP
        self.server: asyncio.Server | None = None
        self._pending: dict[tuple[str, int], asyncio.Task[TcpConnection | None]] = {}

    def _protocol(self) -> TcpConnection:
        return TcpConnection(self.sink, self.table, self.make_framer, self.transport)

    async def start(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(
            self._protocol,
            host,
            port,
            reuse_address=True,
            ssl=self.tls.server if self.tls is not None else None,
            # A client that connects and never finishes its handshake is dropped.
            ssl_handshake_timeout=TLS_HANDSHAKE_TIMEOUT if self.tls is not None else None,
        )

    @property
    def local_port(self) -> int:
        assert self.server is not None and self.server.sockets
        return int(self.server.sockets[0].getsockname()[1])

    def send_to(self, host: str, port: int, data: bytes) -> None:
        """Send on an existing connection to ``host:port`` or open one first."""
        connection = self.table.by_address(self.transport, host, port)
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
                loop.create_connection(
                    self._protocol,
                    host,
                    port,
                    ssl=self.tls.client if self.tls is not None else None,
                    server_hostname=host if self.tls is not None else None,
                ),
                timeout=5.0,
            )
        except (OSError, TimeoutError) as error:
            logger.info("cannot connect to %s:%s over %s: %s", host, port, self.transport, error)
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
