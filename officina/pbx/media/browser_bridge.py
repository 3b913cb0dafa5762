"""A browser's WebRTC leg joined to a plain-RTP leg by the desk, for a call whose two
sides the PBX keeps back to back, with no rtpengine to bridge the two kinds of media:
click-to-call answered in the browser phone, and a call between a browser and plain phones
(``bridged_calls.py``).

The browser's offer (its 200 to the PBX's INVITE without SDP) is answered with aiortc
(``WebRtcSession``, ``webrtc.py``), and the other side is offered plain G.711 on a port
of the desk's range (``offer``). Once the other side answers (``other_answered``), the
two sessions are a ``BridgedCall`` on the desk's media clock (a plain phone calling a
browser: ``open_answering`` takes the phone's offer and the browser's, from its 200 to an
INVITE without one, and answers both): each tick what one side's
jitter buffer releases goes to the other, key presses go across (the browser's come as
SIP INFO, the other side's as RFC 4733 events or INFO), and a side that holds has the
other hear the hold music of its company (the chime until it is read), as in the
attendant's own put-through.

Each side's later offers are answered here, never passed to the other side (which
could not read them): the browser's by aiortc on the same transports
(``browser_offers``), the other side's on the same port, its direction mirrored
(``other_offers``; ``recvonly`` to a hold). A re-INVITE of the other side without an
offer gets ours again (``offer_again``), its answer coming in the ACK
(``other_answers``). ``close`` ends the relaying and frees both ports; it is safe to call
at any stage, and more than once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING

from officina.pbx.anchoring import HOLD_ADDRESS, puts_on_hold
from officina.pbx.media.bridge import BridgedCall
from officina.pbx.media.session import RtpSession
from officina.pbx.media.webrtc import WebRtcRefused, WebRtcSession
from officina.sip.sdp import (
    AudioAgreement,
    Codec,
    SdpParseError,
    SessionDescription,
    answer,
    audio_agreement,
    offer,
)

if TYPE_CHECKING:
    import socket

    from officina.pbx.media.hold import HoldStreams
    from officina.pbx.media.ports import MediaPorts

logger = logging.getLogger("officina.pbx.media")

# The laws the other side is offered, μ-law first: the browser's leg speaks μ-law to the
# calls (``webrtc.INNER_CODEC``), so a side that takes it needs no re-encoding.
PLAIN_CODECS = (Codec("0", "PCMU", 8000), Codec("8", "PCMA", 8000))


def offers_webrtc(sdp: bytes) -> bool:
    """Is ``sdp`` a browser's offer (DTLS-SRTP: ``UDP/TLS/RTP/SAVPF``), not plain RTP?"""
    try:
        description = SessionDescription.parse(sdp)
    except SdpParseError:
        return True  # aiortc says what is wrong with it
    return any("TLS" in media.proto.upper() for media in description.media)


def answered_agreement(local: SessionDescription, remote: SessionDescription) -> AudioAgreement:
    """What our answer ``local`` to ``remote``'s offer settles, the direction the offer's
    (a phone that holds, ``sendonly`` or ``inactive``, is sent nothing)."""
    agreement = audio_agreement(local, remote)
    for index, media in enumerate(remote.media):
        if media.media == "audio":
            held = remote.media_address(index)[0] == HOLD_ADDRESS  # RFC 2543's hold
            direction = "inactive" if held else media.direction or remote.direction
            return agreement._replace(direction=direction)
    return agreement


