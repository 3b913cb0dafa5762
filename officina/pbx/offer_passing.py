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
* Our 200 to the phone's re-INVITE is sent again over UDP until its ACK
  (``OkUntilAck``); none in 64*T1 and the owner is told (``on_no_ack``) to end the call.

``join_media`` is RFC 3725's flow for two legs already answered, each with the PBX's
own media: the phone is asked for an offer (a re-INVITE without SDP), the offer goes to
the placed leg's side in a re-INVITE, and its answer goes back to the phone in the ACK;
the two then send to each other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from officina.pbx.ok_retransmission import OkUntilAck
from officina.sip import SipParseError, SipRequest, SipResponse, Via, make_response, new_branch
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
    ) -> None:
        self.layer = layer
        self.phone = phone
        self.peer = peer
        self.contact = contact
        self.placed = placed
        self.on_no_ack = on_no_ack
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
            ok = OkUntilAck(self.layer, self.peer, passed.serialize(), self._no_ack)
            self._awaiting_ack = (request.cseq.number, ok, late_answer if late else None)

        placed.reinvite(request.body, answered)

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
            if response.status >= 300 or not late:
                self.passing = False
                if response.status < 300:
                    ack(b"")
                placed.respond(passed)
                return
            # The phone's offer goes to the other side; the answer in its ACK comes back.
            placed.respond(passed, on_ack=finish_late_offer(ack))

        self.reinvite_phone(request.body, answered)

    # ------------------------------------------------------------------ joining the media
    def join_media(
        self,
        keep: Callable[[bytes], bytes],
        take_back: Callable[[], bytes],
        joined: Callable[[bool, SipResponse | None], None],
    ) -> None:
        """Have the two sides send their media to each other (RFC 3725 §4-5: the phone's
        offer, asked for, goes to the placed leg's side, whose answer goes back in the
        ACK). ``joined`` says whether they now do.

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
                ack(keep(offer))
                if took and not self.closed:
                    self.placed.reinvite(take_back(), taken_back)
                    return
                self.passing = False
                joined(False, None)

            self.placed.reinvite(offer, placed_answered)

        self.reinvite_phone(b"", phone_answered)

    def close(self) -> None:
        """The call is over: nothing more is sent again."""
        self.closed = True
        if self._awaiting_ack is not None:
            self._awaiting_ack[1].acknowledged()
            self._awaiting_ack = None


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


def passed_on(request: SipRequest, response: SipResponse, contact: str) -> SipResponse:
    """Our answer to a re-INVITE whose offer went to the other side: that side's SDP (its
    answer, or its offer to a re-INVITE without one) in a 200, or its refusal (the call
    goes on as it was, RFC 3261 §14.1)."""
    if response.status < 300:
        headers = [("Contact", contact), ("Content-Type", "application/sdp")]
        return make_response(request, 200, headers=headers, body=response.body)
    return make_response(request, response.status, response.reason)


__all__ = ["OfferPassing", "passed_on"]
