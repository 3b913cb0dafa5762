"""One WebRTC leg between the PBX and a browser (ICE, DTLS-SRTP, Opus or G.711), with
aiortc, presented to the desk's calls as an RTP session is.

The calls (leaving a message, listening, a menu, a conference room) read 20 ms
G.711 frames from ``buffer`` and hand 20 ms G.711 frames to ``send``, on the media
clock. This leg speaks μ-law to them whatever the browser chose: what aiortc
decodes (Opus at 48 kHz, or G.711) is resampled to 8 kHz, cut into 160-sample
frames and put in the same jitter buffer an RTP session fills; what the calls
send is decoded and queued for aiortc's sender, which encodes it in the agreed
codec. μ-law costs nothing audible here: the calls work at 8 kHz anyway, and
PCMU from the browser passes through unchanged (μ-law decoded and encoded again
is the same bytes).

aiortc paces nothing that it sends: its sender asks the track for the next frame
as soon as it sent one. Our track waits for the media clock's next frame, so the
desk's clock stays the one clock of the call. The queue between them is short
and drops its oldest frame when full (a sender that stalled must not make the
call's audio lag behind for the rest of the call).

ICE: one host candidate, on a port of the PBX's media range at the PBX's media
address (the one a plain answer names; not every interface of the machine, and
never a STUN server's idea of us); aiortc answers, so the browser is the controlling agent. There is
no telephone-event in aiortc: the browser sends keys as SIP INFO
(``application/dtmf-relay``), which the desk reads on the dialog.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import random
import socket
from dataclasses import dataclass

import numpy as np
from aioice.candidate import Candidate, candidate_foundation, candidate_priority
from aioice.ice import Connection, StunProtocol
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCSessionDescription,
)
from aiortc import sdp as aiortc_sdp
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame, AudioResampler

from officina.pbx.media.g711 import Samples, decode, encode
from officina.pbx.media.session import SAMPLES_PER_FRAME, MediaCounters
from officina.sip.rtp import PCMU, JitterBuffer, ReceptionStats, RtpPacket
from officina.sip.sdp import AudioAgreement, Codec, SdpParseError, SessionDescription

logger = logging.getLogger("officina.pbx.media")

RATE = 8000
# The codecs we answer with, best first: Opus (what every browser prefers), then G.711.
PREFERRED_CODECS = ("audio/opus", "audio/PCMU", "audio/PCMA")
# 20 ms frames waiting for aiortc's sender; more means the sender stalled.
OUTGOING_FRAMES_MAX = 5
# What the calls are given to read and write: μ-law, whatever the browser agreed.
INNER_CODEC = Codec(str(PCMU), "PCMU", RATE)


class WebRtcRefused(Exception):
    """The offer cannot be answered (malformed, no ICE or DTLS, no codec of ours): 488."""


def webrtc_offered(body: bytes) -> bool:
    """Whether an INVITE's SDP is a browser's: DTLS-SRTP (``UDP/TLS/RTP/SAVPF``) audio,
    which the desk answers with aiortc. Unreadable SDP is not (the desk refuses it)."""
    try:
        remote = SessionDescription.parse(body)
    except SdpParseError:
        return False
    audio = [media for media in remote.media if media.media == "audio" and media.port != 0]
    return bool(audio) and all("TLS/RTP/SAVP" in media.proto for media in audio)


# Bytes of each fingerprint hash DTLS-SRTP offers may name (RFC 8122; SHA-1 is obsolete).
FINGERPRINT_BYTES = {"sha-256": 32, "sha-384": 48, "sha-512": 64}


def _check_dtls(sdp: str) -> None:
    """The offer's audio names a DTLS certificate fingerprint we can check.

    aiortc answers an offer without one and only fails when DTLS starts, after our
    200: the caller would have a call with no sound. Refused here instead."""
    description = aiortc_sdp.SessionDescription.parse(sdp)
    for media in description.media:
        if media.kind != "audio" or media.port == 0:
            continue
        fingerprints = media.dtls.fingerprints if media.dtls is not None else []
        for fingerprint in fingerprints:
            size = FINGERPRINT_BYTES.get(fingerprint.algorithm.lower())
            octets = fingerprint.value.split(":")
            if (
                size is not None
                and len(octets) == size
                and all(
                    len(octet) == 2 and all(c in "0123456789abcdefABCDEF" for c in octet)
                    for octet in octets
                )
            ):
                return
    raise WebRtcRefused("no DTLS fingerprint (sha-256, sha-384 or sha-512) on the audio stream")


def _said(error: Exception) -> str:
    return str(error) or type(error).__name__


def _answered_codec(sdp: str) -> str:
    """The codec our answer put first on its audio stream ("" when it accepted none)."""
    try:
        described = SessionDescription.parse(sdp.encode())
    except SdpParseError:
        return ""
    for media in described.media:
        if media.media == "audio" and media.port != 0:
            codecs = media.codecs()
            return codecs[0].name if codecs else ""
    return ""


class _OutgoingAudio(MediaStreamTrack):
    """What the call plays, frame by frame as the media clock hands them over."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._frames: asyncio.Queue[AudioFrame] = asyncio.Queue(maxsize=OUTGOING_FRAMES_MAX)
        self._pts = 0
        self.dropped = 0

    def put(self, samples: Samples) -> None:
        frame = AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.time_base = fractions.Fraction(1, RATE)
        frame.pts = self._pts
        self._pts += len(samples)
        if self._frames.full():
            self._frames.get_nowait()
            self.dropped += 1
        self._frames.put_nowait(frame)

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        return await self._frames.get()


