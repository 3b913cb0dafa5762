"""Offers passed between the two legs of a call the PBX keeps back to back (RFC 3725 §6).

Click-to-call (``third_party_calls.py``) and the auto-attendant's own put-through
(``media/desk.py``) each join two legs: one to a phone the PBX talks to directly as a
user agent (its ``Dialog`` and the ``Peer`` it is reached at), and one the PBX placed
through its proxy (``PlacedLeg``). Once the media go from phone to phone, the PBX stays
on the signalling only, and each side's re-INVITE (hold, resume, a codec change) is
passed to the other:

* An offer goes on in a re-INVITE of the other leg; that side's answer comes back in
  our 200, and the other side gets its ACK. A refusal (488, say) is passed back and
  the call goes on as it was (RFC 3261 §14.1).
* A re-INVITE without an offer (a late offer, RFC 3261 §14.1) is passed on without one:
  the other side's 200 brings an offer, which goes in our 200; the answer in the first
  side's ACK goes on in our ACK to the other side.
* One at a time: a re-INVITE while another's offer is on its way gets 491 (RFC 3261
  §14.2).
* Our 200 to either side's re-INVITE is sent again over UDP until its ACK
  (``OkUntilAck``: straight to the phone, through the proxy to the placed leg's side);
  none in 64*T1 and the owner is told (``on_no_ack``) to end the call.

* An UPDATE (RFC 3311) goes on in an UPDATE of the other leg: with an offer (a hold,
  say), that side's answer comes back in our 200, its refusal as it came (the call goes
  on as it was); without one (a session or target refresh), that side's 200. One offer
  at a time here too: an UPDATE with an offer, or a re-INVITE, while another offer is
  on its way either way gets 491 (RFC 3311 §5.2). A side that did not list UPDATE in
  its Allow (the phone's INVITE, the placed leg's 200) gets the offer in a re-INVITE
  instead, and its answer comes back in our 200 to the UPDATE; an UPDATE without an
  offer is then answered here, as nothing goes to that side.
* Our 200s to either side's re-INVITE or UPDATE list UPDATE in their Allow.
* Target refresh (RFC 3261 §12.2, RFC 3311 §5.2): a Contact in the phone's re-INVITE or
  UPDATE, or in its 2xx to ours, becomes its remote target, and our next requests to it
  (``peer``) go where that Contact says (``peer_for_target``). The placed leg keeps its
  own (``PlacedLeg``).
* An INFO (keys sent as ``application/dtmf-relay`` or ``application/dtmf``, or
  anything else a phone says in one) goes on to the other side in its dialog, body and
  Content-Type as they came, and that side's final answer comes back (408 when none
  came in 64*T1, 481 once the call is over).

``join_media`` is RFC 3725's flow for two legs already answered, each with the PBX's
own media: the phone is asked for an offer (a re-INVITE without SDP), the offer goes to
the placed leg's side in a re-INVITE, and its answer goes back to the phone in the ACK;
the two then send to each other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from officina.pbx.ok_retransmission import RFC_3261, AckTimers, OkUntilAck
from officina.pbx.placed_calls import ALLOW_UPDATE
from officina.pbx.transaction_layer import peer_for_target
from officina.sip import SipParseError, SipRequest, SipResponse, Via, make_response, new_branch
from officina.sip.errors import RemoteProtocolError
from officina.sip.sdp import SdpParseError, SessionDescription

if TYPE_CHECKING:
    from officina.pbx.placed_calls import PlacedLeg
    from officina.pbx.transaction_layer import PbxTransactions
    from officina.sip import ClientTransaction, Dialog, ServerTransaction
    from officina.sip.rport import Peer

logger = logging.getLogger("officina.pbx.offer_passing")

# A phone's final answer to our re-INVITE, and how to ACK it (with the answer, when its
# 2xx carried an offer); None: no final answer came (the re-INVITE timed out).
PhoneAnswered = Callable[[SipResponse | None, Callable[[bytes], None]], None]


class OfferPassing:
    """The re-INVITEs of one call whose ``phone`` leg (reached at ``peer``, our Contact
    there ``contact``) and ``placed`` leg are both answered."""

    def __init__(
        self,
        layer: PbxTransactions,
        phone: Dialog,
        peer: Peer,
        contact: str,
        placed: PlacedLeg,
        on_no_ack: Callable[[], None],
        timers: AckTimers = RFC_3261,
        *,
        phone_updates: bool = False,
    ) -> None:
        self.layer = layer
        self.phone = phone
        self.peer = peer
        self.contact = contact
        self.placed = placed
        self.phone_updates = phone_updates  # the phone listed UPDATE in its Allow
        self.on_no_ack = on_no_ack
        self.timers = timers  # of our 2xx's sending again
        self.passing = False  # an offer is on its way to the other side
        self.closed = False
        # Our 2xx to the phone's re-INVITE until its ACK: that re-INVITE's CSeq, the 2xx,
        # and who takes the ACK's body (the answer to a late offer), if anyone.
        self._awaiting_ack: tuple[int, OkUntilAck, Callable[[bytes], None] | None] | None = None

    # ------------------------------------------------------------------ the phone's side
    def from_phone(self, request: SipRequest, server: ServerTransaction) -> None:
        """The phone's re-INVITE: its offer (or none) goes to the placed leg's side."""
        if self.passing or self.closed:
            self.layer.respond(server, make_response(request, 491))
            return
        if not self._phone_refreshes(request, server):
            return
        self.passing = True
        late = not request.body
        placed = self.placed

        def late_answer(answer: bytes) -> None:
            # The answer to the other side's offer (our 200 carried it) is in this ACK.
            self.passing = False
            placed.answer_offer(answer)

        def answered(response: SipResponse) -> None:
            passed = passed_on(request, response, self.contact)
            self.layer.respond(server, passed)
            if passed.status >= 300 or self.closed or not late:
                self.passing = False
            if passed.status >= 300 or self.closed:
                return
            ok = OkUntilAck.to_peer(
                self.layer, self.peer, passed.serialize(), self._no_ack, self.timers
            )
            self._awaiting_ack = (request.cseq.number, ok, late_answer if late else None)

        placed.reinvite(request.body, answered)

    def _phone_refreshes(self, request: SipRequest, server: ServerTransaction) -> bool:
        """The phone's re-INVITE or UPDATE applied to our dialog with it (RFC 3261
        §12.2.2, RFC 3311 §5.2): a new Contact becomes the phone's remote target, where
        our next requests go. False: refused here (a CSeq lower than the dialog's, 500;
        more than one Contact, 400)."""
        try:
            self.phone.receive_request(request)
        except RemoteProtocolError as error:
            self.layer.respond(server, make_response(request, error.status))
            return False
        self.peer = peer_for_target(self.peer, self.phone.remote_target)
        return True

    def _phone_answered(self, response: SipResponse) -> None:
        """The phone's 2xx to our re-INVITE or UPDATE: its Contact, if any, becomes the
        phone's remote target (RFC 3261 §12.2.1.2)."""
        try:
            self.phone.receive_response(response)
        except SipParseError:
            logger.info("a 2xx from the phone with more than one Contact: target kept")
            return
        self.peer = peer_for_target(self.peer, self.phone.remote_target)

    def phone_acked(self, request: SipRequest) -> None:
        """The phone's ACK of our 2xx to its re-INVITE: the 2xx is not sent again, and the
        answer it carries to a late offer goes on."""
        awaiting = self._awaiting_ack
        if awaiting is not None and awaiting[0] == request.cseq.number:
            self._awaiting_ack = None
            _cseq, ok, take_answer = awaiting
            ok.acknowledged()
            if take_answer is not None:
                take_answer(request.body)

    def _no_ack(self) -> None:
        self._awaiting_ack = None
        self.on_no_ack()

    def reinvite_phone(self, offer: bytes, on_answer: PhoneAnswered) -> None:
        """Send the phone a re-INVITE with ``offer`` (none: its 200 brings one);
        ``on_answer`` gets its final answer once, with the way to ACK a 2xx (an ACK sent
        is sent again if the 2xx comes again)."""
        headers = [("Contact", self.contact)]
        if offer:
            headers.append(("Content-Type", "application/sdp"))
        reinvite = self.phone.create_request("INVITE", self._via(), headers=headers, body=offer)
        reinvite.pop_via()  # the transaction puts its own
        acks: list[bytes] = []  # our ACK to the phone's 2xx, once sent
        finals: list[int] = []  # the phone's final answer, once it came

        def ack(answer: bytes) -> None:
            if acks or self.phone.state == "terminated":
                return
            headers = [("Content-Type", "application/sdp")] if answer else []
            request = self.phone.create_request(
                "ACK", self._via(), headers=headers, body=answer, cseq=reinvite.cseq.number
            )
            acks.append(request.serialize())
            self.layer.sender.send(self.peer, acks[-1])

        def answered(_client: ClientTransaction, response: SipResponse) -> None:
            if response.status < 200:
                return
            if finals:  # the 2xx again: our ACK was lost (sent again), or is still to come
                if acks and response.status < 300:
                    self.layer.sender.send(self.peer, acks[-1])
                return
            finals.append(response.status)
            if response.status < 300:
                self._phone_answered(response)
            on_answer(response, ack)

        try:
            self.layer.forward(
                reinvite,
                self.peer,
                on_response=answered,
                on_timeout=lambda _client: on_answer(None, ack),
            )
        except SipParseError:
            on_answer(None, ack)

    def _via(self) -> Via:
        return Via.parse(self.layer.via(self.peer.transport, new_branch()))

    # ------------------------------------------------------------------ the placed side
    def from_placed(self, request: SipRequest) -> None:
        """The placed leg's side re-INVITEs (``PlacedLeg.on_offer``): on to the phone."""
        placed = self.placed
        if self.passing or self.closed:
            placed.respond(make_response(request, 491))
            return
        self.passing = True
        late = not request.body

        def finish_late_offer(ack: Callable[[bytes], None]) -> Callable[[bytes], None]:
            def take(answer: bytes) -> None:
                self.passing = False
                ack(answer)

            return take

        def answered(response: SipResponse | None, ack: Callable[[bytes], None]) -> None:
            if response is None:
                self.passing = False
                placed.respond(make_response(request, 408))
                return
            passed = passed_on(request, response, placed.contact)
            if response.status >= 300:
                self.passing = False
                placed.respond(passed)
                return
            if not late:
                self.passing = False
                ack(b"")
                placed.respond_until_acked(passed, self.on_no_ack, self.timers)
                return
            # The phone's offer goes to the other side; the answer in its ACK comes back.
            placed.respond_until_acked(
                passed, self.on_no_ack, self.timers, on_ack=finish_late_offer(ack)
            )

        self.reinvite_phone(request.body, answered)

    # ------------------------------------------------------------------ UPDATEs
    def update_from_phone(self, request: SipRequest, server: ServerTransaction) -> None:
        """The phone's UPDATE: on to the placed leg's side (in a re-INVITE when that side
        takes no UPDATE), whose answer comes back in ours."""
        if self.closed:
            self.layer.respond(server, make_response(request, 481))
            return
        placed, offers = self.placed, bool(request.body)
        if offers and self.passing:
            self.layer.respond(server, make_response(request, 491))
            return
        if not self._phone_refreshes(request, server):
            return
        if not offers and not placed.target_updates:
            # A refresh of our dialog with the phone alone: nothing to pass on.
            self.layer.respond(server, make_response(request, 200, headers=_ok(self.contact)))
            return
        self.passing = self.passing or offers

        def answered(response: SipResponse | None) -> None:
            if offers:
                self.passing = False
            self.layer.respond(server, _update_passed(request, response, self.contact))

        if placed.target_updates:
            headers = [("Contact", placed.contact), *_content_type(request)]
            placed.request("UPDATE", request.body, headers, answered)
        else:
            placed.reinvite(request.body, answered)

    def update_from_placed(self, request: SipRequest) -> None:
        """The placed leg's side's UPDATE (``PlacedLeg.on_update``): on to the phone (in a
        re-INVITE when the phone takes no UPDATE), whose answer comes back."""
        placed, offers = self.placed, bool(request.body)
        if self.closed or self.phone.state == "terminated":
            placed.respond(make_response(request, 481))
            return
        if offers and self.passing:
            placed.respond(make_response(request, 491))
            return
        if not offers and not self.phone_updates:
            placed.respond(make_response(request, 200, headers=_ok(placed.contact)))
            return
        self.passing = self.passing or offers

        def answered(response: SipResponse | None) -> None:
            if offers:
                self.passing = False
            placed.respond(_update_passed(request, response, placed.contact))

        def reinvited(response: SipResponse | None, ack: Callable[[bytes], None]) -> None:
            if response is not None and response.status < 300:
                ack(b"")
            answered(response)

        if self.phone_updates:
            headers = [("Contact", self.contact), *_content_type(request)]
            self._to_phone(request, headers, answered)
        else:
            self.reinvite_phone(request.body, reinvited)

    # ------------------------------------------------------------------ other requests
    def info_from_phone(self, request: SipRequest, server: ServerTransaction) -> None:
        """The phone's INFO: on to the placed leg's side, whose answer comes back."""
        if self.closed:
            self.layer.respond(server, make_response(request, 481))
            return

        def answered(response: SipResponse | None) -> None:
            self.layer.respond(server, _answer_passed(request, response))

        self.placed.request("INFO", request.body, _content_type(request), answered)

    def info_from_placed(self, request: SipRequest) -> None:
        """The placed leg's side's INFO (``PlacedLeg.on_info``): on to the phone."""
        placed = self.placed
        if self.closed or self.phone.state == "terminated":
            placed.respond(make_response(request, 481))
            return
        self._to_phone(
            request,
            _content_type(request),
            lambda response: placed.respond(_answer_passed(request, response)),
        )

    def _to_phone(
        self,
        request: SipRequest,
        headers: list[tuple[str, str]],
        on_answer: Callable[[SipResponse | None], None],
    ) -> None:
        """Pass ``request`` (other than INVITE) on to the phone in its dialog, its body
        with our ``headers``; ``on_answer`` gets the phone's final answer, or None when
        none came in 64*T1."""
        sent = self.phone.create_request(
            request.method, self._via(), headers=headers, body=request.body
        )
        sent.pop_via()  # the transaction puts its own

        def answered(_client: ClientTransaction, response: SipResponse) -> None:
            if 200 <= response.status < 300:
                self._phone_answered(response)
            if response.status >= 200:
                on_answer(response)

        try:
            self.layer.forward(
                sent,
                self.peer,
                on_response=answered,
                on_timeout=lambda _client: on_answer(None),
            )
        except SipParseError:
            on_answer(None)

    # ------------------------------------------------------------------ joining the media
    def join_media(
        self,
        keep: Callable[[bytes], bytes],
        take_back: Callable[[], bytes],
        joined: Callable[[bool, SipResponse | None], None],
        quiet: Callable[[bool], None] = lambda _quiet: None,
    ) -> None:
        """Have the two sides send their media to each other (RFC 3725 §4-5: the phone's
        offer, asked for, goes to the placed leg's side, whose answer goes back in the
        ACK). ``joined`` says whether they now do.

        Once the phone's offer is in hand, ``quiet(True)`` has us stop sending media to
        either side, and the offer goes on ``SETTLE`` seconds later: a phone that takes a
        new description latches on the first RTP that comes after it (baresip does), and
        a packet of ours sent after the offer, or still on its way, would hold it to our
        port and have it drop the other phone's media. ``quiet(False)`` has us send again
        as soon as the other side's answer keeps the media with us (before our offer
        made again, whose port is the one we send from).

        Otherwise the media stay with us: the phone refused or gave no offer; or the
        other side refused the phone's offer (488), or took it with no voice codec (its
        audio refused with port 0, RFC 3264 §6, or telephone-event alone). The phone's offer is then
        answered by ``keep`` (our own answer), and a side that took it with its audio
        refused is sent our offer again (``take_back``), whose answer ``joined`` gets."""
        self.passing = True

        def phone_answered(response: SipResponse | None, ack: Callable[[bytes], None]) -> None:
            if response is None or response.status >= 300 or not response.body:
                self.passing = False
                if response is not None and response.status < 300:
                    ack(b"")  # a 200 without the offer asked for: nothing changes
                joined(False, None)
                return
            offer = response.body

            def taken_back(again: SipResponse) -> None:
                self.passing = False
                joined(False, again)

            def placed_answered(placed_response: SipResponse) -> None:
                took = placed_response.status < 300
                if took and _audio_accepted(placed_response.body) and not self.closed:
                    self.passing = False
                    ack(placed_response.body)
                    joined(True, None)
                    return
                quiet(False)
                ack(keep(offer))
                if took and not self.closed:
                    self.placed.reinvite(take_back(), taken_back)
                    return
                self.passing = False
                joined(False, None)

            def offer_on() -> None:
                if not self.closed:
                    self.placed.reinvite(offer, placed_answered)

            quiet(True)
            self.layer.call_later(SETTLE, offer_on)

        self.reinvite_phone(b"", phone_answered)

    def close(self) -> None:
        """The call is over: nothing more is sent again."""
        self.closed = True
        if self._awaiting_ack is not None:
            self._awaiting_ack[1].acknowledged()
            self._awaiting_ack = None


