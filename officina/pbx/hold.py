"""Hold music in calls whose media go straight from phone to phone.

Without rtpengine in a call (none configured, or ``MEDIA_ANCHORING`` left the call
alone), a phone that holds sends a re-INVITE whose offer says its audio is
``sendonly`` or ``inactive`` (RFC 3264 §8.4), or, the RFC 2543 way, names connection
address 0.0.0.0. The held party would then hear nothing. The proxy relays that
re-INVITE through ``HeldCalls``, which puts the media desk between the two for as
long as the hold lasts (``officina.pbx.media.hold`` plays the music):

* **The offer to the held party** names the desk's address and one of its ports, with
  ``a=sendonly`` (whatever the holder wrote: ``inactive`` or 0.0.0.0 would tell the
  held phone to expect nothing, and some phones then drop what comes), only the G.711
  codecs and telephone-event the holder offered (the desk speaks G.711), no
  ``a=rtcp`` (RTCP goes to the desk's next port), and every other stream (video)
  port 0. The held phone answers ``recvonly`` with its codec: the music goes there,
  in that codec.
* **The answer to the holder** names the same desk port instead of the held phone's:
  a holder that keeps sending while it holds (a ``sendonly`` browser, many desk
  phones send comfort noise) sends to the desk, which drops it, so the held party
  hears the music alone. Both directions are rewritten for that reason: rewriting
  only the offer would leave the holder's stream reaching the held phone.
* **Resuming** (the holder's next offer, ``sendrecv`` with its own address) passes
  unrewritten: the held phone answers with its own address, the two phones send to
  each other again, and the desk's port is freed once the 2xx passes. So it is on
  BYE, and after ``MEDIA_TIMEOUT`` of silence from both phones.
* **Versions** (RFC 3264 §8, RFC 4566 §5.2: a description that changes gets a
  higher ``o=`` version; one that does not keeps its version). A rewritten
  description differs from what its author sent, so its version may not be the
  author's: an RFC 2543 holder writes 0.0.0.0 in a new version, but the held phone
  may answer the second offer with the very description (and version) of its first
  answer, which the holder must now see changed. Once a call has been held, every
  description passing in each direction is renumbered: the same content as the last
  one delivered keeps its version, other content gets one more than the last
  delivered (or the author's own, when higher). The first rewritten one gets its
  author's version plus one, above everything its receiver has seen from that author.

Only plain RTP (``RTP/AVP``) audio with a G.711 codec is taken: SRTP keyed end to end
(the desk does not hold the keys), a browser's DTLS-SRTP and other codecs only are
relayed as they came, held in silence as before. A re-INVITE without an offer, and
UPDATE, in a call that is not held pass untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from officina.pbx.anchoring import is_sdp, puts_on_hold
from officina.pbx.media.ports import NoMediaPort
from officina.sip import SipRequest, SipResponse, make_response
from officina.sip.sdp import DIRECTIONS, SdpParseError, SessionDescription, audio_agreement

if TYPE_CHECKING:
    from officina.pbx.media.hold import HoldStreams
    from officina.pbx.transaction_layer import PbxTransactions
    from officina.sip import ClientTransaction, ServerTransaction
    from officina.sip.rport import Peer

logger = logging.getLogger("officina.pbx.hold")

G711 = ("PCMU", "PCMA")
Relay = Callable[["ClientTransaction", SipResponse], None]


def _audio_index(description: SessionDescription) -> int | None:
    """The stream the desk can play to: the first plain-RTP audio one offering G.711."""
    for index, media in enumerate(description.media):
        if media.media != "audio" or media.port == 0 or media.proto != "RTP/AVP":
            continue
        try:
            codecs = media.codecs()
        except SdpParseError:
            return None
        if any(codec.name.upper() in G711 and codec.clock_rate == 8000 for codec in codecs):
            return index
    return None


def _connection(address: str) -> str:
    return f"IN {'IP6' if ':' in address else 'IP4'} {address}"


def _point_at(description: SessionDescription, index: int, address: str, port: int) -> None:
    """Make stream ``index`` (and the session's connection line) name ``address:port``."""
    description.lines = [
        ("c", _connection(address)) if kind == "c" else (kind, value)
        for kind, value in description.lines
    ]
    media = description.media[index]
    media.port = port
    media.port_count = None
    lines = [
        (kind, value)
        for kind, value in media.lines
        if kind != "c" and not (kind == "a" and value.startswith("rtcp:"))
    ]
    media.lines = [("c", _connection(address)), *lines]


def held_offer(offer: bytes, address: str, port: int) -> bytes | None:
    """The holder's offer as the held party gets it: the desk at ``address:port``
    sends (see the module's comment); None when the desk cannot play to this call."""
    try:
        description = SessionDescription.parse(offer)
        index = _audio_index(description)
        if index is None:
            return None
        media = description.media[index]
        kept = {
            codec.payload_type
            for codec in media.codecs()
            if (codec.name.upper() in G711 and codec.clock_rate == 8000)
            or codec.name.lower() == "telephone-event"
        }
    except SdpParseError:
        return None
    media.formats = [fmt for fmt in media.formats if fmt in kept]
    media.lines = [
        (kind, value)
        for kind, value in media.lines
        if not (kind == "a" and value in DIRECTIONS)
        and not (
            kind == "a"
            and value.startswith(("rtpmap:", "fmtp:"))
            and value.partition(":")[2].split(" ")[0] not in kept
        )
    ]
    media.lines.append(("a", "sendonly"))
    description.lines = [
        (kind, value)
        for kind, value in description.lines
        if not (kind == "a" and value in DIRECTIONS)
    ]
    for other, stream in enumerate(description.media):
        if other != index:
            stream.port = 0
    _point_at(description, index, address, port)
    return description.serialize()


def desk_answer(answer: SessionDescription, address: str, port: int) -> SessionDescription | None:
    """The held party's answer as the holder gets it: its stream at the desk's port.
    None when the held party refused the stream."""
    index = _audio_index(answer)
    if index is None:
        return None
    _point_at(answer, index, address, port)
    return answer


@dataclass(slots=True)
class HeldCall:
    """A call that has been held: who holds it now, and the last description delivered
    from each side (by its tag: (version, the description with its version zeroed))."""

    holder_tag: str | None = None
    delivered: dict[str, tuple[int, bytes]] = field(default_factory=dict)

    def deliver(
        self, author_tag: str, description: SessionDescription, *, rewritten: bool
    ) -> bytes:
        """``description`` from ``author_tag``'s side, renumbered as the module says."""
        own = description.origin.session_version
        description.origin = description.origin._replace(session_version=0)
        content = description.serialize()
        last = self.delivered.get(author_tag)
        if last is None:
            version = own + 1 if rewritten else own
        elif content == last[1]:
            version = last[0]
        else:
            version = max(own, last[0] + 1)
        self.delivered[author_tag] = (version, content)
        description.origin = description.origin._replace(session_version=version)
        return description.serialize()


class HeldCalls:
    """The proxy's side of hold music from the desk: which re-INVITEs it rewrites and
    when the desk's port opens and closes."""

    def __init__(self, layer: PbxTransactions, streams: HoldStreams, address: str) -> None:
        self.layer = layer
        self.streams = streams
        self.address = address  # the desk's media address, as its own answers name it
        self.calls: dict[str, HeldCall] = {}

    def takes(self, request: SipRequest) -> bool:
        """Is this in-dialog INVITE (of an answered call no rtpengine carries) ours?"""
        return request.call_id in self.calls or (
            is_sdp(request.content_type, request.body) and puts_on_hold(request.body)
        )

    def reinvite(
        self,
        server: ServerTransaction,
        request: SipRequest,
        peer: Peer,
        relay: Relay,
        holder_number: str,
    ) -> None:
        """Forward a re-INVITE of a held (or now holding) call, rewritten both ways."""
        call_id, author, other = request.call_id, request.from_tag or "", request.to_tag or ""
        # A call is followed from its first rewritten description: until then, what it
        # sends passes as it came (a browser's hold, a codec the desk does not speak).
        call = self.calls.get(call_id)
        offer = self._parsed(request.content_type, request.body)
        # A hold the desk can play to (plain RTP, G.711 offered): only then a port opens.
        holding = (
            offer is not None and puts_on_hold(request.body) and _audio_index(offer) is not None
        )
        port: int | None = None
        opened_now = False
        if holding and (call is None or call.holder_tag in (None, author)):
            stream = self.streams.streams.get(call_id)
            if stream is not None and call is not None and call.holder_tag == author:
                port = stream.port  # held again (a refreshed offer): the same port
            else:
                try:
                    port = self.streams.open(call_id, holder_number)
                    opened_now = True
                except NoMediaPort:
                    logger.warning("call %s held without music: no media port free", call_id)
        if offer is not None:
            rewritten = held_offer(request.body, self.address, port) if port is not None else None
            if rewritten is None and opened_now:
                self.streams.close(call_id)  # nothing the desk can play to
                opened_now, port = False, None
            if rewritten is not None:
                offer = SessionDescription.parse(rewritten)
                call = self.calls.setdefault(call_id, HeldCall())
            if call is not None:
                request.body = call.deliver(author, offer, rewritten=rewritten is not None)

        def answered(client: ClientTransaction, response: SipResponse) -> None:
            if 200 <= response.status < 300 and call is not None:
                self._answered(call, call_id, author, other, port, response)
            elif response.status >= 300 and opened_now:
                self.streams.close(call_id)  # the hold was refused: the call goes on as it was
            relay(client, response)

        def unanswered(_client: ClientTransaction) -> None:
            if opened_now:
                self.streams.close(call_id)
            self.layer.respond(server, make_response(request, 408))

        self.layer.forward(request, peer, on_response=answered, on_timeout=unanswered)

    def _answered(
        self,
        call: HeldCall,
        call_id: str,
        author: str,
        other: str,
        port: int | None,
        response: SipResponse,
    ) -> None:
        answer = self._parsed(response.content_type, response.body)
        playing = False
        if port is not None and answer is not None:
            try:
                agreement = audio_agreement(answer, answer)
            except SdpParseError:
                agreement = None
            at_desk = desk_answer(answer, self.address, port) if agreement is not None else None
            if agreement is not None and at_desk is not None:
                playing = self.streams.start(call_id, agreement)
                if playing:
                    answer = at_desk
            if not playing:
                answer = self._parsed(response.content_type, response.body)
        if answer is not None:
            response.body = call.deliver(other, answer, rewritten=playing)
        if playing:
            call.holder_tag = author
        else:
            # Resumed, or held in a way the desk cannot play to: the phones talk directly.
            call.holder_tag = None
            self.streams.close(call_id)

    def ack(self, request: SipRequest) -> None:
        """An ACK carrying the answer to a 2xx's offer (a re-INVITE without one)."""
        call = self.calls.get(request.call_id)
        description = self._parsed(request.content_type, request.body) if call else None
        if call is not None and description is not None:
            request.body = call.deliver(request.from_tag or "", description, rewritten=False)

    def end(self, call_id: str) -> None:
        """The call is over (BYE, or forgotten): its port is freed."""
        if self.calls.pop(call_id, None) is not None:
            self.streams.close(call_id)

    @staticmethod
    def _parsed(content_type: str | None, body: bytes) -> SessionDescription | None:
        if not is_sdp(content_type, body):
            return None
        try:
            return SessionDescription.parse(body)
        except SdpParseError:
            return None
