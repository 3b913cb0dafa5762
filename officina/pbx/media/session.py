"""One RTP stream between the PBX and a phone, on asyncio UDP (RTP on an even port, RTCP
on the next one).

Symmetric RTP with latching (RFC 4961; what every PBX does for phones behind
NAT): RTP is sent to the address the SDP named until the first valid packet of
the agreed payload arrives, then to wherever that packet came from, and from
then on packets from any other address are dropped and counted as foreign:
a stranger who guesses the port can neither inject audio nor redirect the
stream. A new offer (re-INVITE) unlatches. RTP from the very address the latest
description names always takes the latch back: after a re-INVITE, a packet still on
its way from the stream the last description named (the PBX's own hold music, which
it stops only once the resume's answer has passed) may latch first, and the phone's
own RTP, from where its new description says, must not be dropped as foreign after
it. Until RTP comes, the phone's RTCP says where it is: a held phone behind NAT may
send nothing else. The first valid RTCP from an address other than the one its
description names has the RTP go to that address, at the port before the one it came
from, less the distance its description puts between its RTP and its RTCP (one port
without ``a=rtcp``, RFC 3605: a NAT that keeps the phone's ports keeps that distance),
or at that very port when it came to our RTP port (rtcp-mux, RFC 5761: its packet type
tells it from RTP); the RTP that comes later latches as above.

RTCP is symmetric too: our reports go to wherever the phone's first valid RTCP came
from (from the socket it came to), until a new offer; before any, to where its
description says (``a=rtcp``, or the RTP port + 1), or, once its RTP came from
elsewhere than its description says (NAT), to that address's port at the same
distance; the first RTCP from the phone has the next report go at once. Every
``RTCP_INTERVAL`` a session that sent audio sends a sender report
(RFC 3550 §6.4.1: a held phone hearing music, sending nothing, learns from it that the
stream lives), with a report block when it received any; one that only received, a
receiver report.

Received audio goes through the core's jitter buffer and reception counters;
RFC 4733 events are reported once per key press (and counted in the reception
counters: they take sequence numbers of the same stream). The session does no timing
of its own: the media clock calls the call's ``tick(now)`` every 20 ms.

Phones are set to 20 ms of audio a packet, or 30 (many desk phones and softphones),
10, 40 or 60. The calls deal in the clock's 20 ms frames only: the jitter buffer cuts
what a phone sends into them by timestamp, and ``send`` cuts the calls' frames into
packets of the time the phone's SDP asked for (``AudioAgreement.ptime``, a=ptime
within a=maxptime), numbered with timestamps that go on by what each holds. Packets
whose time is not the clock's 20 ms go out paced (``Pacer``): a phone set to 30 ms gets
one every 30 ms, not two at one tick and none at the next, its packets waiting on the
event loop's timer for their turn.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, cast

from officina.sip.rtp import (
    PACE_SLACK,
    DtmfEvent,
    DtmfReceiver,
    JitterBuffer,
    Pacer,
    Packetiser,
    ReceptionStats,
    RtpError,
    RtpPacket,
    RtpStream,
    parse_rtcp,
    receiver_report,
    sender_report,
    source_description,
)
from officina.sip.sdp import AudioAgreement

logger = logging.getLogger("officina.pbx.media")

SAMPLES_PER_FRAME = 160  # 20 ms of G.711 at 8 kHz
SAMPLES_PER_MS = 8
MAX_DATAGRAM = 1500
RTCP_INTERVAL = 5.0  # seconds between receiver reports (RFC 3550 §6.2's minimum)


@dataclass(slots=True)
class MediaCounters:
    """What a session saw, beyond the core's reception statistics."""

    malformed: int = 0
    foreign: int = 0  # valid packets from an address other than the latched one
    unexpected_payload: int = 0
    digits: int = 0
    rtcp: int = 0
    sources: int = 0  # streams (SSRCs) the phone has sent
    earlier_lost: int = 0  # packets lost by streams before the current one
    sent: int = 0
    latched_to: tuple[str, int] | None = field(default=None)


