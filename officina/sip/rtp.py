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


# --------------------------------------------------------------------- reception (RFC 3550)
_MAX_DROPOUT = 3000  # RFC 3550 A.1: a jump this far ahead is a restart, not loss
_MAX_MISORDER = 100


@dataclass(slots=True)
class ReceptionStats:
    """What one receiver knows about one source (RFC 3550 §6.4.1, Appendix A.1 and A.8).

    ``arrived`` is the arrival time in seconds (passed in: the core has no clock),
    ``clock_rate`` the payload's timestamp units per second.
    """

    clock_rate: int = 8000
    received: int = 0
    duplicates: int = 0
    base_sequence: int = -1
    max_sequence: int = 0
    cycles: int = 0
    jitter: float = 0.0  # in timestamp units, the A.8 running estimate
    _transit: float | None = None
    _seen: set[int] = field(default_factory=set)

    def update(self, sequence: int, timestamp: int, arrived: float, *, timed: bool = True) -> bool:
        """Count a packet; False for a duplicate or one from far outside the window.

        ``timed=False`` counts a packet of the source that is not on its audio's
        timeline (an RFC 4733 event keeps the key press's first timestamp): it takes a
        sequence number, so it is not a loss, but it says nothing about jitter.
        """
        if self.base_sequence < 0:
            self.base_sequence = self.max_sequence = sequence
        else:
            delta = (sequence - self.max_sequence) & 0xFFFF
            if delta == 0 or (delta >= 0x10000 - _MAX_MISORDER and self._is_seen(sequence)):
                self.duplicates += 1
                return False
            if delta < _MAX_DROPOUT:
                if sequence < self.max_sequence:
                    self.cycles += 0x10000
                self.max_sequence = sequence
            elif delta < 0x10000 - _MAX_MISORDER:
                return False  # a jump: A.1 waits for a second packet; we simply ignore it
        self._remember(sequence)
        self.received += 1
        if not timed:
            return True
        transit = arrived * self.clock_rate - timestamp
        if self._transit is not None:
            self.jitter += (abs(transit - self._transit) - self.jitter) / 16
        self._transit = transit
        return True

    def _remember(self, sequence: int) -> None:
        self._seen.add(sequence)
        if len(self._seen) > 2 * _MAX_MISORDER:
            floor = (self.max_sequence - _MAX_MISORDER) & 0xFFFF
            self._seen = {s for s in self._seen if ((s - floor) & 0xFFFF) <= _MAX_MISORDER}

    def _is_seen(self, sequence: int) -> bool:
        return sequence in self._seen

    @property
    def expected(self) -> int:
        if self.base_sequence < 0:
            return 0
        return self.cycles + self.max_sequence - self.base_sequence + 1

    @property
    def lost(self) -> int:
        return max(self.expected - self.received, 0)

    @property
    def jitter_seconds(self) -> float:
        return self.jitter / self.clock_rate


