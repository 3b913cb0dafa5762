"""SIP over UDP: one datagram, one message (RFC 3261 §18)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Any, cast

from officina.pbx.transports.base import MAX_MESSAGE_BYTES, UDP, Flow, MessageSink

logger = logging.getLogger("officina.pbx.transports.udp")


class UdpTransport(asyncio.DatagramProtocol):
    def __init__(self, sink: MessageSink) -> None:
        self.sink = sink
        self.transport: asyncio.DatagramTransport | None = None
        # A second handle on the transport's socket, for sending without the loop.
        self.direct: socket.socket | None = None
        self.dropped_oversized = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement the interface without subclassing asyncio's.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        if len(data) > MAX_MESSAGE_BYTES:
            # Fragmented giants are not worth reassembling or answering (an answer would
            # be amplification towards a possibly forged source).
            self.dropped_oversized += 1
            return
        host, port = str(addr[0]), int(addr[1])
        try:
            self.sink.receive(data, Flow(UDP, host, port, sender=self))
        except Exception:
            # One bad datagram must never stop the server.
            logger.exception("UDP message from %s:%s could not be handled", host, port)

    def send_datagram(self, data: bytes, address: tuple[str, int]) -> None:
        transport = self.transport
        if transport is None:
            return
        direct = self.direct
        # Both asyncio's and uvloop's datagram transports have get_write_buffer_size(),
        # though typeshed lists it on write transports only.
        queued = transport.get_write_buffer_size()  # type: ignore[attr-defined]
        if direct is not None and not queued:
            # Straight to the kernel: the event loop's sendto costs a good deal more per
            # datagram, and a proxy sends eight of them per call.
            try:
                direct.sendto(data, address)
                return
            except BlockingIOError:
                pass  # socket buffer full: let the transport queue it, in order
            except OSError as error:
                logger.debug("UDP send to %s failed: %s", address, error)
                return
        transport.sendto(data, address)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.direct is not None:
            self.direct.close()
            self.direct = None

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable and friends: the transaction layer times out on its own.
        logger.debug("UDP error: %s", exc)

    @property
    def local_address(self) -> tuple[str, int]:
        assert self.transport is not None
        sockname = self.transport.get_extra_info("sockname")
        return str(sockname[0]), int(sockname[1])


async def start_udp(
    sink: MessageSink, host: str, port: int, *, reuse_port: bool = False
) -> tuple[asyncio.DatagramTransport, UdpTransport]:
    """``reuse_port``: the port is shared with the registrar processes (``steering.py``)."""
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: UdpTransport(sink), local_addr=(host, port), reuse_port=reuse_port or None
    )
    protocol.transport = transport  # connection_made runs later, from the loop
    # A deep receive buffer absorbs bursts (benchmarks, many phones re-registering at once).
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024 * 1024)
        except OSError:
            logger.debug("could not enlarge the UDP socket buffers")
        direct = socket.socket(sock.family, socket.SOCK_DGRAM, fileno=os.dup(sock.fileno()))
        direct.setblocking(False)
        protocol.direct = direct
    return transport, protocol