class MediaSession(Protocol):
    """What a call the desk answered uses of its media: a phone's RTP (``RtpSession``)
    or a browser's WebRTC leg (``officina.pbx.media.webrtc.WebRtcSession``). Received
    audio is G.711 in ``buffer``, released as 20 ms frames on the media clock; ``send``
    takes one 20 ms frame of G.711 in ``payload_type`` (which goes to the phone in
    packets of the time it asked for)."""

    local_port: int
    payload_type: int
    agreement: AudioAgreement
    buffer: JitterBuffer
    closed: bool

    @property
    def counters(self) -> MediaCounters: ...

    def agree(self, agreement: AudioAgreement) -> None: ...

    async def start(self) -> None: ...

    def send(self, payload: bytes) -> None: ...

    def report(self, now: float) -> None: ...

    def close(self) -> None: ...


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, on_datagram: Callable[[bytes, tuple[str, int]], None]) -> None:
        self.on_datagram = on_datagram
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A datagram endpoint's transport (not a DatagramTransport subclass before 3.12).
        self.transport = cast("asyncio.DatagramTransport", transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        if len(data) <= MAX_DATAGRAM:
            self.on_datagram(data, (str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable from a phone that hung up: nothing to do.
        logger.debug("RTP socket error: %s", exc)


class RtpSession:
    def __init__(
        self,
        rtp_socket: socket.socket,
        rtcp_socket: socket.socket,
        agreement: AudioAgreement,
        on_digit: Callable[[str], None],
    ) -> None:
        self.local_port: int = rtp_socket.getsockname()[1]
        self.heard_at: float | None = None  # when the last RTP or RTCP datagram came
        self._sockets = (rtp_socket, rtcp_socket)
        self.counters = MediaCounters()
        self.on_digit = on_digit
        self.ssrc = random.getrandbits(32)
        # A short-term persistent CNAME (RFC 7022 §4.2): 96 random bits, base64, for this
        # session's reports; it names no user or host.
        self.cname = secrets.token_urlsafe(12)
        self.stats = ReceptionStats()
        self.buffer = JitterBuffer()
        self.dtmf = DtmfReceiver()
        self._rtp: _Datagrams | None = None
        self._rtcp: _Datagrams | None = None
        self._report_at = 0.0
        self._reported = (0, 0)
        self._sent_reported = 0  # the stream's packet count at the last report
        self._source_ssrc: int | None = None
        # Where the phone's RTCP came from, when it moved our RTP there (before any RTP).
        self._rtcp_from: str | None = None
        # The address the latest description names for the phone's RTP (set by ``agree``),
        # and for its RTCP.
        self._named: tuple[str, int]
        self._named_rtcp: tuple[str, int]
        # Where the phone's first valid RTCP since the latest description came from, and
        # whether it came to our RTP port (muxed): our reports go back there.
        self.rtcp_latched_to: tuple[tuple[str, int], bool] | None = None
        self.closed = False
        self.packetiser = Packetiser()
        self.pacer = Pacer(SAMPLES_PER_FRAME / 8000)
        # Packets waiting for their time (``Pacer``), oldest first, and the timer of the
        # first one.
        self._paced: deque[tuple[float, bytes]] = deque()
        self._pace_timer: asyncio.TimerHandle | None = None
        self.agree(agreement)

    def agree(self, agreement: AudioAgreement) -> None:
        """Use what an offer/answer settled (the first, or a re-INVITE's): unlatch."""
        # What waits for a whole packet goes now, in the codec it was made in.
        self._send_waiting()
        self._send_audio(self.packetiser.flush())
        self.packetiser.samples = agreement.ptime * SAMPLES_PER_MS
        self.pacer = Pacer(agreement.ptime / 1000)
        self.agreement = agreement
        self.payload_type = int(agreement.codec.payload_type)
        self.remote = (agreement.remote_host, agreement.remote_port)
        self._named = self.remote
        self._named_rtcp = agreement.rtcp or (self.remote[0], self.remote[1] + 1)
        self.counters.latched_to = None
        self._rtcp_from = None
        self.rtcp_latched_to = None
        if not hasattr(self, "stream"):
            self.stream = RtpStream(self.ssrc, self.payload_type, random.getrandbits(16))
        self.stream.payload_type = self.payload_type
        # A phone on hold (sendonly/inactive from its side) gets nothing from us.
        self.sending = agreement.direction in ("sendrecv", "recvonly")

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        _transport, self._rtp = await loop.create_datagram_endpoint(
            lambda: _Datagrams(self._rtp_received), sock=self._sockets[0]
        )
        _transport, self._rtcp = await loop.create_datagram_endpoint(
            lambda: _Datagrams(self._rtcp_received), sock=self._sockets[1]
        )

    def close(self) -> None:
        self.closed = True
        self._paced.clear()
        if self._pace_timer is not None:
            self._pace_timer.cancel()
            self._pace_timer = None
        for protocol in (self._rtp, self._rtcp):
            if protocol is not None and protocol.transport is not None:
                protocol.transport.close()
        if self._rtp is None:  # never started: the sockets are still ours to close
            for sock in self._sockets:
                sock.close()

    # ------------------------------------------------------------------ receiving
    def _rtp_received(self, data: bytes, source: tuple[str, int]) -> None:
        if len(data) > 1 and 192 <= data[1] <= 223:  # RTCP on the RTP port (RFC 5761 §4)
            self._rtcp_received(data, source, muxed=True)
            return
        self.heard_at = asyncio.get_running_loop().time()
        counters = self.counters
        latched = counters.latched_to
        if latched is not None and source != latched:
            if source != self._named:
                counters.foreign += 1
                return
            counters.latched_to = None  # the named address itself: latched below
        try:
            packet = RtpPacket.parse(data)
        except RtpError:
            counters.malformed += 1
            return
        event = self.agreement.telephone_event
        if packet.payload_type == event:
            try:
                digit = self.dtmf.receive(packet)
            except RtpError:
                counters.malformed += 1
                return
            self._latch(source, packet)
            self._count(packet, timed=False)
            if digit is not None:
                counters.digits += 1
                self.on_digit(digit)
            return
        if packet.payload_type != self.payload_type:
            counters.unexpected_payload += 1
            return
        self._latch(source, packet)
        if self._count(packet, timed=True):
            self.buffer.push(packet, asyncio.get_running_loop().time())

    def _count(self, packet: RtpPacket, *, timed: bool) -> bool:
        """Audio and key presses share the source's numbering (RFC 4733 §2.1), so both
        are counted, or the event packets would be reported lost."""
        if packet.ssrc != self._source_ssrc:
            self._new_source(packet.ssrc)
        now = asyncio.get_running_loop().time()
        return self.stats.update(packet.sequence, packet.timestamp, now, timed=timed)

    def _latch(self, source: tuple[str, int], packet: RtpPacket) -> None:
        if self.counters.latched_to is None:
            self.counters.latched_to = source
            self.remote = source

    def _new_source(self, ssrc: int) -> None:
        """The phone started another stream (a new SSRC: after a re-INVITE, a transfer, a
        restart): its numbering starts afresh (RFC 3550 §8), and so do the counters and
        the buffer; what the old stream lost is kept."""
        self.counters.earlier_lost += self.stats.lost
        self.counters.sources += 1
        self._source_ssrc = ssrc
        self.stats = ReceptionStats()
        self.buffer = JitterBuffer()
        self._reported = (0, 0)

    def _rtcp_received(self, data: bytes, source: tuple[str, int], *, muxed: bool = False) -> None:
        self.heard_at = asyncio.get_running_loop().time()
        counters = self.counters
        learn = (
            source[0] != self.remote[0] and counters.latched_to is None and self._rtcp_from is None
        )
        if source[0] != self.remote[0] and not learn:
            counters.foreign += 1
            return
        try:
            parse_rtcp(data)
        except RtpError:
            counters.malformed += 1
            return
        if learn:
            self._rtcp_from = source[0]
            self.remote = source if muxed else (source[0], source[1] - self._rtcp_distance)
        if self.rtcp_latched_to is None:
            self.rtcp_latched_to = (source, muxed)
            # The reports before went where the description said, which a phone behind
            # NAT names and nobody reaches: the next one goes at the next tick.
            self._report_at = 0.0
        counters.rtcp += 1

    @property
    def _rtcp_distance(self) -> int:
        """How far the phone's description puts its RTCP port from its RTP port."""
        return self._named_rtcp[1] - self._named[1]

    def rtcp_destination(self) -> tuple[tuple[str, int], bool]:
        """Where our RTCP goes, and whether from our RTP port (see the module's comment)."""
        if self.rtcp_latched_to is not None:
            return self.rtcp_latched_to
        if self.remote != self._named:
            return (self.remote[0], self.remote[1] + self._rtcp_distance), False
        return self._named_rtcp, False

    # ------------------------------------------------------------------ sending
    def send(self, payload: bytes) -> None:
        """One 20 ms frame of encoded audio to the phone: sent in the packets of the
        phone's packet time it completes (with 30 ms, two at one tick and none at the
        next; a phone's jitter buffer takes the 10 ms that moves them)."""
        if self.closed or not self.sending:
            return
        packets = self.packetiser.push(payload)
        if self.packetiser.samples == SAMPLES_PER_FRAME:
            for audio in packets:  # one a tick: the clock's own time
                self._send_audio(audio)
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        for audio in packets:
            at = self.pacer.due(now)
            if at <= now:
                self._send_waiting()  # those before it first, in order
                self._send_audio(audio)
                continue
            self._paced.append((at, audio))
            if self._pace_timer is None:
                self._pace_timer = loop.call_at(at, self._send_due)

    def _send_due(self) -> None:
        """The waiting packets whose time has come; the timer set for the next one."""
        self._pace_timer = None
        loop = asyncio.get_running_loop()
        paced = self._paced
        while paced and paced[0][0] <= loop.time() + PACE_SLACK:
            self._send_audio(paced.popleft()[1])
        if paced:
            self._pace_timer = loop.call_at(paced[0][0], self._send_due)

    def _send_waiting(self) -> None:
        """Every packet still waiting for its time, now (before a key press's events, a
        new codec or address, or a packet that goes at once)."""
        if self._pace_timer is not None:
            self._pace_timer.cancel()
            self._pace_timer = None
        while self._paced:
            self._send_audio(self._paced.popleft()[1])

    def _send_audio(self, audio: bytes) -> None:
        if not audio or self.closed or self._rtp is None or self._rtp.transport is None:
            return
        self._rtp.transport.sendto(self.stream.packet(audio, len(audio)), self.remote)
        self.counters.sent += 1

    def send_event(self, event: DtmfEvent, *, first: bool, last: bool) -> None:
        """One RFC 4733 packet of a key press: every packet of a press carries the
        press's start time, the first one the marker; after the ``last`` one the
        stream's time moves on by the press's duration (RFC 4733 §2.5.1)."""
        telephone_event = self.agreement.telephone_event
        if (
            telephone_event is None
            or self.closed
            or not self.sending
            or self._rtp is None
            or self._rtp.transport is None
        ):
            return
        # The audio before the press goes first, in a shorter packet: the event's time
        # starts where it ends (RFC 4733 §2.6: no audio and event at once).
        self._send_waiting()
        self._send_audio(self.packetiser.flush())
        stream = self.stream
        payload = event.serialize()
        packet = RtpPacket(
            telephone_event, stream.sequence, stream.timestamp, stream.ssrc, payload, first
        )
        stream.sequence = (stream.sequence + 1) & 0xFFFF
        stream.sent(payload)
        if last:
            stream.timestamp = (stream.timestamp + event.duration) & 0xFFFFFFFF
        self._rtp.transport.sendto(packet.serialize(), self.remote)
        self.counters.sent += 1

    def report(self, now: float) -> None:
        """A sender report every ``RTCP_INTERVAL`` while we send audio, else a receiver
        report while we receive (RFC 3550 §6.4); the first as soon as there is either."""
        if now < self._report_at or self._rtcp is None or self._rtcp.transport is None:
            return
        sending = self.stream.packets != self._sent_reported
        if not sending and self.stats.received == 0:
            return
        self._report_at = now + RTCP_INTERVAL
        block = (
            (self._source_ssrc or 0, self.stats, self._reported) if self.stats.received else None
        )
        if sending:
            report = sender_report(self.stream, time.time(), block)
        else:
            report = receiver_report(self.ssrc, self._source_ssrc or 0, self.stats, self._reported)
        report += source_description(self.ssrc, self.cname)
        self._reported = (self.stats.expected, self.stats.received)
        self._sent_reported = self.stream.packets
        destination, muxed = self.rtcp_destination()
        channel = self._rtp if muxed else self._rtcp
        if channel is not None and channel.transport is not None:
            channel.transport.sendto(report, destination)