class JitterBuffer:
    """Packets of one source put back in order and released on their own timeline.

    ``push(packet, now)`` keeps a packet; ``pop(now)`` returns, in sequence order, the
    packets whose playout time has come, with ``None`` for each frame of audio that
    never arrived in time (counted in ``late_or_lost``). A packet arriving after its
    turn was given up is dropped and counted in ``late``. The delay is the price:
    60 ms absorbs the jitter of an ordinary network and is inaudible in a voicemail.

    A packet's playout time comes from its RTP timestamp (the sender's media clock,
    ``clock_rate`` units a second), not from its sequence number: the sequence numbers
    of one source also count packets that never reach this buffer. A phone sending
    RFC 4733 key presses interleaves the event packets with its audio in the same
    numbering (baresip sends one event packet between two audio packets, the audio's
    timestamps going on by 160 each), so counting sequence numbers as 20 ms frames
    put the buffer 20 ms further behind at every event packet. A missing sequence
    number is a lost frame only when the audio's timestamps have a hole there too.

    ``capacity`` frames may be held. More means the source runs ahead of its own
    timeline (a burst, a clock faster than ours): the timeline is moved so that the
    newest packet plays after the delay, and what is held is released at once, in
    order; nothing that arrived is thrown away. A timestamp that jumps more than
    ``capacity`` frames from the timeline (a sender restarting its clock) moves the
    timeline the same way.
    """

    def __init__(
        self,
        delay: float = 0.06,
        frame: float = 0.02,
        capacity: int = 50,
        clock_rate: int = 8000,
    ) -> None:
        self.delay = delay
        self.frame = frame
        self.capacity = capacity
        self.clock_rate = clock_rate
        self._frame_units = round(frame * clock_rate)
        self._packets: dict[int, tuple[int, RtpPacket]] = {}  # sequence -> (timestamp, packet)
        self._ready: list[RtpPacket] = []  # released at the next pop whatever its time
        self._next: int | None = None  # extended sequence number of the next to play
        self._next_timestamp = 0  # extended timestamp the next frame of audio starts at
        self._origin = 0.0  # when timestamp 0 of the extended timeline plays
        self.late = 0
        self.late_or_lost = 0
        self.resynchronised = 0
        self._cycles = 0
        self._last_raw: int | None = None
        self._last_timestamp: tuple[int, int] | None = None  # (raw, extended)

    def _extend(self, sequence: int) -> int:
        if self._last_raw is not None:
            if sequence < 0x4000 and self._last_raw > 0xC000:
                self._cycles += 0x10000
            elif sequence > 0xC000 and self._last_raw < 0x4000:
                return self._cycles - 0x10000 + sequence
        self._last_raw = sequence
        return self._cycles + sequence

    def _extend_timestamp(self, timestamp: int) -> int:
        """The timestamp on a line that does not wrap at 2**32: the nearest to the last."""
        if self._last_timestamp is None:
            extended = timestamp
        else:
            raw, last = self._last_timestamp
            step = ((timestamp - raw + 0x80000000) & 0xFFFFFFFF) - 0x80000000
            extended = last + step
        self._last_timestamp = (timestamp, extended)
        return extended

    def _plays_at(self, timestamp: int) -> float:
        return self._origin + timestamp / self.clock_rate

    def _anchor(self, timestamp: int, now: float) -> None:
        """The timeline on which ``timestamp`` plays after the delay from ``now``."""
        self._origin = now + self.delay - timestamp / self.clock_rate

    def push(self, packet: RtpPacket, now: float) -> None:
        extended = self._extend(packet.sequence)
        timestamp = self._extend_timestamp(packet.timestamp)
        if self._next is None:
            self._next = extended
            self._next_timestamp = timestamp
            self._anchor(timestamp, now)
        if extended < self._next or extended in self._packets:
            self.late += 1
            return
        ahead = self._plays_at(timestamp) - (now + self.delay)
        if abs(ahead) > self.capacity * self.frame or len(self._packets) >= self.capacity:
            self._resynchronise(extended, timestamp, now)
        self._packets[extended] = (timestamp, packet)

    def _resynchronise(self, sequence: int, timestamp: int, now: float) -> None:
        self.resynchronised += 1
        self._ready = self.drain()
        self._next = sequence
        self._next_timestamp = timestamp
        self._anchor(timestamp, now)

    def pop(self, now: float) -> list[RtpPacket | None]:
        out: list[RtpPacket | None] = list(self._ready)
        self._ready.clear()
        if self._next is None:
            return out
        while self._packets:
            held = self._packets.get(self._next)
            if held is None:
                first = min(self._packets)
                timestamp, _packet = self._packets[first]
                missing_frames = (timestamp - self._next_timestamp) // self._frame_units
                if min(first - self._next, missing_frames) <= 0:
                    # The numbers in between carried no audio of this stream (key
                    # presses), or the source was silent: nothing is missing.
                    self._next = first
                    continue
                # A frame of audio is missing; it may still come, until its turn.
                if self._plays_at(self._next_timestamp) > now:
                    break
                self.late_or_lost += 1
                out.append(None)
                self._next += 1
                self._next_timestamp += self._frame_units
                continue
            timestamp, packet = held
            if self._plays_at(timestamp) > now:
                break
            del self._packets[self._next]
            out.append(packet)
            self._next += 1
            self._next_timestamp = timestamp + self._frame_units
        return out

    def drain(self) -> list[RtpPacket]:
        """Whatever is still held, in order (the call ended)."""
        held = self._ready + [self._packets[key][1] for key in sorted(self._packets)]
        self._ready = []
        self._packets.clear()
        return held


class DtmfReceiver:
    """RFC 4733 §2.5.1: one key press is many packets (same timestamp, growing duration,
    the end packet sent three times); report each press once, when it first arrives."""

    def __init__(self) -> None:
        self._last: tuple[int, int] | None = None  # (timestamp, event) of the last press

    def receive(self, packet: RtpPacket) -> str | None:
        event = DtmfEvent.parse(packet.payload)
        key = (packet.timestamp, event.event)
        if key == self._last:
            return None
        self._last = key
        return event.digit


# --------------------------------------------------------------------- RTCP (RFC 3550 §6.4)
RTCP_SR = 200
RTCP_RR = 201
RTCP_BYE = 203


@dataclass(frozen=True, slots=True)
class RtcpPacket:
    packet_type: int
    ssrc: int


def parse_rtcp(data: bytes) -> list[RtcpPacket]:
    """The packets of a compound RTCP datagram (type and sender SSRC of each)."""
    out = []
    offset = 0
    while offset + 8 <= len(data):
        first, packet_type, words, ssrc = struct.unpack_from("!BBHI", data, offset)
        if first >> 6 != 2 or not 192 <= packet_type <= 223:
            raise RtpError("not an RTCP packet")
        out.append(RtcpPacket(packet_type, ssrc))
        offset += 4 * (words + 1)
    if offset != len(data) or not out:
        raise RtpError("RTCP packet length does not match its datagram")
    return out


def receiver_report(
    ssrc: int, source: int, stats: ReceptionStats, previous: tuple[int, int]
) -> bytes:
    """An RR with one report block about ``source``. ``previous`` is (expected, received)
    at the last report, for the fraction lost over the interval (A.3)."""
    expected_interval = stats.expected - previous[0]
    received_interval = stats.received - previous[1]
    lost_interval = expected_interval - received_interval
    fraction = (
        (lost_interval << 8) // expected_interval
        if expected_interval > 0 and lost_interval > 0
        else 0
    )
    cumulative = min(stats.lost, 0x7FFFFF)
    highest = (stats.cycles + stats.max_sequence) & 0xFFFFFFFF
    block = struct.pack(
        "!IIIIII",
        source,
        (min(fraction, 255) << 24) | cumulative,
        highest,
        int(stats.jitter) & 0xFFFFFFFF,
        0,  # last SR timestamp: we do not keep SR times (no round-trip estimate)
        0,
    )
    return struct.pack("!BBHI", 0x81, RTCP_RR, 7, ssrc) + block
