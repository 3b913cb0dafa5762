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

import math
import struct
import sys
from array import array
from dataclasses import dataclass, field
from functools import cache

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
    """Numbers outgoing packets of one source: sequence +1 per packet, timestamp + samples;
    counts them and their payload octets for its sender reports (RFC 3550 §6.4.1)."""

    def __init__(self, ssrc: int, payload_type: int, sequence: int = 0, timestamp: int = 0):
        self.ssrc = ssrc
        self.payload_type = payload_type
        self.sequence = sequence & 0xFFFF
        self.timestamp = timestamp & 0xFFFFFFFF
        self.packets = 0
        self.octets = 0

    def packet(self, payload: bytes, samples: int, *, marker: bool = False) -> bytes:
        data = RtpPacket(
            self.payload_type, self.sequence, self.timestamp, self.ssrc, payload, marker
        ).serialize()
        self.sequence = (self.sequence + 1) & 0xFFFF
        self.timestamp = (self.timestamp + samples) & 0xFFFFFFFF
        self.sent(payload)
        return data

    def sent(self, payload: bytes) -> None:
        """Count a packet of the stream sent (one numbered outside ``packet`` too)."""
        self.packets = (self.packets + 1) & 0xFFFFFFFF
        self.octets = (self.octets + len(payload)) & 0xFFFFFFFF


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


