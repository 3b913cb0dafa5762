"""What every transport shares: flows, connections, the connection table and the sink.

A transport turns the network into calls of ``MessageSink.receive(data, flow)``
(one whole SIP message, or a datagram, per call) and sends bytes back along
a ``Flow``. Nothing here knows SIP beyond "a message is bytes", so the SIP
server can be driven in tests by a fake transport.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from officina.sip import SipRequest, SipResponse

logger = logging.getLogger("officina.pbx.transports")

UDP = "UDP"
TCP = "TCP"
TLS = "TLS"
WS = "WS"
WSS = "WSS"
CONNECTION_ORIENTED = frozenset({TCP, TLS, WS, WSS})

# Limits that keep a hostile peer from exhausting memory (see docs/pbx.md).
MAX_MESSAGE_BYTES = 32 * 1024
MAX_CONNECTIONS = 4096
# Connections every address may hold, however many addresses are connected; with fewer
# addresses, each may hold its fair share of MAX_CONNECTIONS (an office NAT, or the
# reverse proxy every browser's WebSocket comes through, is one address).
MIN_CONNECTIONS_PER_HOST = 256
# A stream must complete a started message within this many seconds (slowloris).
PARTIAL_MESSAGE_TIMEOUT = 10.0
# A connection that never carried a whole message is closed after this many seconds.
IDLE_UNUSED_CONNECTION_TIMEOUT = 30.0
# A connection with no traffic at all (not even keep-alives) is closed after this long.
IDLE_CONNECTION_TIMEOUT = 15 * 60.0
# Bytes queued towards a peer that does not read: beyond this the connection is dropped.
MAX_SEND_BUFFER = 1024 * 1024


class Connection(Protocol):
    """A live stream (TCP or WebSocket) to one peer."""

    key: str
    transport: str
    remote: tuple[str, int]
    opened_at: float
    last_activity: float
    messages_received: int

    def send(self, data: bytes) -> bool:
        """Queue ``data`` for the peer; False when the connection is closed."""
        ...

    def close(self) -> None: ...


@dataclass(slots=True, frozen=True)
class Flow:
    """Where a message came from, and so where its answers go back (RFC 3261 §18.2.2).

    ``connection`` is set for streams; for UDP, ``sender`` is the socket the
    datagram arrived on.
    """

    transport: str
    host: str
    port: int
    connection: Connection | None = None
    sender: DatagramSender | None = None

    def send(self, data: bytes) -> bool:
        """Send along the flow; False when its connection has gone."""
        if self.connection is not None:
            return self.connection.send(data)
        if self.sender is not None:
            self.sender.send_datagram(data, (self.host, self.port))
            return True
        return False

    @property
    def connection_key(self) -> str:
        return self.connection.key if self.connection is not None else ""


class DatagramSender(Protocol):
    def send_datagram(self, data: bytes, address: tuple[str, int]) -> None: ...


class MessageSink(Protocol):
    """The SIP server as the transports see it."""

    def receive(self, data: bytes, flow: Flow) -> None:
        """One datagram or WebSocket message, or a stream frame that did not parse."""

    def receive_message(self, message: SipRequest | SipResponse, flow: Flow) -> None:
        """A message a stream framer has already parsed."""

    def connection_lost(self, connection: Connection) -> None: ...


_connection_numbers = itertools.count(1)


def new_connection_key(transport: str) -> str:
    return f"{transport.lower()}-{next(_connection_numbers)}"


class ConnectionTable:
    """Live stream connections, by key and by remote address.

    Requests towards a device registered over TCP or WebSocket must reuse the
    device's own connection (it is usually behind NAT and accepts nothing
    else): the registrar stores the connection key and the proxy looks it up
    here.
    """

    def __init__(
        self,
        max_connections: int = MAX_CONNECTIONS,
        min_per_host: int = MIN_CONNECTIONS_PER_HOST,
    ) -> None:
        self.max_connections = max_connections
        self.min_per_host = min_per_host
        self._by_key: dict[str, Connection] = {}
        self._by_address: dict[tuple[str, str, int], Connection] = {}
        self._per_host: dict[str, dict[str, Connection]] = {}
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self) -> Iterator[Connection]:
        return iter(list(self._by_key.values()))

    def share(self, host: str) -> int:
        """How many connections ``host`` may hold: its fair share of the table."""
        hosts = len(self._per_host) + (host not in self._per_host)
        return max(self.min_per_host, self.max_connections // hosts)

    def admit(self, host: str) -> bool:
        """Make room for one more connection from ``host``.

        An address at its share gives up its own longest-idle connection; a full
        table takes the longest-idle connection of the address holding the most. So
        one client cannot hold the connections of an address (or of the table) against
        newcomers: what it does not use goes to them. False only when there is nothing
        to take.
        """
        mine = self._per_host.get(host)
        if mine is not None and len(mine) >= self.share(host):
            return self._evict_idlest(mine)
        if len(self._by_key) >= self.max_connections:
            if not self._per_host:
                return False
            return self._evict_idlest(max(self._per_host.values(), key=len))
        return True

    def _evict_idlest(self, connections: dict[str, Connection]) -> bool:
        if not connections:
            return False
        idlest = min(connections.values(), key=lambda connection: connection.last_activity)
        logger.info("closing the idlest connection from %s to make room", idlest.remote[0])
        idlest.close()
        self.remove(idlest)
        self.evicted += 1
        return True

    def add(self, connection: Connection) -> None:
        self._by_key[connection.key] = connection
        host, port = connection.remote
        self._by_address[(connection.transport, host, port)] = connection
        self._per_host.setdefault(host, {})[connection.key] = connection

    def remove(self, connection: Connection) -> None:
        if self._by_key.pop(connection.key, None) is None:
            return
        host, port = connection.remote
        address = (connection.transport, host, port)
        if self._by_address.get(address) is connection:
            del self._by_address[address]
        mine = self._per_host.get(host)
        if mine is not None:
            mine.pop(connection.key, None)
            if not mine:
                del self._per_host[host]

    def by_key(self, key: str) -> Connection | None:
        return self._by_key.get(key)

    def by_address(self, transport: str, host: str, port: int) -> Connection | None:
        return self._by_address.get((transport, host, port))

    def expire(self, now: float) -> int:
        """Close connections that carry nothing; returns how many were closed."""
        closed = 0
        for connection in list(self._by_key.values()):
            idle = now - connection.last_activity
            unused = connection.messages_received == 0
            if (unused and now - connection.opened_at > IDLE_UNUSED_CONNECTION_TIMEOUT) or (
                idle > IDLE_CONNECTION_TIMEOUT
            ):
                connection.close()
                self.remove(connection)
                closed += 1
        return closed


def monotonic() -> float:
    return time.monotonic()
