"""The UDP ports RTP is received on: even ports of ``MEDIA_PORT_MIN``-``MEDIA_PORT_MAX``,
RTCP on the odd port above each (RFC 3550 §11)."""

from __future__ import annotations

import socket


class NoMediaPort(Exception):
    """Every port of the range is taken: the call is refused (503) rather than waited on."""


class MediaPorts:
    def __init__(self, host: str, low: int, high: int) -> None:
        if low % 2:
            low += 1
        if high - low < 2:
            raise ValueError("the media port range needs at least one even/odd pair")
        self.host = host
        self.low = low
        self.high = high
        self._next = low
        self.in_use: set[int] = set()

    def open(self) -> tuple[socket.socket, socket.socket]:
        """Bind an RTP socket and its RTCP neighbour, trying each even port once in turn
        (another program may hold some of them)."""
        pairs = (self.high - self.low) // 2
        for _ in range(pairs):
            port = self._next
            self._next = port + 2 if port + 3 <= self.high else self.low
            if port in self.in_use:
                continue
            rtp = socket.socket(
                socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_DGRAM
            )
            rtcp = socket.socket(rtp.family, socket.SOCK_DGRAM)
            try:
                rtp.bind((self.host, port))
                rtcp.bind((self.host, port + 1))
            except OSError:
                rtp.close()
                rtcp.close()
                continue
            rtp.setblocking(False)
            rtcp.setblocking(False)
            self.in_use.add(port)
            return rtp, rtcp
        raise NoMediaPort(f"no free media port in {self.low}-{self.high}")

    def release(self, port: int) -> None:
        self.in_use.discard(port)
