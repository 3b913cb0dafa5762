"""RTP packets (RFC 3550), G.711 (ITU-T G.711 μ-law and A-law) and DTMF events (RFC 4733).

    RTP fixed header (12 bytes, network order):
     0                   1                   2                   3
    |V=2|P|X|  CC   |M|     PT      |       sequence number         |
    |                           timestamp                           |
    |           synchronization source (SSRC) identifier            |
    | CC x contributing source (CSRC) identifiers                   |
    | [extension: profile (16), length in 32-bit words (16), data]  |
    | payload ... [padding, its last byte counts the padding bytes] |

    RFC 4733 event payload (4 bytes):
    |     event     |E|R| volume    |          duration             |

G.711 works on 16-bit signed little-endian linear PCM at 8 kHz, one byte
per sample on the wire. Tables are built on first use. Malformed packets
raise `RtpError` (a `RemoteProtocolError`); nothing here does I/O.
"""

from __future__ import annotations

import struct
import sys
from array import array
from dataclasses import dataclass, field

from officina.sip.errors import RemoteProtocolError

PCMU = 0
PCMA = 8
_HEADER = struct.Struct("!BBHII")
_EVENT = struct.Struct("!BBH")
DTMF_EVENTS = "0123456789*#ABCD"


class RtpError(RemoteProtocolError):
    """A malformed RTP packet or event payload."""