@cache
def g711_silence(payload_type: int) -> bytes:
    """One sample of silence in G.711: A-law for ``PCMA``, μ-law otherwise."""
    return (alaw_encode if payload_type == PCMA else ulaw_encode)(b"\x00\x00")


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
    """G.711 packets of one source put back in order and released on their own timeline,
    re-framed into the media clock's frames.

    ``push(packet, now)`` keeps a packet of any length: phones send 10, 20, 30, 40 or
    60 ms of audio a packet, as their ``a=ptime`` is set. ``pop(now)`` returns, in order,
    the ``frame``-long frames (20 ms: 160 bytes, one a sample) whose playout time has
    come, cut from the packets by RTP timestamp, not by arrival: a 30 ms packet gives a
    frame and half of the next, two 10 ms packets make one. So every call the desk
    answers (a room's mix, a recording, in-band keys) takes 20 ms frames whatever the
    phone sends. A frame whose audio never arrived in time is ``None``; one missing
    only part of it (a frame across a lost 30 ms packet) has silence in that part; both
    are counted in ``late_or_lost``. A packet arriving after all of its audio was
    released is dropped and counted in ``late``. The delay is the price: 60 ms absorbs
    the jitter of an ordinary network and is inaudible in a voicemail; a frame is
    released when its start is due, so the packets it needs have had 40 ms of it.

    A packet's playout time comes from its RTP timestamp (the sender's media clock,
    ``clock_rate`` units a second), not from its sequence number: the sequence numbers
    of one source also count packets that never reach this buffer. A phone sending
    RFC 4733 key presses interleaves the event packets with its audio in the same
    numbering (baresip sends one event packet between two audio packets, the audio's
    timestamps going on by 160 each), so counting sequence numbers as 20 ms frames
    put the buffer 20 ms further behind at every event packet. Audio is missing only
    where the timestamps have a hole and the sequence numbers one too, and then at most
    what the missing numbers carried (each as long as the packet before them); the rest
    of a hole is the sender's pause (a phone silent between words), which is not
    released at all: the frames go on from the next packet's timestamp. A frame whose
    end lies past every packet held waits for the next one until its end is due too;
    then its tail is taken for a pause.

    ``capacity`` packets may be held. More means the source runs ahead of its own
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
        self._ready: list[bytes | None] = []  # released at the next pop whatever its time
        self._started = False
        self._next = 0  # extended sequence number after the last packet taken
        self._audio_at = 0  # extended timestamp where the audio after that packet starts
        self._packet_units = self._frame_units  # that packet's length: what a number held
        self._frame_at = 0  # extended timestamp of the next frame released
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

    def _start(self, sequence: int, timestamp: int, now: float) -> None:
        """Frames from ``timestamp`` on, which plays after the delay from ``now``."""
        self._next = sequence
        self._audio_at = self._frame_at = timestamp
        self._origin = now + self.delay - timestamp / self.clock_rate

    def push(self, packet: RtpPacket, now: float) -> None:
        if not packet.payload:
            return  # no audio: nothing to play, and no length to count a loss by
        extended = self._extend(packet.sequence)
        timestamp = self._extend_timestamp(packet.timestamp)
        if not self._started:
            self._started = True
            self._start(extended, timestamp, now)
            self._packet_units = len(packet.payload)
        if extended < self._next or extended in self._packets:
            self.late += 1
            return
        ahead = self._plays_at(timestamp) - (now + self.delay)
        if abs(ahead) > self.capacity * self.frame or len(self._packets) >= self.capacity:
            self._resynchronise(extended, timestamp, now)
        elif timestamp + len(packet.payload) <= self._frame_at:
            self.late += 1  # every frame it had a part of went without it
            return
        self._packets[extended] = (timestamp, packet)

    def _resynchronise(self, sequence: int, timestamp: int, now: float) -> None:
        self.resynchronised += 1
        self._ready = self.drain()
        self._start(sequence, timestamp, now)

    def pop(self, now: float) -> list[bytes | None]:
        out, self._ready = self._ready, []
        size = self._frame_units
        while self._packets:
            start = self._frame_at
            if self._plays_at(start) > now:
                break
            timestamp, packet = self._packets[min(self._packets)]
            if timestamp <= start and start + size <= timestamp + len(packet.payload):
                # The frame lies in one packet (every frame of a phone sending 20 ms).
                out.append(packet.payload[start - timestamp : start + size - timestamp])
            else:
                spans, held_until = self._spans()
                if not any(begin <= start < end for begin, end, _packet in spans):
                    # Nothing was sent here: the sender paused until its next packet.
                    self._frame_at = min(begin for begin, _end, _packet in spans if begin > start)
                    continue
                if held_until < start + size and self._plays_at(start + size) > now:
                    break  # what ends the frame may still come
                out.append(self._frame(start, spans))
            self._frame_at = start + size
            self._forget_played()
        return out

    def _spans(self) -> tuple[list[tuple[int, int, RtpPacket | None]], int]:
        """The audio held from the last packet taken on, in order: (start, end, packet)
        for each packet, (start, end, None) for the audio of the numbers missing between
        two (the sender's pauses are not spans); and where the last packet held ends."""
        spans: list[tuple[int, int, RtpPacket | None]] = []
        sequence, at, units = self._next, self._audio_at, self._packet_units
        for extended in sorted(self._packets):
            timestamp, packet = self._packets[extended]
            if timestamp > at:
                missing = min((extended - sequence) * units, timestamp - at)
                if missing > 0:
                    spans.append((at, at + missing, None))
            length = len(packet.payload)
            spans.append((timestamp, timestamp + length, packet))
            sequence, at, units = extended + 1, max(at, timestamp + length), length
        return spans, at

    def _frame(self, start: int, spans: list[tuple[int, int, RtpPacket | None]]) -> bytes | None:
        """The frame at ``start`` from the parts of ``spans`` in it (silence where none
        is), or None when none of its audio came; counted when some was lost."""
        size = self._frame_units
        frame: bytearray | None = None
        lost = False
        for begin, end, packet in spans:
            first, last = max(begin, start), min(end, start + size)
            if first >= last:
                continue
            if packet is None:
                lost = True
                continue
            if frame is None:
                frame = bytearray(g711_silence(packet.payload_type) * size)
            frame[first - start : last - start] = packet.payload[first - begin : last - begin]
        if lost or frame is None:
            self.late_or_lost += 1
        return None if frame is None else bytes(frame)

    def _forget_played(self) -> None:
        """Let go of the packets whose audio has all been released."""
        while self._packets:
            first = min(self._packets)
            timestamp, packet = self._packets[first]
            end = timestamp + len(packet.payload)
            if end > self._frame_at:
                return
            del self._packets[first]
            self._next = first + 1
            self._audio_at = max(self._audio_at, end)
            self._packet_units = len(packet.payload)

    def drain(self) -> list[bytes | None]:
        """Whatever is still held, as frames whatever their time (the call ended)."""
        return self.pop(math.inf)


class Packetiser:
    """The media clock's frames cut into packets as long as the receiver asked for (its
    ``a=ptime``, in samples: G.711 has one byte a sample). The desk makes 20 ms frames;
    a phone set to 30 ms gets a 240-byte packet each time that much audio is waiting
    (two packets, then none, at three ticks in a row), one set to 10 ms two packets a
    frame."""

    def __init__(self, samples: int = 160) -> None:
        self.samples = samples
        self._waiting = bytearray()

    def push(self, audio: bytes) -> list[bytes]:
        """The packets' payloads ``audio`` completes, in order."""
        size = self.samples
        if not self._waiting and len(audio) == size:
            return [audio]
        self._waiting += audio
        count = len(self._waiting) // size
        payloads = [
            bytes(self._waiting[index * size : (index + 1) * size]) for index in range(count)
        ]
        del self._waiting[: count * size]
        return payloads

    def flush(self) -> bytes:
        """What waits, shorter than a packet (before a key press's events, or a new
        codec), and nothing waits after."""
        waiting, self._waiting = bytes(self._waiting), bytearray()
        return waiting


class Pacer:
    """When each packet of a stream goes, for packets whose time does not fall on the
    media clock's 20 ms ticks (a phone set to 30 ms gets two packets at one tick and
    none at the next; one set to 10 ms two at each): ``interval`` seconds after the one
    before, and never before it is made (``now``). A packet whose turn is more than an
    interval away (the clock caught up after a late tick, making several at once) goes
    with the one before it, so the stream does not fall further behind; the times never
    go back."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last: float | None = None

    def due(self, now: float) -> float:
        """When the packet made at ``now`` goes (``now`` itself: at once)."""
        last = self._last
        at = now if last is None else max(last + self.interval, now)
        if last is not None and at - now > self.interval + PACE_SLACK:
            at = max(last, now)
        self._last = at
        return at


# Seconds by which a packet's time may come early and still count as on time.
PACE_SLACK = 1e-6


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
RTCP_SDES = 202
RTCP_BYE = 203
SDES_CNAME = 1


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
    return struct.pack("!BBHI", 0x81, RTCP_RR, 7, ssrc) + _report_block(source, stats, previous)


def source_description(ssrc: int, cname: str) -> bytes:
    """An SDES packet (RFC 3550 §6.5) with one chunk: ``ssrc``'s canonical name. Every
    compound RTCP packet carries one after its SR or RR (§6.1): receivers tie a
    sender's streams together by it, and some drop a compound packet without it."""
    text = cname.encode("ascii")
    if not 0 < len(text) <= 255:
        raise ValueError("a CNAME is 1 to 255 octets")
    chunk = struct.pack("!IBB", ssrc, SDES_CNAME, len(text)) + text
    # The item list ends with a null octet, and nulls fill the chunk to a 32-bit
    # boundary: a whole word of them when the items end on one (§6.5).
    chunk += b"\x00" * (4 - len(chunk) % 4)
    return struct.pack("!BBH", 0x81, RTCP_SDES, len(chunk) // 4) + chunk


# Seconds from the NTP epoch (1900) to the Unix one (1970).
NTP_UNIX_OFFSET = 2_208_988_800


def sender_report(
    stream: RtpStream,
    wallclock: float,
    block: tuple[int, ReceptionStats, tuple[int, int]] | None = None,
) -> bytes:
    """An SR (RFC 3550 §6.4.1) of ``stream`` at ``wallclock`` (Unix seconds): the NTP
    time, the stream's RTP timestamp now (that of its next packet), the packets and
    payload octets it sent; with a report block when ``block`` gives (source, its
    reception statistics, (expected, received) at the last report), as
    ``receiver_report``."""
    ntp = wallclock + NTP_UNIX_OFFSET
    seconds = int(ntp) & 0xFFFFFFFF
    fraction = int((ntp - int(ntp)) * (1 << 32)) & 0xFFFFFFFF
    blocks = _report_block(*block) if block is not None else b""
    count = 1 if block is not None else 0
    header = struct.pack("!BBHI", 0x80 | count, RTCP_SR, 6 + 6 * count, stream.ssrc)
    info = struct.pack("!IIIII", seconds, fraction, stream.timestamp, stream.packets, stream.octets)
    return header + info + blocks


def _report_block(source: int, stats: ReceptionStats, previous: tuple[int, int]) -> bytes:
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
    return struct.pack(
        "!IIIIII",
        source,
        (min(fraction, 255) << 24) | cumulative,
        highest,
        int(stats.jitter) & 0xFFFFFFFF,
        0,  # last SR timestamp: we do not keep SR times (no round-trip estimate)
        0,
    )
