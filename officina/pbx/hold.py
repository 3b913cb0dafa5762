"""Hold music in calls whose media go straight from phone to phone.

Without rtpengine in a call (none configured, or ``MEDIA_ANCHORING`` left the call
alone), a phone that holds sends a re-INVITE or an UPDATE (RFC 3311; the two are
treated alike) whose offer says its audio is ``sendonly`` or ``inactive`` (RFC 3264
§8.4), or, the RFC 2543 way, names connection address 0.0.0.0. The held party would
then hear nothing. The proxy relays that offer through ``HeldCalls``, which puts the
media desk between the two for as long as the hold lasts (``officina.pbx.media.hold``
plays the music), each phone sending to a desk port of its own:

* **The offer to the held party** names the desk's address and its port, with
  ``a=sendonly`` (whatever the holder wrote: ``inactive`` or 0.0.0.0 would tell the
  held phone to expect nothing, and some phones then drop what comes), only the G.711
  codecs and telephone-event the holder offered (the desk speaks G.711), no
  ``a=rtcp`` (RTCP goes to the desk's next port), and every other stream (video)
  port 0. The held phone answers ``recvonly`` with its codec: the music goes there,
  in that codec, and to wherever its RTP then comes from (latching: a phone behind NAT
  names an address nobody outside reaches). A held phone answering ``inactive`` asks
  for nothing and gets nothing.
* **The answer to the holder** names the holder's own desk port instead of the held
  phone's: a holder that keeps sending while it holds (a ``sendonly`` browser, many
  desk phones send comfort noise) sends to the desk, which drops it, so the held party
  hears the music alone. Both directions are rewritten for that reason: rewriting
  only the offer would leave the holder's stream reaching the held phone.
* **Holding back.** Each phone's hold is its own (RFC 6337 §5.3): a held phone that
  holds in turn is now the holder, and the phone that held it, if it answers that it
  receives (``recvonly``), hears the music from its own port; the first one's music
  stops, as its offer says it receives nothing. While one phone still holds, the
  other's next offer, a resume (``sendrecv``) included, reaches the holder ``recvonly``
  at the desk's port and its answer reaches the offerer ``sendonly`` from its own desk
  port: the music goes on for the phone that is still held, whichever of the two
  resumes first.
* **Resuming** (an offer, ``sendrecv`` with its author's own address, while the other
  phone does not hold) passes unrewritten: the other phone answers with its own
  address, the two phones send to each other again, and the desk's ports are freed
  once the 2xx passes. So they are on BYE, and after ``MEDIA_TIMEOUT`` of silence from
  both phones.
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
relayed as they came, held in silence as before. A re-INVITE without an offer, and an
UPDATE without one, in a call that is not held pass untouched; a re-INVITE without an
offer in a held call has the other phone offer its own address: the phones talk
directly again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from officina.pbx.anchoring import is_sdp, puts_on_hold
from officina.pbx.media.ports import NoMediaPort
from officina.sip import SipRequest, SipResponse, make_response
from officina.sip.sdp import (
    DIRECTIONS,
    AudioAgreement,
    SdpParseError,
    SessionDescription,
    audio_agreement,
)

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


def _set_direction(description: SessionDescription, index: int, direction: str) -> None:
    """Make stream ``index`` say ``direction``, whatever its author (or the session
    level) said."""
    media = description.media[index]
    media.lines = [
        (kind, value) for kind, value in media.lines if not (kind == "a" and value in DIRECTIONS)
    ]
    media.lines.append(("a", direction))
    description.lines = [
        (kind, value)
        for kind, value in description.lines
        if not (kind == "a" and value in DIRECTIONS)
    ]


def held_offer(offer: bytes, address: str, port: int, direction: str = "sendonly") -> bytes | None:
    """An offer as the other phone gets it while the call is held: the desk at
    ``address:port`` in the offerer's place, ``sendonly`` when the desk plays to that
    phone, ``recvonly`` when it plays to the offerer (see the module's comment); None
    when the desk cannot play to this call."""
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
        if not (
            kind == "a"
            and value.startswith(("rtpmap:", "fmtp:"))
            and value.partition(":")[2].split(" ")[0] not in kept
        )
    ]
    _set_direction(description, index, direction)
    for other, stream in enumerate(description.media):
        if other != index:
            stream.port = 0
    _point_at(description, index, address, port)
    return description.serialize()


def desk_answer(
    answer: SessionDescription, address: str, port: int, direction: str | None = None
) -> SessionDescription | None:
    """An answer as the offerer gets it while the call is held: its stream at the
    desk's port, in ``direction`` when given (``sendonly``: the desk plays to the
    offerer). None when the answerer refused the stream."""
    index = _audio_index(answer)
    if index is None:
        return None
    _point_at(answer, index, address, port)
    if direction is not None:
        _set_direction(answer, index, direction)
    return answer


@dataclass(slots=True)
class HeldCall:
    """A call that has been held: which phones hold it now (by their tags), and the
    last description delivered from each side (by its tag: (version, the description
    with its version zeroed))."""

    holding: set[str] = field(default_factory=set)
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
    """The proxy's side of hold music from the desk: which offers (re-INVITE, UPDATE)
    it rewrites and when the desk's ports open and close."""

    def __init__(self, layer: PbxTransactions, streams: HoldStreams, address: str) -> None:
        self.layer = layer
        self.streams = streams
        self.address = address  # the desk's media address, as its own answers name it
        self.calls: dict[str, HeldCall] = {}

    def takes(self, request: SipRequest) -> bool:
        """Is this in-dialog re-INVITE or UPDATE (of an answered call no rtpengine
        carries) ours? An UPDATE without an offer only refreshes the session: never."""
        offers = is_sdp(request.content_type, request.body)
        if request.method == "UPDATE" and not offers:
            return False
        return request.call_id in self.calls or (offers and puts_on_hold(request.body))

    def forward(
        self,
        server: ServerTransaction,
        request: SipRequest,
        peer: Peer,
        relay: Relay,
        numbers: tuple[str, str],
    ) -> None:
        """Forward a re-INVITE or UPDATE of a held (or now holding) call, rewritten both
        ways; ``numbers`` are its sender's and its receiver's."""
        call_id, author, other = request.call_id, request.from_tag or "", request.to_tag or ""
        # A call is followed from its first rewritten description: until then, what it
        # sends passes as it came (a browser's hold, a codec the desk does not speak).
        call = self.calls.get(call_id)
        offer = self._parsed(request.content_type, request.body)
        # Who hears the music once this offer is answered: the other phone when this
        # one holds; this one when it resumes (or offers anything) while the other
        # still holds; nobody when neither holds. Only a stream the desk can play to
        # (plain RTP, G.711 offered) opens ports.
        listener: str | None = None
        if offer is not None and _audio_index(offer) is not None:
            if puts_on_hold(request.body):
                listener = other
            elif call is not None and other in call.holding:
                listener = author
        ports: dict[str, int] = {}
        opened_now = listener is not None and call_id not in self.streams.streams
        if listener is not None:
            try:
                ports[other] = self.streams.open(call_id, other, numbers[0])
                ports[author] = self.streams.open(call_id, author, numbers[1])
            except NoMediaPort:
                logger.warning("call %s held without music: no media port free", call_id)
                if opened_now:
                    self.streams.close(call_id)
                listener, ports, opened_now = None, {}, False
        if offer is not None:
            rewritten = None
            if listener is not None:
                direction = "sendonly" if listener == other else "recvonly"
                rewritten = held_offer(request.body, self.address, ports[other], direction)
                if rewritten is None:  # nothing the desk can play to after all
                    if opened_now:
                        self.streams.close(call_id)
                    listener, ports, opened_now = None, {}, False
                else:
                    call = self.calls.setdefault(call_id, HeldCall())
            if call is not None:
                delivered = SessionDescription.parse(rewritten or request.body)
                request.body = call.deliver(author, delivered, rewritten=rewritten is not None)

        def answered(client: ClientTransaction, response: SipResponse) -> None:
            if 200 <= response.status < 300 and call is not None:
                self._answered(call, request, listener, ports, offer, response)
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
        request: SipRequest,
        listener: str | None,
        ports: dict[str, int],
        offer: SessionDescription | None,
        response: SipResponse,
    ) -> None:
        call_id, author, other = request.call_id, request.from_tag or "", request.to_tag or ""
        answer = self._parsed(response.content_type, response.body)
        playing = False
        if listener is not None and offer is not None and answer is not None:
            # The listener's own description says where it receives and whether it does
            # (a held phone answering ``inactive`` gets nothing); the answer, the codec.
            own = answer if listener == other else offer
            index = _audio_index(own)
            agreement: AudioAgreement | None = None
            if index is not None:
                try:
                    agreed = audio_agreement(answer, own)
                except SdpParseError:
                    pass
                else:
                    direction = own.media[index].direction or own.direction
                    agreement = agreed._replace(direction=direction)
            towards_author = "sendonly" if listener == author else None
            at_desk = desk_answer(answer, self.address, ports[author], towards_author)
            if agreement is not None and at_desk is not None:
                playing = self.streams.start(call_id, listener, agreement)
                if playing:
                    answer = at_desk
            if not playing:
                answer = self._parsed(response.content_type, response.body)
        if answer is not None:
            response.body = call.deliver(other, answer, rewritten=playing)
        if playing and listener == other:
            call.holding.add(author)
        elif playing:
            call.holding.discard(author)  # resumed, but the other phone still holds
        else:
            # Resumed by both, or held in a way the desk cannot play to: the phones talk
            # directly.
            call.holding.clear()
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