class BrowserBridge:
    """One browser leg and one plain leg, the desk's media in between (see the module's
    text). ``browser_number`` and ``other_number`` choose the hold music each side's
    hold plays to the other (their company's)."""

    def __init__(
        self,
        ports: MediaPorts,
        address: str,
        holds: HoldStreams,
        relays: set[BridgedCall],
        background: Callable[[Coroutine[object, object, None]], None],
        *,
        browser_number: str,
        other_number: str,
    ) -> None:
        self.ports = ports
        self.address = address
        self.holds = holds
        self.relays = relays  # the desk's: what its clock ticks
        self.background = background
        self.browser_number = browser_number
        self.other_number = other_number
        self.browser: WebRtcSession | None = None
        self.browser_answer = b""  # aiortc's answer to the browser's first offer
        self.plain: tuple[socket.socket, socket.socket] | None = None
        self.plain_port = 0
        self.plain_sdp: SessionDescription | None = None  # our last description there
        self.other: RtpSession | None = None
        self.call: BridgedCall | None = None
        # A plain phone's call that the browser's forwarding (or its voicemail) had
        # answered by plain RTP in its 200: that side's session and our description there.
        self.answerer: RtpSession | None = None
        self.answerer_sdp: SessionDescription | None = None
        self.closed = False
        # Told when the relaying fails on the media clock (not when ``close`` is called):
        # the owner ends both legs.
        self.on_failure: Callable[[], None] = lambda: None

    # ------------------------------------------------------------------ opening
    async def open(self, browser_offer: bytes) -> bytes:
        """Answer the browser's offer (kept in ``browser_answer``, for the ACK once the
        other side answers) and open the plain side: our offer to the other side.
        Raises ``WebRtcRefused`` for an offer aiortc cannot answer and ``NoMediaPort``
        when the range is used up; nothing stays open then."""
        try:
            rtp, rtcp = self.ports.open()
            self.browser = WebRtcSession(rtp, rtcp, self.address)
            self.browser_answer = (await self.browser.answer(browser_offer)).encode()
            if self.closed:  # the call ended while aiortc answered
                raise WebRtcRefused("the call ended before its media were ready")
            self.plain = self.ports.open()
        except BaseException:
            self.close()
            raise
        self.plain_port = self.plain[0].getsockname()[1]
        self.plain_sdp = offer(
            address=self.address,
            port=self.plain_port,
            codecs=PLAIN_CODECS,
            session_id=str(self.plain_port),
        )
        return self.plain_sdp.serialize()

    async def open_answering(self, other_offer: bytes, browser_offer: bytes) -> bytes:
        """The other way round: the other side called with ``other_offer`` and the
        browser, called without an offer, offered ``browser_offer`` in its 200. The
        browser's answer is kept in ``browser_answer`` (for its ACK); returns our answer
        to the other side, and the relaying starts. Raises ``WebRtcRefused``,
        ``NoMediaPort`` or SdpParseError (the other side's offer has no G.711 audio);
        nothing stays open then.

        The 200 may come from no browser at all: the member's forwarding or voicemail
        answered the call the desk placed, offering plain RTP. Then both sides are
        answered on plain ports of ours and relayed as they are
        (``_open_plain_answering``)."""
        if not offers_webrtc(browser_offer):
            return self._open_plain_answering(other_offer, browser_offer)
        try:
            remote = SessionDescription.parse(other_offer)
            rtp, rtcp = self.ports.open()
            self.browser = WebRtcSession(rtp, rtcp, self.address)
            self.browser_answer = (await self.browser.answer(browser_offer)).encode()
            if self.closed:
                raise WebRtcRefused("the call ended before its media were ready")
            self.plain = self.ports.open()
            self.plain_port = self.plain[0].getsockname()[1]
            local = answer(
                remote, address=self.address, ports=[self.plain_port],
                session_id=str(self.plain_port),
            )  # fmt: skip
        except BaseException:
            self.close()
            raise
        self.plain_sdp = local
        self.other = RtpSession(*self.plain, answered_agreement(local, remote), self.other_digit)
        self.plain = None
        self._relay()
        self._holds("onward", puts_on_hold(other_offer))
        return local.serialize()

    def _open_plain_answering(self, other_offer: bytes, answerer_offer: bytes) -> bytes:
        """Both sides plain: each offer answered on a port of ours (the answerer's
        answer kept in ``browser_answer``, for the ACK), relayed on the desk's clock."""
        opened: list[tuple[socket.socket, socket.socket]] = []
        try:
            remote = SessionDescription.parse(other_offer)
            answerer_remote = SessionDescription.parse(answerer_offer)
            opened.append(self.ports.open())
            opened.append(self.ports.open())
            other_port, answerer_port = (pair[0].getsockname()[1] for pair in opened)
            local = answer(
                remote, address=self.address, ports=[other_port], session_id=str(other_port)
            )
            answerer_local = answer(
                answerer_remote, address=self.address, ports=[answerer_port],
                session_id=str(answerer_port),
            )  # fmt: skip
        except BaseException:
            for pair in opened:
                self._release(pair)
            self.close()
            raise
        self.plain_port, self.plain_sdp = other_port, local
        self.other = RtpSession(*opened[0], answered_agreement(local, remote), self.other_digit)
        self.answerer_sdp = answerer_local
        self.answerer = RtpSession(
            *opened[1], answered_agreement(answerer_local, answerer_remote), self.digit
        )
        self.browser_answer = answerer_local.serialize()
        self.call = BridgedCall(self.answerer, self.other, on_done=self._finished)
        self.call.music = self.holds.chime
        self.relays.add(self.call)
        self.background(self.answerer.start())
        self.background(self.other.start())
        self._holds("onward", puts_on_hold(other_offer))
        return local.serialize()

    def other_answered(self, sdp: bytes) -> bytes:
        """The other side's answer to our offer: the relaying starts. Returns the answer
        for the browser (its ACK's). Raises SdpParseError when the answer has no usable
        G.711 audio."""
        assert self.browser is not None and self.plain is not None and not self.closed
        remote = SessionDescription.parse(sdp)
        agreement = audio_agreement(remote, remote)
        self.other = RtpSession(*self.plain, agreement, self.other_digit)
        self.plain = None  # the session has the sockets now
        self._relay()
        return self.browser_answer

    def _relay(self) -> None:
        assert self.browser is not None and self.other is not None
        self.call = BridgedCall(self.browser, self.other, on_done=self._finished)
        self.call.music = self.holds.chime
        self.relays.add(self.call)
        self.background(self.other.start())

    # ------------------------------------------------------------------ offers once answered
    async def browser_offers(self, sdp: bytes) -> bytes:
        """aiortc's answer to the browser's new offer (hold, resume, a new microphone); a
        hold has the other side hear the music. Raises ``WebRtcRefused``: the call goes
        on as it was."""
        if self.answerer is not None and not self.closed:
            return self._answerer_offers(sdp)
        if self.browser is None or self.closed:
            raise WebRtcRefused("the call is over")
        if not sdp:
            raise WebRtcRefused("a re-INVITE to a browser leg needs an offer")
        answered = (await self.browser.renegotiate(sdp)).encode()
        self._holds("caller", puts_on_hold(sdp))
        return answered

    def _answerer_offers(self, sdp: bytes) -> bytes:
        """Our answer, on the same port, to a new offer of the plain side that answered
        in the browser's place (a hold has the caller hear the music). Raises
        ``WebRtcRefused`` for no offer or one without G.711: the call goes on."""
        ours, session = self.answerer_sdp, self.answerer
        assert ours is not None and session is not None
        try:
            remote = SessionDescription.parse(sdp)
            local = answer(
                remote, address=self.address, ports=[session.local_port],
                session_id=ours.origin.session_id,
            )  # fmt: skip
        except SdpParseError as error:
            raise WebRtcRefused(f"an offer without G.711 audio ({error})") from None
        local.origin = ours.origin._replace(session_version=ours.origin.session_version + 1)
        session.agree(answered_agreement(local, remote))
        self.answerer_sdp = local
        self._holds("caller", puts_on_hold(sdp))
        return local.serialize()

    def other_offers(self, sdp: bytes) -> bytes:
        """Our answer to the other side's new offer, on our port (``recvonly`` to a
        hold, which has the browser hear the music). Raises SdpParseError: refused, the
        call goes on as it was."""
        ours, session = self.plain_sdp, self.other
        if ours is None or session is None or self.closed:
            raise SdpParseError("the call is over", 481)
        remote = SessionDescription.parse(sdp)
        local = answer(
            remote, address=self.address, ports=[self.plain_port], session_id=ours.origin.session_id
        )
        local.origin = ours.origin._replace(session_version=ours.origin.session_version + 1)
        session.agree(answered_agreement(local, remote))
        self.plain_sdp = local
        self._holds("onward", puts_on_hold(sdp))
        return local.serialize()

    def offer_again(self) -> bytes:
        """Our offer (a new version) for the other side's re-INVITE without one; its
        answer comes in the ACK (``other_answers``)."""
        ours = self.plain_sdp
        assert ours is not None
        self.plain_sdp = offer(
            address=self.address,
            port=self.plain_port,
            codecs=PLAIN_CODECS,
            session_id=ours.origin.session_id,
            session_version=ours.origin.session_version + 1,
        )
        return self.plain_sdp.serialize()

    def other_answers(self, sdp: bytes) -> None:
        """The other side's answer, in its ACK, to ``offer_again``'s offer."""
        if self.other is None or self.closed:
            return
        try:
            remote = SessionDescription.parse(sdp)
            self.other.agree(audio_agreement(remote, remote))
        except SdpParseError as error:
            logger.info("bridged call: the other side's answer unusable (%s)", error)
            return
        self._holds("onward", puts_on_hold(sdp))

    def _holds(self, side: str, holding: bool) -> None:
        """``side`` ("caller": the browser, "onward": the other) holds or resumes; the
        music of its company plays to the other side while it holds."""
        call = self.call
        if call is None or holding == (side in call.holding):
            return
        call.hold(side, holding)
        logger.info("bridged call: the %s side %s", side, "holds" if holding else "resumes")
        if not holding:
            return
        number = self.browser_number if side == "caller" else self.other_number

        async def load() -> None:
            call.music = await self.holds.music_of(number)

        self.background(load())

    # ------------------------------------------------------------------ keys
    def digit(self, digit: str) -> None:
        """A key the browser sent (SIP INFO): on to the other side."""
        if self.call is not None:
            self.call.digit(digit)

    def other_digit(self, digit: str) -> None:
        """A key the other side sent: on to the browser, as its tones."""
        if self.call is not None:
            self.call.onward_digit(digit)

    # ------------------------------------------------------------------ the end
    @property
    def relaying(self) -> bool:
        return self.call is not None and not self.closed

    def counters(self) -> dict[str, int]:
        """Frames relayed each way, and the music sent each way (for tests, the log)."""
        if self.call is None:
            return {}
        return {**self.call.relayed, **{f"music_{k}": v for k, v in self.call.music_sent.items()}}

    def _finished(self, call: BridgedCall) -> None:
        if self.closed:
            return
        logger.info("bridged call relaying over: %s", call.ended_by)
        self.close()
        self.on_failure()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.call is not None:
            self.relays.discard(self.call)
            self.call.finish("ended")
        for session in (self.browser, self.other, self.answerer):
            if session is not None:
                session.close()
                self.ports.release(session.local_port)
        if self.plain is not None:  # opened, never answered
            self._release(self.plain)
            self.plain = None

    def _release(self, pair: tuple[socket.socket, socket.socket]) -> None:
        """Close a pair of sockets no session took, and give its port back."""
        port = pair[0].getsockname()[1]
        for sock in pair:
            sock.close()
        self.ports.release(port)
