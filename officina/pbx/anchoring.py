"""Which calls' media pass through rtpengine, and the NG commands the proxy sends for them.

A browser (WebSocket, DTLS-SRTP) and a SIP phone (plain RTP) cannot hear each other
directly: such a call always passes through rtpengine, which bridges the two kinds of
leg. Between two plain phones the media go straight from one to the other, unless
``MEDIA_ANCHORING`` says otherwise: ``always``, or ``nat`` (the default) when either
party looks NATed, so that two members working from two homes hear each other.
Between two browsers the media stay peer to peer.

The proxy is a set of callbacks on one event loop and must never wait: every NG
command runs as a task, and what the proxy does with its answer comes in a callback.
Commands about one INVITE's responses run one after the other (``in_order``), so the
caller sees a 180 with SDP before the 200 even when rtpengine answers the second
first.
"""

from __future__ import annotations

import asyncio
import enum
import io
import ipaddress
import logging
import wave
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from functools import partial

import numpy as np

from officina.pbx.bindings import Binding
from officina.pbx.rtpengine import Leg, RtpEngine, RtpEngineError
from officina.pbx.transports.base import WS, WSS
from officina.sip import SipParseError, SipUri
from officina.sip.sdp import SdpParseError, SessionDescription
from officina.sip.uri import parse_uri

logger = logging.getLogger("officina.pbx.anchoring")

# About eleven hours of the four-second hold music: until the call resumes or ends.
HOLD_MUSIC_REPEATS = 10_000
HOLD_ADDRESS = "0.0.0.0"  # noqa: S104 (an SDP address, not a socket's)
# The Warning text a caller gets when rtpengine does not answer.
MEDIA_RELAY_UNAVAILABLE = "media relay unavailable"
# The Warning text of a 480 whose callee has phones, none able to take the caller's media
# without rtpengine (a browser calling plain phones only, or the other way round).
NO_MEDIA_BRIDGE = "no phone of the callee can take this call without a media bridge"

# (rewritten SDP or None when there was nothing to rewrite, the error if rtpengine failed)
Rewritten = Callable[[bytes | None, RtpEngineError | None], None]


class Anchoring(enum.StrEnum):
    """When a call between two plain phones goes through rtpengine."""

    NEVER = "never"
    NAT = "nat"  # when either party looks NATed
    ALWAYS = "always"


def leg_for(transport: str) -> Leg:
    """A device on a WebSocket is a browser; anything else speaks plain RTP."""
    return Leg.WEBRTC if transport.upper() in (WS, WSS) else Leg.PLAIN


def rings_without_rtpengine(caller_transport: str, device_transport: str) -> bool:
    """Can a device take a caller's call with no rtpengine to bridge them? Only when both
    speak the same media: a browser (WebRTC only) cannot take a plain RTP phone's call,
    nor the PBX's desk's (it offers plain RTP), and a plain phone cannot take a browser's
    (it answers DTLS-SRTP with plain RTP, and nobody hears anything)."""
    return leg_for(caller_transport) is leg_for(device_transport)


def is_sdp(content_type: str | None, body: bytes) -> bool:
    return bool(body) and (content_type or "").split(";")[0].strip().lower() == "application/sdp"


def sdp_looks_natted(sdp: bytes, source_host: str) -> bool:
    """Does an SDP name another address than the one its SIP came from?

    A phone behind NAT writes its private address, which nobody outside can reach;
    0.0.0.0 (an old way to hold) says nothing either way.
    """
    try:
        description = SessionDescription.parse(sdp)
    except SdpParseError:
        return False
    addresses = {description.media_address(index)[0] for index in range(len(description.media))}
    return any(address not in (None, HOLD_ADDRESS, source_host) for address in addresses)


def puts_on_hold(sdp: bytes) -> bool:
    """Does an offer hold the other party (its audio sendonly or inactive, or the old
    way: connection address 0.0.0.0)?"""
    try:
        description = SessionDescription.parse(sdp)
    except SdpParseError:
        return False
    for index, media in enumerate(description.media):
        if media.media != "audio":
            continue
        direction = media.direction or description.direction
        if direction in ("sendonly", "inactive"):
            return True
        if description.media_address(index)[0] == HOLD_ADDRESS:
            return True
    return False


