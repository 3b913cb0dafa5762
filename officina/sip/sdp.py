"""SDP (RFC 8866) parsing and serialization, and RFC 3264 offer/answer for audio.

    session  = v= o= s= [i=] [u=] *e= *p= [c=] *b= 1*(t= *r=) [z=] [k=] *a= *media
    media    = m=<media> <port>[/<count>] <proto> <fmt> ... [i=] *c= *b= [k=] *a=
    origin   = o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>
    rtpmap   = a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>]
    rtcp     = a=rtcp:<port> [<nettype> <addrtype> <connection-address>]   (RFC 3605 §2.1)

Lines are kept in order (type, value), so an unchanged description serializes
back to the same text (with CRLF line ends). Malformed input raises
`SdpParseError` (a `RemoteProtocolError`, status 400; answer 488 when the
offer is valid but nothing in it is acceptable).

Answer rules (RFC 3264 §6): one m-line per offered m-line, in order; a
rejected stream gets port 0; formats are the offered ones we support, in
the offerer's order; `telephone-event` follows when offered; the direction
is mirrored (sendonly <-> recvonly); `a=ptime` is the packet time we send
the offerer, the one it asked for (`packet_time`).

RTCP goes to the RTP port + 1 (RFC 3550 §11) unless the stream says otherwise with
`a=rtcp` (RFC 3605): a phone whose RTCP socket is elsewhere, or whose NAT told it
where its RTCP is seen from. `rtcp_address` reads it; one that is not a port, or not
a valid address, is passed over, as if absent (the RTP port + 1 then). Our own RTCP
is always on the RTP port + 1 (`officina.pbx.media.ports`), so what we write carries
no `a=rtcp`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from officina.sip.errors import RemoteProtocolError

DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")
_MIRROR = {"sendonly": "recvonly", "recvonly": "sendonly"}
_STATIC_PAYLOADS = {"0": ("PCMU", 8000, 1), "8": ("PCMA", 8000, 1), "9": ("G722", 8000, 1)}
MAX_SDP = 65535
PTIME_DEFAULT = 20  # ms of audio a packet without a=ptime (RFC 3551 §4.5 for G.711)
# Packet times we send, in ms: multiples of 10 (what phones are set to) up to 60; a
# longer packet adds its length to the call's delay.
PTIME_MIN, PTIME_MAX = 10, 60


class SdpParseError(RemoteProtocolError):
    """The session description is malformed."""


class Origin(NamedTuple):
    username: str
    session_id: str
    session_version: int
    network_type: str
    address_type: str
    address: str

    def __str__(self) -> str:
        return (
            f"{self.username} {self.session_id} {self.session_version} "
            f"{self.network_type} {self.address_type} {self.address}"
        )


class Codec(NamedTuple):
    payload_type: str
    name: str
    clock_rate: int
    channels: int = 1


@dataclass
class MediaDescription:
    media: str
    port: int
    proto: str
    formats: list[str]
    port_count: int | None = None
    lines: list[tuple[str, str]] = field(default_factory=list)  # i/c/b/k/a lines, in order

    @property
    def attributes(self) -> list[tuple[str, str | None]]:
        out: list[tuple[str, str | None]] = []
        for kind, value in self.lines:
            if kind == "a":
                name, sep, rest = value.partition(":")
                out.append((name, rest if sep else None))
        return out

    def attribute(self, name: str) -> str | None:
        for key, value in self.attributes:
            if key == name:
                return value if value is not None else ""
        return None

    @property
    def connection_address(self) -> str | None:
        for kind, value in self.lines:
            if kind == "c":
                return _connection_address(value)
        return None

    @property
    def direction(self) -> str | None:
        for name, _ in self.attributes:
            if name in DIRECTIONS:
                return name
        return None

    def codecs(self) -> list[Codec]:
        """Formats with their rtpmap (static payload types filled in), in offered order."""
        maps: dict[str, Codec] = {}
        for name, value in self.attributes:
            if name == "rtpmap" and value:
                pt, _, encoding = value.partition(" ")
                parts = encoding.strip().split("/")
                try:
                    rate = int(parts[1]) if len(parts) > 1 else 8000
                    channels = int(parts[2]) if len(parts) > 2 else 1
                except ValueError:
                    raise SdpParseError(f"invalid rtpmap: {value[:60]!r}") from None
                maps[pt] = Codec(pt, parts[0], rate, channels)
        out = []
        for fmt in self.formats:
            if fmt in maps:
                out.append(maps[fmt])
            elif fmt in _STATIC_PAYLOADS:
                out.append(Codec(fmt, *_STATIC_PAYLOADS[fmt]))
        return out

    def m_line(self) -> str:
        port = str(self.port) if self.port_count is None else f"{self.port}/{self.port_count}"
        return " ".join([self.media, port, self.proto, *self.formats])


@dataclass
class SessionDescription:
    origin: Origin
    session_name: str = "-"
    lines: list[tuple[str, str]] = field(default_factory=list)  # session-level lines after s=
    media: list[MediaDescription] = field(default_factory=list)
    version: str = "0"

    @property
    def connection_address(self) -> str | None:
        for kind, value in self.lines:
            if kind == "c":
                return _connection_address(value)
        return None

    @property
    def direction(self) -> str:
        for kind, value in self.lines:
            if kind == "a" and value in DIRECTIONS:
                return value
        return "sendrecv"

    def media_address(self, index: int) -> tuple[str | None, int]:
        """Where the stream at `index` wants RTP: (connection address, port)."""
        media = self.media[index]
        return media.connection_address or self.connection_address, media.port

    def rtcp_address(self, index: int) -> tuple[str | None, int]:
        """Where the stream at `index` wants RTCP: its `a=rtcp` port (and address, when
        the attribute names one, else the stream's), or the RTP port + 1 without one."""
        host, port = self.media_address(index)
        value = self.media[index].attribute("rtcp")
        if not value:
            return host, port + 1
        parts = value.split(" ")
        try:
            # ASCII digits only: int() would take "²", "+1" or " 1".
            rtcp_port = int(parts[0]) if parts[0].isascii() and parts[0].isdigit() else 0
            named = _connection_address(" ".join(parts[1:])) if len(parts) > 1 else host
        except (ValueError, SdpParseError):
            return host, port + 1
        if not named or not 0 < rtcp_port <= 65535:
            return host, port + 1
        return named, rtcp_port

    @classmethod
    def parse(cls, data: bytes | str) -> SessionDescription:
        if isinstance(data, bytes):
            if len(data) > MAX_SDP:
                raise SdpParseError("session description too large")
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise SdpParseError("session description is not UTF-8") from None
        else:
            text = data
        raw_lines = text.replace("\r\n", "\n").split("\n")
        if raw_lines and raw_lines[-1] == "":
            raw_lines.pop()
        parsed: list[tuple[str, str]] = []
        for line in raw_lines:
            if len(line) < 2 or line[1] != "=" or not line[0].isalpha() or not line[0].isascii():
                raise SdpParseError(f"malformed SDP line: {line[:60]!r}")
            parsed.append((line[0], line[2:]))
        if len(parsed) < 3 or parsed[0] != ("v", "0"):
            raise SdpParseError("SDP must start with v=0")
        if parsed[1][0] != "o" or parsed[2][0] != "s":
            raise SdpParseError("SDP needs o= and s= after v=")
        origin = _parse_origin(parsed[1][1])
        session = cls(origin, parsed[2][1])
        current: MediaDescription | None = None
        for kind, value in parsed[3:]:
            if kind == "m":
                current = _parse_m_line(value)
                session.media.append(current)
            elif current is not None:
                if kind == "c":
                    _connection_address(value)
                current.lines.append((kind, value))
            else:
                if kind == "c":
                    _connection_address(value)
                session.lines.append((kind, value))
        if not any(kind == "t" for kind, _ in session.lines):
            raise SdpParseError("SDP needs a t= line")
        return session

    def serialize(self) -> bytes:
        out = [f"v={self.version}", f"o={self.origin}", f"s={self.session_name}"]
        out += [f"{kind}={value}" for kind, value in self.lines]
        for media in self.media:
            out.append("m=" + media.m_line())
            out += [f"{kind}={value}" for kind, value in media.lines]
        return ("\r\n".join(out) + "\r\n").encode()

    def __bytes__(self) -> bytes:
        return self.serialize()


def _parse_origin(value: str) -> Origin:
    parts = value.split(" ")
    if len(parts) != 6:
        raise SdpParseError(f"invalid o= line: {value[:60]!r}")
    try:
        version = int(parts[2])
    except ValueError:
        raise SdpParseError(f"invalid session version: {parts[2][:20]!r}") from None
    return Origin(parts[0], parts[1], version, parts[3], parts[4], parts[5])


def _parse_m_line(value: str) -> MediaDescription:
    parts = value.split(" ")
    if len(parts) < 4 or not all(parts):
        raise SdpParseError(f"invalid m= line: {value[:60]!r}")
    port_text, _, count_text = parts[1].partition("/")
    try:
        port = int(port_text)
        count = int(count_text) if count_text else None
    except ValueError:
        raise SdpParseError(f"invalid media port: {parts[1][:20]!r}") from None
    if not 0 <= port <= 65535:
        raise SdpParseError(f"invalid media port: {port}")
    return MediaDescription(parts[0], port, parts[2], parts[3:], count)


def _connection_address(value: str) -> str:
    parts = value.split(" ")
    if len(parts) != 3 or parts[0] != "IN" or parts[1] not in ("IP4", "IP6"):
        raise SdpParseError(f"invalid c= line: {value[:60]!r}")
    return parts[2].split("/")[0]


def answer(
    offer: SessionDescription,
    *,
    address: str,
    ports: Iterable[int],
    codecs: Iterable[str] = ("PCMU", "PCMA"),
    session_id: str = "0",
    username: str = "officina",
) -> SessionDescription:
    """An RFC 3264 answer for audio streams. `ports` gives one local port per audio stream
    accepted, in order; `codecs` the encoding names we support, most preferred first.

    Raises SdpParseError(488) when no stream is acceptable.
    """
    wanted = [c.upper() for c in codecs]
    port_iter = iter(ports)
    address_type = "IP6" if ":" in address else "IP4"
    result = SessionDescription(
        Origin(username, session_id, 1, "IN", address_type, address),
        "-",
        [("c", f"IN {address_type} {address}"), ("t", "0 0")],
    )
    accepted_any = False
    for media in offer.media:
        offered = media.codecs()
        chosen = [c for c in offered if c.name.upper() in wanted and c.clock_rate == 8000]
        if media.media != "audio" or media.port == 0 or not chosen or "RTP/AVP" not in media.proto:
            result.media.append(MediaDescription(media.media, 0, media.proto, media.formats[:1]))
            continue
        port = next(port_iter, None)
        if port is None:
            result.media.append(MediaDescription(media.media, 0, media.proto, media.formats[:1]))
            continue
        accepted_any = True
        events = [
            c for c in offered if c.name.lower() == "telephone-event" and c.clock_rate == 8000
        ]
        selected = [*chosen, *events[:1]]
        lines = [("a", f"rtpmap:{c.payload_type} {c.name}/{c.clock_rate}") for c in selected]
        if events:
            lines.append(("a", f"fmtp:{events[0].payload_type} 0-16"))
        direction = media.direction or offer.direction
        lines.append(("a", _MIRROR.get(direction, direction)))
        lines.append(("a", f"ptime:{packet_time(media)}"))
        result.media.append(
            MediaDescription(
                media.media, port, media.proto, [c.payload_type for c in selected], lines=lines
            )
        )
    if not accepted_any:
        raise SdpParseError("no acceptable media stream", 488)
    return result


def offer(
    *,
    address: str,
    port: int,
    codecs: Iterable[Codec] = (Codec("0", "PCMU", 8000), Codec("8", "PCMA", 8000)),
    telephone_event: str = "101",
    session_id: str = "0",
    session_version: int = 1,
    username: str = "officina",
) -> SessionDescription:
    """An offer of one audio stream (for an INVITE or re-INVITE that came without one)."""
    address_type = "IP6" if ":" in address else "IP4"
    listed = [*codecs, Codec(telephone_event, "telephone-event", 8000)]
    lines = [("a", f"rtpmap:{c.payload_type} {c.name}/{c.clock_rate}") for c in listed]
    lines += [("a", f"fmtp:{telephone_event} 0-16"), ("a", "sendrecv"), ("a", "ptime:20")]
    return SessionDescription(
        Origin(username, session_id, session_version, "IN", address_type, address),
        "-",
        [("c", f"IN {address_type} {address}"), ("t", "0 0")],
        [MediaDescription("audio", port, "RTP/AVP", [c.payload_type for c in listed], lines=lines)],
    )


def packet_time(media: MediaDescription) -> int:
    """The ms of audio a packet sent to whoever wrote ``media`` holds: its ``a=ptime``
    (the packet time it would like to receive, RFC 3264 §5; PTIME_DEFAULT without one),
    at most its ``a=maxptime`` (RFC 4566 §6), rounded down to a multiple of 10 ms within
    PTIME_MIN-PTIME_MAX. A value that is not a number is passed over, as if absent."""
    wanted = _milliseconds(media.attribute("ptime")) or PTIME_DEFAULT
    ceiling = _milliseconds(media.attribute("maxptime"))
    if ceiling is not None:
        wanted = min(wanted, ceiling)
    return max(PTIME_MIN, min(PTIME_MAX, int(wanted) // 10 * 10))


def _milliseconds(value: str | None) -> float | None:
    try:
        milliseconds = float(value) if value else None
    except ValueError:
        return None
    return milliseconds if milliseconds is not None and 0 < milliseconds < 10_000 else None


class AudioAgreement(NamedTuple):
    """What an offer and its answer settled for the first audio stream; ``ptime`` is the
    ms of audio in each packet we send (``packet_time``); ``rtcp`` where the other side
    wants its RTCP (``rtcp_address``), None for the RTP port + 1."""

    remote_host: str
    remote_port: int
    codec: Codec
    telephone_event: int | None
    direction: str
    ptime: int = PTIME_DEFAULT
    rtcp: tuple[str, int] | None = None


def audio_agreement(answer: SessionDescription, remote: SessionDescription) -> AudioAgreement:
    """Read the agreed codec from ``answer`` (whichever side made it), and where to send
    RTP and how much audio a packet holds from ``remote`` (the other side's description,
    offer or answer).

    Raises SdpParseError(488) when no audio stream was accepted with a G.711 codec.
    """
    for index, media in enumerate(answer.media):
        if media.media != "audio" or media.port == 0 or index >= len(remote.media):
            continue
        codecs = media.codecs()
        voice = [c for c in codecs if c.name.upper() in ("PCMU", "PCMA") and c.clock_rate == 8000]
        if not voice:
            continue
        events = [c for c in codecs if c.name.lower() == "telephone-event"]
        host, port = remote.media_address(index)
        if host is None or remote.media[index].port == 0:
            continue
        try:
            event = int(events[0].payload_type) if events else None
        except ValueError:
            event = None
        direction = media.direction or answer.direction
        ptime = packet_time(remote.media[index])
        rtcp_host, rtcp_port = remote.rtcp_address(index)
        named = (rtcp_host or host, rtcp_port)
        rtcp = None if named == (host, port + 1) else named
        return AudioAgreement(host, port, voice[0], event, direction, ptime, rtcp)
    raise SdpParseError("no audio stream agreed", 488)