# Seconds between our last media packet and the offer that has the phones send to each
# other: two packets' time, for what was sent to be received and read before the offer.
SETTLE = 0.04

# Formats that carry no voice: an answer keeping only these shares no codec with the offer.
NOT_VOICE = ("telephone-event", "cn")


def _audio_accepted(body: bytes) -> bool:
    """Whether an answer accepts an audio stream with a voice codec: not refused with port
    0, nor kept with telephone-event alone (as baresip answers an offer of no codec it
    has)."""
    try:
        description = SessionDescription.parse(body)
        for media in description.media:
            if media.media != "audio" or media.port == 0:
                continue
            names = {codec.payload_type: codec.name.lower() for codec in media.codecs()}
            if any(names.get(fmt) not in NOT_VOICE for fmt in media.formats):
                return True
    except SdpParseError:
        return False
    return False


def _content_type(request: SipRequest) -> list[tuple[str, str]]:
    content_type = request.content_type
    return [("Content-Type", content_type)] if content_type else []


def _answer_passed(request: SipRequest, response: SipResponse | None) -> SipResponse:
    """Our answer to a request passed to the other side: its final status (a 2xx as 200),
    or 408 when none came."""
    if response is None:
        return make_response(request, 408)
    if response.status < 300:
        return make_response(request, 200)
    return make_response(request, response.status, response.reason)


def passed_on(request: SipRequest, response: SipResponse, contact: str) -> SipResponse:
    """Our answer to a re-INVITE or an UPDATE whose offer (or none) went to the other side:
    that side's SDP (its answer, or its offer to a re-INVITE without one) in a 200, or its
    refusal (the call goes on as it was, RFC 3261 §14.1, RFC 3311 §5.2)."""
    if response.status < 300:
        headers = _ok(contact)
        if response.body:
            headers.append(("Content-Type", "application/sdp"))
        return make_response(request, 200, headers=headers, body=response.body)
    return make_response(request, response.status, response.reason)


def _ok(contact: str) -> list[tuple[str, str]]:
    """The headers of our 2xx to a re-INVITE or UPDATE: our ``contact`` in that dialog, and
    the requests we take in it (UPDATE among them, RFC 3311 §5.1)."""
    return [("Contact", contact), ("Allow", ALLOW_UPDATE)]


def _update_passed(request: SipRequest, response: SipResponse | None, contact: str) -> SipResponse:
    """Our answer to an UPDATE passed on: as ``passed_on``, 408 when none came."""
    if response is None:
        return make_response(request, 408)
    return passed_on(request, response, contact)


__all__ = ["OfferPassing", "passed_on"]