# Chromium gives the track of an audio stream the RTP of sources (SSRCs) no ``a=ssrc``
# line names, but only the latest new such source's: when rtpengine's hold music (a source
# of its own) ends and the other party's RTP comes again, from the source the browser had
# before the hold, the track stays on the music's and the browser hears nothing. Chromium
# forgets every such source when a remote description without ``a=msid`` follows one with
# it. So an offer holding a browser names the stream, and the resume, which does not, makes
# Chromium take the other party's RTP as a new source.
HELD_STREAM_MSID = "officina-held officina-held-audio"


def naming_the_held_stream(sdp: bytes) -> bytes:
    """A hold offer rewritten for a browser, with an ``a=msid`` line in each audio stream
    (unchanged when it already names one, or cannot be read)."""
    try:
        description = SessionDescription.parse(sdp)
    except SdpParseError:
        return sdp
    audio = [media for media in description.media if media.media == "audio" and media.port]
    if not audio or any(media.attribute("msid") is not None for media in audio):
        return sdp
    for media in audio:
        media.lines.append(("a", f"msid:{HELD_STREAM_MSID}"))
    return description.serialize()


def default_hold_music() -> bytes:
    """Four seconds of a soft chime (C5 E5 G5 E5), an 8 kHz 16-bit WAV: what a held
    party hears while no music of the company's own exists."""
    rate = 8000
    notes = []
    for frequency in HOLD_MUSIC_NOTES:
        time = np.arange(int(rate * 0.6)) / rate
        envelope = np.exp(-3.0 * time)  # struck, then fading
        notes.append(0.25 * envelope * np.sin(2 * np.pi * frequency * time))
        notes.append(np.zeros(int(rate * 0.4)))
    samples = (np.concatenate(notes) * 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return out.getvalue()


HOLD_MUSIC_NOTES = (523.25, 659.25, 783.99, 659.25)


def binding_looks_natted(binding: Binding) -> bool:
    """Did the device register with a Contact naming another host than it sent from?"""
    try:
        uri = parse_uri(binding.contact_uri)
    except SipParseError:
        return True
    if not isinstance(uri, SipUri):
        return True
    host = uri.host.strip("[]")
    if host == binding.received_host:
        return False
    try:
        # A private contact reached from a private source: the same network, no NAT
        # to see from here (an office LAN with the PBX on it).
        return not (
            ipaddress.ip_address(host).is_private
            and ipaddress.ip_address(binding.received_host).is_private
        )
    except ValueError:
        return True  # a name: it cannot be told, so take the safe way


@dataclass(slots=True)
class LateOffer:
    """An offer that came in a response to an INVITE without one (RFC 3261 §13.2.1): its
    answer comes in the ACK, and goes to rtpengine as the answer to that offer."""

    cseq: int  # the INVITE's (the ACK's) as its sender numbered it
    offerer_tag: str
    answerer_tag: str
    towards: Leg  # the offerer's leg, where the answer goes
    via_branch: str = ""
    answer: bytes | None = None  # rewritten, for a retransmitted ACK


@dataclass(slots=True)
class AnchoredCall:
    """An answered call whose media pass through rtpengine: how to send its re-INVITEs."""

    caller_tag: str
    caller_leg: Leg
    callee_leg: Leg

    def towards(self, from_tag: str | None) -> tuple[Leg, Leg]:
        """(the leg the request goes to, the leg it came from) for a request from
        ``from_tag``'s side."""
        if from_tag == self.caller_tag:
            return self.callee_leg, self.caller_leg
        return self.caller_leg, self.callee_leg


class MediaAnchor:
    """The PBX's side of one rtpengine: which calls go through it, and their commands."""

    def __init__(
        self,
        engine: RtpEngine,
        anchoring: Anchoring = Anchoring.NAT,
        hold_music_file: Callable[[str], str | None] | None = None,
    ) -> None:
        self.engine = engine
        self.anchoring = anchoring
        # The holder's number -> the file of their company's music, None for the chime.
        # It reads the database: it runs on the loop's executor, once per hold.
        self.hold_music_file = hold_music_file
        self.calls: dict[str, AnchoredCall] = {}  # Call-ID -> an answered anchored call
        self.desk_calls: set[str] = set()  # browsers' calls the PBX answered itself
        # Call-ID -> (the tag of the party hearing hold music, the tag of the one holding)
        self.held: dict[str, tuple[str, str]] = {}
        self.late_offers: dict[str, LateOffer] = {}  # Call-ID -> the offer an ACK answers
        self.hold_music = default_hold_music()
        self._queues: dict[Hashable, asyncio.Task[None]] = {}

    def legs(
        self,
        caller_transport: str,
        caller_host: str,
        content_type: str | None,
        offer: bytes,
        callee: Binding,
        callee_transport: str,
    ) -> tuple[Leg, Leg] | None:
        """(caller's leg, callee's leg) when this fork's media go through rtpengine.

        An INVITE without an offer (a late offer: the callee offers in its answer, the
        caller answers in the ACK) is decided the same way, save that there is no SDP
        whose address could tell that the caller is NATed."""
        caller_leg, callee_leg = leg_for(caller_transport), leg_for(callee_transport)
        if caller_leg is not callee_leg:
            return caller_leg, callee_leg
        if caller_leg is Leg.WEBRTC or self.anchoring is Anchoring.NEVER:
            return None
        if self.anchoring is Anchoring.ALWAYS:
            return caller_leg, callee_leg
        offered = is_sdp(content_type, offer)
        if (offered and sdp_looks_natted(offer, caller_host)) or binding_looks_natted(callee):
            return caller_leg, callee_leg
        return None

    def offer_in_response(
        self,
        call_id: str,
        cseq: int,
        tags: tuple[str, str],
        sdp: bytes,
        legs: tuple[Leg, Leg],
        via_branch: str = "",
    ) -> Awaitable[bytes]:
        """The NG offer for an SDP that came in a response to an INVITE without one:
        ``tags`` are (the responder's, the INVITE sender's), ``legs`` (the INVITE
        sender's, the responder's). The answer will come in the sender's ACK (``cseq``
        the INVITE's): ``answer_in_ack`` rewrites it."""
        offerer, answerer = tags
        self.late_offers[call_id] = LateOffer(cseq, offerer, answerer, legs[1], via_branch)
        return self.engine.offer(
            call_id, offerer, sdp, legs[0], to_tag=answerer, via_branch=via_branch
        )

    def answer_in_ack(
        self, call_id: str, cseq: int, sdp: bytes, then: Callable[[bytes], None]
    ) -> bool:
        """Rewrite the answer an ACK carries to a late offer, then ``then`` with the SDP to
        send (the ACK's own when rtpengine failed: logged). False when the ACK answers
        no late offer of this call. A retransmitted ACK gets the same rewritten SDP."""
        late = self.late_offers.get(call_id)
        if late is None or late.cseq != cseq:
            return False
        if late.answer is not None:
            then(late.answer)
            return True
        answer = self.engine.answer(
            call_id, late.offerer_tag, late.answerer_tag, sdp, late.towards,
            via_branch=late.via_branch,
        )  # fmt: skip

        def rewritten(rewritten_sdp: bytes | None, error: RtpEngineError | None) -> None:
            if error is not None or rewritten_sdp is None:
                logger.error("call %s: rtpengine failed on an ACK's answer: %s", call_id, error)
                then(sdp)
                return
            late.answer = rewritten_sdp
            then(rewritten_sdp)

        self.in_order(call_id, answer, rewritten)
        return True

    def in_order(self, key: Hashable, work: Awaitable[bytes] | None, then: Rewritten) -> None:
        """Run ``work`` (an NG command) after the earlier work of ``key``, then ``then``
        with its result; ``work`` None keeps a message's place in the order."""
        previous = self._queues.get(key)

        async def run() -> None:
            if previous is not None:
                await asyncio.wait([previous])
            sdp: bytes | None = None
            error: RtpEngineError | None = None
            try:
                if work is not None:
                    sdp = await work
            except RtpEngineError as failure:
                error = failure
            try:
                then(sdp, error)
            except Exception:
                logger.exception("handling rtpengine's answer failed")

        task = asyncio.get_running_loop().create_task(run())
        self._queues[key] = task

        def done(finished: asyncio.Task[None]) -> None:
            if self._queues.get(key) is finished:
                del self._queues[key]

        task.add_done_callback(done)

    def answered(self, call_id: str, caller_tag: str, legs: tuple[Leg, Leg]) -> None:
        self.calls[call_id] = AnchoredCall(caller_tag, *legs)

    def hold(self, call_id: str, held_tag: str, holder_tag: str, holder_number: str = "") -> None:
        """Play hold music to the party ``held_tag`` names (rtpengine's ``play media``,
        repeated until ``resume``), instead of what the holder still sends (a browser
        holding with "sendonly" goes on sending its microphone): the music of the
        holder's company when it has its own, else the built-in chime."""
        self.held[call_id] = (held_tag, holder_tag)

        async def play() -> bytes:
            music = await self._music_of(holder_number)
            await self.engine.command("block media", **{"call-id": call_id, "from-tag": holder_tag})
            await self.engine.command(
                "play media", **{"call-id": call_id, "from-tag": held_tag, **music,
                                 "repeat-times": HOLD_MUSIC_REPEATS}
            )  # fmt: skip
            return b""

        self.in_order(call_id, play(), partial(_log_failure, "play hold music", call_id))

    async def _music_of(self, holder_number: str) -> dict[str, str | bytes]:
        """``play media``'s source: a company's music as a ``file`` (rtpengine reads it
        from the site's media folder; a blob travels in one UDP datagram, under 64 KB, four
        seconds of WAV), the chime as a ``blob``."""
        if self.hold_music_file is not None and holder_number:
            loop = asyncio.get_running_loop()
            try:
                path = await loop.run_in_executor(None, self.hold_music_file, holder_number)
            except Exception:
                logger.exception("reading %s's hold music failed: the chime plays", holder_number)
                path = None
            if path is not None:
                return {"file": path}
        return {"blob": self.hold_music}

    def resume(self, call_id: str) -> None:
        tags = self.held.pop(call_id, None)
        if tags is None:
            return
        held_tag, holder_tag = tags

        async def stop() -> bytes:
            await self.engine.command("stop media", **{"call-id": call_id, "from-tag": held_tag})
            await self.engine.command(
                "unblock media", **{"call-id": call_id, "from-tag": holder_tag}
            )
            return b""

        self.in_order(call_id, stop(), partial(_log_failure, "stop hold music", call_id))

    def end(self, call_id: str) -> None:
        """Free the call's media in rtpengine (every fork's), after the call's earlier
        commands (a new offer for the same call may follow); a failure is logged."""
        self.calls.pop(call_id, None)
        self.desk_calls.discard(call_id)
        self.held.pop(call_id, None)
        self.late_offers.pop(call_id, None)

        async def delete() -> bytes:
            await self.engine.delete(call_id)
            return b""

        def deleted(_nothing: bytes | None, error: RtpEngineError | None) -> None:
            if error is not None:
                # rtpengine forgets a call by itself once its media stop (its timeout).
                logger.warning("rtpengine did not delete call %s: %s", call_id, error)

        self.in_order(call_id, delete(), deleted)

    def close(self) -> None:
        for task in self._queues.values():
            task.cancel()
        self.engine.close()


def _log_failure(
    what: str, call_id: str, _nothing: bytes | None, error: RtpEngineError | None
) -> None:
    if error is not None:
        logger.warning("rtpengine did not %s in call %s: %s", what, call_id, error)
