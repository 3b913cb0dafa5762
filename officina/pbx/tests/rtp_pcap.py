"""RTP streams written as pcap files, for SIPp's ``play_pcap_audio`` (which sends each
packet's UDP payload to the far end's media port, with the capture's timing)."""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path

from officina.sip.rtp import RtpStream

_GLOBAL_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)  # Ethernet
_ETHERNET = b"\x00" * 12 + b"\x08\x00"


def _frame(payload: bytes, source_port: int = 6000, destination_port: int = 7000) -> bytes:
    udp = struct.pack("!HHHH", source_port, destination_port, 8 + len(payload), 0) + payload
    ip = struct.pack(
        "!BBHHHBBH4s4s",
        0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]),
    )  # fmt: skip
    return _ETHERNET + ip + udp


def write_pcap(path: Path, packets: Iterable[tuple[float, bytes]]) -> None:
    """``packets``: (seconds from the start, RTP datagram)."""
    with path.open("wb") as out:
        out.write(_GLOBAL_HEADER)
        for at, datagram in packets:
            frame = _frame(datagram)
            seconds, micro = int(at), round((at - int(at)) * 1_000_000)
            out.write(struct.pack("<IIII", seconds, micro, len(frame), len(frame)) + frame)


def rtp_packets(
    payloads: Iterable[tuple[int, bytes]], ssrc: int = 0x5EED, start: float = 0.0
) -> list[tuple[float, bytes]]:
    """(payload type, 20 ms payload) pairs as one numbered stream, 20 ms apart."""
    streams: dict[int, RtpStream] = {}
    out = []
    sequence = timestamp = 0
    for index, (payload_type, payload) in enumerate(payloads):
        stream = streams.setdefault(payload_type, RtpStream(ssrc, payload_type))
        stream.sequence, stream.timestamp = sequence, timestamp
        out.append((start + index * 0.02, stream.packet(payload, 160)))
        sequence, timestamp = stream.sequence, stream.timestamp
    return out
