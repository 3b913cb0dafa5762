"""Every transport of one PBX node behind one ``send(peer, data)``."""

from __future__ import annotations

import logging
import socket

from officina.pbx.transports.base import TCP, TLS, UDP, Connection, ConnectionTable
from officina.pbx.transports.tcp import TcpTransport
from officina.pbx.transports.udp import UdpTransport
from officina.sip.rport import Peer

logger = logging.getLogger("officina.pbx.transports")


def guess_advertised_host(bind_host: str) -> str:
    """The address to put in Via and Record-Route when listening on every interface."""
    if bind_host not in ("0.0.0.0", "::", ""):  # noqa: S104 - comparing, not binding
        return bind_host
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        # No packet is sent: connecting a UDP socket only picks the outgoing interface.
        probe.connect(("192.0.2.1", 9))
        return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


class Network:
    def __init__(self, table: ConnectionTable, advertised_host: str, port: int) -> None:
        self.table = table
        self.advertised_host = advertised_host
        self.port = port
        self.udp: UdpTransport | None = None
        self.tcp: TcpTransport | None = None
        self.tls: TcpTransport | None = None
        self.unsendable = 0

    def send(self, peer: Peer, data: bytes) -> bool:
        transport = peer.transport
        if transport == UDP:
            if self.udp is None:
                return False
            self.udp.send_datagram(data, (peer.host, peer.port))
            return True
        connection = self.table.by_address(transport, peer.host, peer.port)
        if connection is not None:
            return connection.send(data)
        if transport == TCP and self.tcp is not None:
            self.tcp.send_to(peer.host, peer.port, data)
            return True
        if transport == TLS and self.tls is not None:
            self.tls.send_to(peer.host, peer.port, data)
            return True
        # A WebSocket peer whose connection has gone cannot be reached.
        self.unsendable += 1
        return False

    def connection(self, key: str) -> Connection | None:
        return self.table.by_key(key) if key else None

    def local_via(self, transport: str) -> tuple[str, int]:
        if transport == TLS and self.tls is not None:
            return self.advertised_host, self.tls.local_port
        return self.advertised_host, self.port