@dataclass(slots=True)
class RtpPacket:
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes = b""
    marker: bool = False
    csrcs: list[int] = field(default_factory=list)
    extension: tuple[int, bytes] | None = None  # (profile, data: a multiple of 4 bytes)

    @classmethod
    def parse(cls, data: bytes) -> RtpPacket:
        if len(data) < 12:
            raise RtpError("RTP packet shorter than its header")
        first, second, sequence, timestamp, ssrc = _HEADER.unpack_from(data)
        if first >> 6 != 2:
            raise RtpError("not RTP version 2")
        offset = 12
        count = first & 0x0F
        if len(data) < offset + 4 * count:
            raise RtpError("RTP packet shorter than its CSRC list")
        csrcs = list(struct.unpack_from(f"!{count}I", data, offset)) if count else []
        offset += 4 * count
        extension = None
        if first & 0x10:
            if len(data) < offset + 4:
                raise RtpError("RTP packet shorter than its extension header")
            profile, words = struct.unpack_from("!HH", data, offset)
            end = offset + 4 + 4 * words
            if len(data) < end:
                raise RtpError("RTP packet shorter than its extension")
            extension = (profile, bytes(data[offset + 4 : end]))
            offset = end
        end = len(data)
        if first & 0x20:
            padding = data[-1]
            if padding == 0 or offset + padding > end:
                raise RtpError("invalid RTP padding")
            end -= padding
        return cls(
            payload_type=second & 0x7F,
            sequence=sequence,
            timestamp=timestamp,
            ssrc=ssrc,
            payload=bytes(data[offset:end]),
            marker=bool(second & 0x80),
            csrcs=csrcs,
            extension=extension,
        )

    def serialize(self) -> bytes:
        if len(self.csrcs) > 15:
            raise ValueError("at most 15 CSRCs")
        first = 0x80 | len(self.csrcs) | (0x10 if self.extension is not None else 0)
        second = (0x80 if self.marker else 0) | (self.payload_type & 0x7F)
        parts = [
            _HEADER.pack(
                first,
                second,
                self.sequence & 0xFFFF,
                self.timestamp & 0xFFFFFFFF,
                self.ssrc & 0xFFFFFFFF,
            )
        ]
        if self.csrcs:
            parts.append(struct.pack(f"!{len(self.csrcs)}I", *self.csrcs))
        if self.extension is not None:
            profile, data = self.extension
            if len(data) % 4:
                raise ValueError("RTP extension data must be a multiple of 4 bytes")
            parts.append(struct.pack("!HH", profile, len(data) // 4) + data)
        parts.append(self.payload)
        return b"".join(parts)


class RtpStream:
    """Numbers outgoing packets of one source: sequence +1 per packet, timestamp + samples."""

    def __init__(self, ssrc: int, payload_type: int, sequence: int = 0, timestamp: int = 0):
        self.ssrc = ssrc
        self.payload_type = payload_type
        self.sequence = sequence & 0xFFFF
        self.timestamp = timestamp & 0xFFFFFFFF

    def packet(self, payload: bytes, samples: int, *, marker: bool = False) -> bytes:
        data = RtpPacket(
            self.payload_type, self.sequence, self.timestamp, self.ssrc, payload, marker
        ).serialize()
        self.sequence = (self.sequence + 1) & 0xFFFF
        self.timestamp = (self.timestamp + samples) & 0xFFFFFFFF
        return data


# --------------------------------------------------------------------- G.711
_ULAW_BIAS = 0x84
_ULAW_CLIP = 32635
_tables: dict[str, bytes | array[int]] = {}


def _ulaw_encode_sample(sample: int) -> int:
    sign = 0x80 if sample < 0 else 0
    magnitude = min(-sample if sign else sample, _ULAW_CLIP) + _ULAW_BIAS
    exponent = max(magnitude.bit_length() - 8, 0)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def _ulaw_decode_byte(value: int) -> int:
    value = ~value & 0xFF
    exponent = (value >> 4) & 0x07
    magnitude = (((value & 0x0F) << 3) + _ULAW_BIAS) << exponent
    magnitude -= _ULAW_BIAS
    return -magnitude if value & 0x80 else magnitude


_ALAW_SEGMENT_ENDS = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)


def _alaw_encode_sample(sample: int) -> int:
    value = sample >> 3
    if value >= 0:
        mask = 0xD5
    else:
        mask = 0x55
        value = -value - 1
    segment = next((i for i, end in enumerate(_ALAW_SEGMENT_ENDS) if value <= end), 8)
    if segment >= 8:
        return 0x7F ^ mask
    encoded = segment << 4
    encoded |= (value >> 1) & 0x0F if segment < 2 else (value >> segment) & 0x0F
    return encoded ^ mask


def _alaw_decode_byte(value: int) -> int:
    value ^= 0x55
    magnitude = (value & 0x0F) << 4
    segment = (value & 0x70) >> 4
    if segment == 0:
        magnitude += 8
    elif segment == 1:
        magnitude += 0x108
    else:
        magnitude = (magnitude + 0x108) << (segment - 1)
    return magnitude if value & 0x80 else -magnitude


def _table(name: str) -> bytes | array[int]:
    table = _tables.get(name)
    if table is None:
        if name == "ulaw-encode":
            table = bytes(_ulaw_encode_sample(s - 65536 if s > 32767 else s) for s in range(65536))
        elif name == "alaw-encode":
            table = bytes(_alaw_encode_sample(s - 65536 if s > 32767 else s) for s in range(65536))
        elif name == "ulaw-decode":
            table = array("h", (_ulaw_decode_byte(b) for b in range(256)))
        else:
            table = array("h", (_alaw_decode_byte(b) for b in range(256)))
        _tables[name] = table
    return table


def _samples(pcm: bytes) -> array[int]:
    if len(pcm) % 2:
        raise ValueError("16-bit PCM needs an even number of bytes")
    samples = array("h")
    samples.frombytes(pcm)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def _pcm(samples: array[int]) -> bytes:
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def ulaw_encode(pcm: bytes) -> bytes:
    """16-bit little-endian PCM -> G.711 μ-law (PCMU)."""
    table = _table("ulaw-encode")
    return bytes([table[s & 0xFFFF] for s in _samples(pcm)])


def alaw_encode(pcm: bytes) -> bytes:
    """16-bit little-endian PCM -> G.711 A-law (PCMA)."""
    table = _table("alaw-encode")
    return bytes([table[s & 0xFFFF] for s in _samples(pcm)])


def ulaw_decode(data: bytes) -> bytes:
    """G.711 μ-law -> 16-bit little-endian PCM."""
    table = _table("ulaw-decode")
    return _pcm(array("h", [table[b] for b in data]))


def alaw_decode(data: bytes) -> bytes:
    """G.711 A-law -> 16-bit little-endian PCM."""
    table = _table("alaw-decode")
    return _pcm(array("h", [table[b] for b in data]))


# --------------------------------------------------------------------- RFC 4733
@dataclass(frozen=True, slots=True)
class DtmfEvent:
    """A telephone-event payload. `digit` maps events 0-15 to '0'-'9', '*', '#', 'A'-'D'."""

    event: int
    end: bool = False
    volume: int = 10  # dBm0 below zero, 0-63
    duration: int = 0  # in timestamp units (8000 per second for telephone-event/8000)

    @property
    def digit(self) -> str | None:
        return DTMF_EVENTS[self.event] if self.event < 16 else None

    @classmethod
    def for_digit(cls, digit: str, **kwargs: int | bool) -> DtmfEvent:
        index = DTMF_EVENTS.find(digit.upper())
        if index < 0 or len(digit) != 1:
            raise ValueError(f"not a DTMF digit: {digit!r}")
        return cls(index, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def parse(cls, payload: bytes) -> DtmfEvent:
        if len(payload) < 4:
            raise RtpError("telephone-event payload shorter than 4 bytes")
        event, flags, duration = _EVENT.unpack_from(payload)
        return cls(event, bool(flags & 0x80), flags & 0x3F, duration)

    def serialize(self) -> bytes:
        if not 0 <= self.volume <= 63:
            raise ValueError("volume is 0-63")
        return _EVENT.pack(
            self.event & 0xFF, (0x80 if self.end else 0) | self.volume, self.duration & 0xFFFF
        )