@dataclass(slots=True)
class WebRtcCounters(MediaCounters):
    """An RTP session's counters, and what only this leg sees."""

    frames_received: int = 0
    send_dropped: int = 0


class WebRtcSession:
    """A browser's leg: the interface of ``RtpSession`` (``buffer``, ``send``,
    ``payload_type``, ``agreement``, ``counters``, ``report``, ``close``) over aiortc."""

    def __init__(self, rtp_socket: socket.socket, rtcp_socket: socket.socket, address: str) -> None:
        self.local_port: int = rtp_socket.getsockname()[1]
        # Where browsers reach our media: the address a plain answer's c= line names (the
        # PBX's advertised one; the socket itself may be bound to every interface).
        self.host = address
        self._socket = rtp_socket
        self._socket_given = False  # to aioice, which closes it with the connection
        # WebRTC multiplexes RTCP on the RTP port (RFC 5761): the neighbour is only held
        # so that the range's pairs stay whole.
        rtcp_socket.close()
        self.counters = WebRtcCounters()
        self.stats = ReceptionStats()
        self.buffer = JitterBuffer()
        self.payload_type = PCMU
        self.agreement = AudioAgreement("", 0, INNER_CODEC, None, "sendrecv")
        self.codec = ""  # what the browser and we agreed (opus, PCMU, PCMA)
        self.closed = False
        self._outgoing = _OutgoingAudio()
        self._peer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self._receiving: asyncio.Task[None] | None = None
        self._sequence = random.getrandbits(16)
        self._timestamp = random.getrandbits(32)
        self._ssrc = random.getrandbits(32)
        self._pending = np.zeros(0, dtype=np.int16)

    async def answer(self, offer: bytes) -> str:
        """The SDP answer to the browser's offer; WebRtcRefused when there is none."""
        peer = self._peer
        try:
            # Our audio transceiver exists before the offer is read, so that aiortc
            # matches the offer's audio to it and agrees the codecs in our order (it
            # negotiates them while reading the offer).
            transceiver = peer.addTransceiver(self._outgoing, direction="sendrecv")
            capabilities = RTCRtpReceiver.getCapabilities("audio")
            transceiver.setCodecPreferences(
                [
                    codec
                    for name in PREFERRED_CODECS
                    for codec in (capabilities.codecs if capabilities else [])
                    if codec.mimeType.lower() == name.lower()
                ]
            )
            await self._read_offer(offer)
            if transceiver.mid is None:
                raise WebRtcRefused("no audio stream offered")
            for other in peer.getTransceivers():
                if other is not transceiver:
                    other.direction = "inactive"  # a camera offered too: audio only
            sdp = await self._make_answer(first=True)
        except WebRtcRefused:
            raise
        except Exception as error:
            # aiortc reads a stranger's SDP with asserts, ValueErrors, KeyErrors and its
            # own errors alike: whatever it could not take is an offer we cannot answer.
            raise WebRtcRefused(f"WebRTC offer not answerable: {_said(error)}") from error
        self.codec = _answered_codec(sdp)
        if self.codec.lower() not in (name.split("/")[1].lower() for name in PREFERRED_CODECS):
            raise WebRtcRefused("no audio codec of ours offered (Opus, PCMU, PCMA)")
        # The browser's track exists once its offer is read (aiortc's "track" event has
        # fired by now).
        self._receiving = asyncio.get_running_loop().create_task(
            self._receive(transceiver.receiver.track)
        )
        return sdp

    async def renegotiate(self, offer: bytes) -> str:
        """The answer to a re-INVITE's offer (hold, resume, a new microphone): the same
        transports, the directions and codecs the new offer asks for."""
        try:
            await self._read_offer(offer)
            return await self._make_answer(first=False)
        except WebRtcRefused:
            raise
        except Exception as error:
            raise WebRtcRefused(f"WebRTC re-offer not answerable: {_said(error)}") from error

    async def _read_offer(self, offer: bytes) -> None:
        try:
            text = offer.decode("utf-8")
        except UnicodeDecodeError as error:
            raise WebRtcRefused("the offer is not UTF-8") from error
        _check_dtls(text)
        await self._peer.setRemoteDescription(RTCSessionDescription(sdp=text, type="offer"))

    async def _make_answer(self, *, first: bool) -> str:
        peer = self._peer
        answer = await peer.createAnswer()
        if answer is None:
            raise WebRtcRefused("no answer to the offer")
        if first:
            await self._gather_on_media_port()
        await peer.setLocalDescription(answer)
        return str(peer.localDescription.sdp)

    async def _gather_on_media_port(self) -> None:
        """Our one host candidate, on the port the media range gave this call.

        aioice gathers on every interface of the machine with ports of the system's
        choosing; a PBX behind a firewall opens its media range on one address. So the
        candidate is put in place before aiortc asks for candidates, and its gathering
        then finds the work done (aioice's attributes: a test checks the answer names
        only this address and port)."""
        transceiver = next(t for t in self._peer.getTransceivers() if t.kind == "audio")
        connection: Connection = transceiver.receiver.transport.transport.iceGatherer._connection
        loop = asyncio.get_running_loop()
        _transport, protocol = await loop.create_datagram_endpoint(
            lambda: StunProtocol(connection), sock=self._socket
        )
        self._socket_given = True
        protocol.local_candidate = Candidate(
            foundation=candidate_foundation("host", "udp", self.host),
            component=1,
            transport="udp",
            priority=candidate_priority(1, "host"),
            host=self.host,
            port=self.local_port,
            type="host",
        )
        connection._protocols.append(protocol)
        connection._local_candidates.append(protocol.local_candidate)
        connection._local_candidates_start = True
        connection._local_candidates_end = True

    async def start(self) -> None:
        """Nothing more to open: ``answer`` did (the same call as an RTP session's)."""

    # ------------------------------------------------------------------ receiving
    async def _receive(self, track: MediaStreamTrack) -> None:
        resampler = AudioResampler(format="s16", layout="mono", rate=RATE)
        while not self.closed:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if not isinstance(frame, AudioFrame):
                continue
            for resampled in resampler.resample(frame):
                self._take(resampled.to_ndarray().reshape(-1).astype(np.int16))

    def _take(self, samples: Samples) -> None:
        """Resampled audio, cut into the calls' frames and put in the jitter buffer as
        the μ-law packets an RTP session would have received."""
        pending = np.concatenate((self._pending, samples))
        now = asyncio.get_running_loop().time()
        while len(pending) >= SAMPLES_PER_FRAME:
            frame, pending = pending[:SAMPLES_PER_FRAME], pending[SAMPLES_PER_FRAME:]
            packet = RtpPacket(
                PCMU, self._sequence, self._timestamp, self._ssrc, encode(frame, PCMU)
            )
            self._sequence = (self._sequence + 1) & 0xFFFF
            self._timestamp = (self._timestamp + SAMPLES_PER_FRAME) & 0xFFFFFFFF
            self.counters.frames_received += 1
            if self.stats.update(packet.sequence, packet.timestamp, now):
                self.buffer.push(packet, now)
        self._pending = pending

    # ------------------------------------------------------------------ sending
    def agree(self, agreement: AudioAgreement) -> None:
        """A plain re-offer does not apply to a WebRTC leg: the desk keeps the leg as it
        was agreed (see ``MediaDesk._reinvite``)."""

    def send(self, payload: bytes) -> None:
        """One 20 ms frame of μ-law from the call, for aiortc to encode and send."""
        if self.closed:
            return
        self._outgoing.put(decode(payload, PCMU))
        self.counters.sent += 1
        self.counters.send_dropped = self._outgoing.dropped

    def report(self, now: float) -> None:
        """aiortc sends its own RTCP."""

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._outgoing.stop()
        if self._receiving is not None:
            self._receiving.cancel()
        if not self._socket_given:  # refused before ICE had it: still ours to close
            self._socket.close()
        task = asyncio.get_running_loop().create_task(self._peer.close())
        _CLOSING.add(task)
        task.add_done_callback(_CLOSING.discard)


# Closing a peer connection awaits its transports: held here until done (the loop keeps
# only weak references to tasks).
_CLOSING: set[asyncio.Task[None]] = set()
