"""Click-to-call: the PBX places a call of its own by third-party call control (RFC 3725).

A member asks the web to call someone (``click_to_call.py``), which asks this process
(``call_requests.py``). The PBX then acts as the controller of RFC 3725's flow I:

```
 member's phones                  PBX (controller)                     proxy -> target
   INVITE, no SDP  <──────────────  forked to every registered device
   200 + offer     ──────────────>  the first answer wins, the others
                                    get CANCEL (cause=200)
                                    INVITE + the phone's offer ──────> routed as the
                                                                      member's own call
                                    <──────────────────────── 200 + answer
                                    ACK ────────────────────────────>
   ACK + answer    <──────────────
        media flows between the phone and the target; signalling stays on the PBX
```

The second leg is a call *of the member's extension* (``placed_calls.py``): it enters
the proxy as the member's authenticated INVITE and goes wherever a dialled call goes:
an extension, a ring group, a company number, or a number outside through the company's
trunk behind the toll-fraud guard and with the company's caller ID; the call record,
the busy lamps and "on a call" follow.

The first leg goes straight to the member's devices (their registrations, as the proxy
forks); its in-dialog requests (the member's BYE) come to this server, which hands them
here (``in_dialog``). A BYE from either side ends both; so do a busy or unanswered
target (the phone gets its ACK, with every stream refused, and a BYE). A member's BYE
while the target rings cancels it, though a phone waiting for its ACK may not send one
(RFC 3261 §15); the member's other way is the page's "Cancel" (``cancel``), which
cancels whichever leg rings.

A re-INVITE from either side (hold, resume) has its offer passed to the other in a
re-INVITE of that leg, and the answer brought back (RFC 3725 §6); an UPDATE (RFC 3311)
goes on in an UPDATE (in a re-INVITE to a side whose Allow lacks UPDATE), and our answers
in both dialogs list UPDATE in their Allow. A new Contact in either side's re-INVITE or
UPDATE, or in its 2xx to ours, becomes that side's remote target (RFC 3261 §12.2): the
member's phone is then sent our next requests (the BYE) there. A re-INVITE without
an offer (a late offer) gets the other side's: that side is sent a re-INVITE without
SDP, its 200's offer goes in our 200, and the answer in the first side's ACK goes on in
the other's ACK. Our 200 to either side's re-INVITE (the member's, or the target's
through the proxy) is sent again over UDP until its ACK (``OkUntilAck``); none in 64*T1
ends the call with a BYE to both. The passing is
``offer_passing.py``, shared with the auto-attendant's own put-through.

The member's phone that answers may be the browser phone (WebRTC). With rtpengine its
offer goes on as it is, and the proxy bridges its media (``media_transport_of``). Without
rtpengine the node's desk does (``_bridge``, ``media/browser_bridge.py``): aiortc answers
the browser's offer, the target is called with the desk's plain RTP, the browser gets the
answer in its ACK once the target answers, and the desk relays between the two on its
media clock. Re-INVITEs and UPDATEs are then answered by the desk on each side, never
passed on (a hold plays music to the other side); keys in INFO go across. A target whose
phones are all browsers gets the browser's own offer either way: peer to peer.

In such a bridged call a REFER cannot be relayed either way; the desk sends the other
side a REFER of its own naming the same number and passes its answer and NOTIFYs back,
as in the desk's other bridged calls (``browser_referrals.py``, shared with
``bridged_calls.py``):

* the browser's (``_browser_refers``): the target gets the desk's REFER, from the member,
  and calls the transfer target itself. Attended, the consultation is named as
  ``BridgedBrowserCalls.named_for_browser`` names it for any browser: one the desk
  bridges as the target's phone holds the desk's dialog with it (and it ends once
  replaced), any other as it came. The proxy, relaying that REFER, records the transfer;
* the target's (``_target_refers``): the browser gets the desk's REFER, from the target,
  and calls the new party itself (``onReferred`` in the softphone); its NOTIFYs go to
  the target (``_browser_notifies``). A Replaces naming the target's consultation with a
  plain phone passes as it came; one the desk bridges, with a browser, is named as that
  browser holds it (``BridgedBrowserCalls.consulted_browser``): the two browsers then
  talk directly.
  The proxy, which relayed the target's REFER to us, records it once we accept it.

The member may also end an answered call from the page (``end``): both legs get a BYE
(RFC 3725 §7), and the record says the caller ended it on the web.

Flow I's known weakness: the phone's 200 waits for its ACK until the target answers,
and a phone gives up after 64*T1 (32 s) without one. The target therefore rings at most
``TARGET_RING_SECONDS``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from officina.pbx.anchoring import leg_for
from officina.pbx.bridged_calls import NamedInRefer
from officina.pbx.browser_referrals import (
    BrowserReferral,
    named_consultation,
    no_consultation,
    refer_headers,
    refer_to_number,
    transfer_asked,
    warning,
)
from officina.pbx.call_requests import CallState
from officina.pbx.media.desk import info_digit
from officina.pbx.media.ports import NoMediaPort
from officina.pbx.media.webrtc import WebRtcRefused
from officina.pbx.models import CallRecord
from officina.pbx.offer_passing import OfferPassing
from officina.pbx.ok_retransmission import RFC_3261, AckTimers, OkUntilAck
from officina.pbx.placed_calls import ALLOW_UPDATE, CallPlacer, Loopback, PlacedLeg, caller_on
from officina.pbx.rtpengine import Leg
from officina.pbx.subscriptions import NotifiesInTurn
from officina.pbx.transaction_layer import peer_for_target
from officina.pbx.transports.base import TCP
from officina.sip import (
    ClientTransaction,
    Dialog,
    RemoteProtocolError,
    SipParseError,
    SipRequest,
    SipResponse,
    SipUri,
    Via,
    make_response,
    new_branch,
    new_tag,
)
from officina.sip.sdp import MediaDescription, Origin, SdpParseError, SessionDescription

if TYPE_CHECKING:
    from officina.pbx.bindings import Binding
    from officina.pbx.directory import Directory
    from officina.pbx.media.browser_bridge import BrowserBridge
    from officina.pbx.media.desk import MediaDesk
    from officina.pbx.proxy import Proxy
    from officina.pbx.selectors import DirectoryEntry
    from officina.pbx.transaction_layer import PbxTransactions
    from officina.pbx.transports.base import ConnectionTable, Flow
    from officina.sip import ServerTransaction
    from officina.sip.rport import Peer

logger = logging.getLogger("officina.pbx.third_party_calls")

# How long the member's phones ring before the call is given up.
MEMBER_RING_SECONDS = 30.0
# How long the target rings: under the 32 s a phone waits for the ACK of its 200.
TARGET_RING_SECONDS = 28.0
# A finished call's state stays readable this long (the page asks once more).
KEEP_SECONDS = 60.0
# Click-to-calls at once on this node; beyond it a request is refused (failed).
MAX_CALLS = 1000
CANCELLED_ELSEWHERE = 'SIP;cause=200;text="Call completed elsewhere"'


@dataclass(eq=False)
class Fork:
    client: ClientTransaction | None
    binding: Binding
    peer: Peer
    request: SipRequest
    final: bool = False


@dataclass(eq=False)
class ThirdPartyCall:
    ticket: str
    caller: DirectoryEntry
    target: str
    state: CallState
    call_id: str  # the member's leg
    tag: str
    forks: list[Fork] = field(default_factory=list)
    member_leg: Dialog | None = None
    member_peer: Peer | None = None
    member_updates: bool = False  # the member's phone listed UPDATE in its 200's Allow
    ack: bytes = b""  # the ACK sent to the member's phone (sent again for a 200 again)
    offer: bytes = b""
    target_leg: PlacedLeg | None = None
    # The re-INVITEs passed between the legs, once both are answered.
    passing: OfferPassing | None = None
    # A browser's leg joined to a plain target by the desk (no rtpengine): each side's
    # offers are answered here, never passed on.
    bridge: BrowserBridge | None = None
    answering: bool = False  # the browser's new offer is with aiortc
    # Our 2xx to the browser's re-INVITE, sent again until its ACK (that re-INVITE's CSeq).
    member_ok: tuple[int, OkUntilAck] | None = None
    # A transfer by REFER in a bridged call the desk passes to the other side as a REFER
    # of its own (the browser's, or the target's of the browser), until its final NOTIFY.
    referral: BrowserReferral | None = None
    referral_from_target: bool = False  # whose REFER that is: the target's, or the browser's
    member_notifies: NotifiesInTurn = field(default_factory=NotifiesInTurn)
    ended_at: float | None = None


class ThirdPartyCalls:
    """Every click-to-call of this node, by ticket and by the member's leg's Call-ID."""

    def __init__(
        self,
        proxy: Proxy,
        layer: PbxTransactions,
        directory: Directory,
        table: ConnectionTable,
        receive: Callable[[SipRequest | SipResponse, Flow], None],
        domain: str,
    ) -> None:
        self.proxy = proxy
        self.layer = layer
        self.directory = directory
        self.placer = CallPlacer(layer, table, receive, domain)
        self.domain = domain
        self.calls: dict[str, ThirdPartyCall] = {}
        self.by_call_id: dict[str, ThirdPartyCall] = {}
        self.on_change: Callable[[str, CallState], None] = lambda _ticket, _state: None
        self.stats = {"placed": 0, "connected": 0, "no_device": 0}
        # Of our 2xx to a re-INVITE, sent again until its ACK; shorter ones in tests.
        self.ack_timers: AckTimers = RFC_3261
        # The node's media desk (``runtime`` gives it): without rtpengine it bridges a
        # browser that answers to a plain target. None: nothing bridges such a call.
        self.desk: MediaDesk | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ asked by the web
    def state_of(self, ticket: str, extension: str) -> CallState | None:
        call = self.calls.get(ticket)
        if call is None or call.caller.number != extension:
            return None
        return call.state

    def end(self, ticket: str, extension: str) -> CallState | None:
        """Stop ``extension``'s call ``ticket``, at whatever stage; its state afterwards
        (None: no such call of that extension).

        The member's phones ringing: each gets CANCEL. The member answered and the target
        rings: the target gets CANCEL (through the proxy, which records the call as
        cancelled), and the member's phone, still waiting for the ACK of its 200, gets it
        with every stream refused, then a BYE. Both answered: each leg gets a BYE (RFC
        3725 §7) and the state is ``hung-up``. A call already over keeps its state."""
        call = self.calls.get(ticket)
        if call is None or call.caller.number != extension:
            return None
        if call.state is CallState.RINGING:
            for fork in call.forks:
                if not fork.final and fork.client is not None:
                    self.layer.cancel(fork.client, None)
            self._end(call, CallState.CANCELLED)
        elif call.state is CallState.CONNECTING:
            self._hang_up_target(call)
            self._refuse_member(call)
            self._end(call, CallState.CANCELLED)
        elif call.state is CallState.CONNECTED:
            self._hang_up_both(call, CallRecord.EndedBy.CALLER_ON_THE_WEB)
            self._end(call, CallState.HUNG_UP)
        return call.state

    def place(self, ticket: str, extension: str, target: str, target_name: str) -> CallState:
        """Ring ``extension``'s phones to connect them to ``target``; the first state."""
        caller = self.directory.entry(extension)
        if ticket in self.calls or not target or len(self.calls) >= MAX_CALLS:
            return CallState.FAILED
        reachable, devices = [], []
        if caller is not None:
            # The phone's offer reaches the target as the member's call on a loopback. A
            # browser's media (WebRTC) meet a plain target's through rtpengine, which the
            # proxy asks (``media_transport_of``), or else through the desk (``_bridge``);
            # with neither only plain phones ring, the kind nearly every target is (desk
            # phones, trunks, the PBX's own desk).
            reachable = self.proxy.reachable([caller], time.time())
            devices = (
                reachable
                if self.desk is not None
                else self.proxy.media_can_meet(reachable, Loopback.transport)
            )
        if caller is None or not devices:
            self.stats["no_device"] += 1
            # Phones there are, browsers all, and nothing to bridge them: the member is
            # told why none rings.
            return CallState.NO_MEDIA_BRIDGE if reachable else CallState.NO_DEVICE
        call = ThirdPartyCall(
            ticket=ticket,
            caller=caller,
            target=target,
            state=CallState.RINGING,
            call_id=f"c2c-{new_tag()}{new_tag()}",
            tag=new_tag(),
        )
        self.calls[ticket] = call
        self.by_call_id[call.call_id] = call
        self.stats["placed"] += 1
        shown = self._shown_as(caller, target_name or target)
        for binding, peer in devices:
            self._ring(call, binding, peer, shown)
        self.layer.call_later(MEMBER_RING_SECONDS, lambda: self._member_ring_over(call))
        return call.state

    @staticmethod
    def _shown_as(caller: DirectoryEntry, name: str) -> str:
        """What the member's phone shows: whom they are calling, in their language."""
        name = "".join(c for c in name if c not in '"\\\r\n\0')[:60]
        with translation.override(caller.language or settings.LANGUAGE_CODE):
            return _("Calling %(name)s") % {"name": name}

    # ------------------------------------------------------------------ the member's leg
    def _contact(self, peer: Peer) -> str:
        """Our Contact towards the member's phone at ``peer``."""
        host, port = self.layer.sender.local_via(peer.transport)
        transport = "" if peer.transport == "UDP" else f";transport={peer.transport.lower()}"
        return f"<sip:click-to-call@{host}:{port}{transport}>"

    def _ring(self, call: ThirdPartyCall, binding: Binding, peer: Peer, shown: str) -> None:
        invite = SipRequest(
            "INVITE",
            binding.contact_uri,
            [
                ("Max-Forwards", "70"),
                ("From", f'"{shown}" <sip:{call.target}@{self.domain}>;tag={call.tag}'),
                ("To", f"<sip:{call.caller.number}@{self.domain}>"),
                ("Call-ID", call.call_id),
                ("CSeq", "1 INVITE"),
                ("Contact", self._contact(peer)),
                ("Allow", ALLOW_UPDATE),
                ("Content-Length", "0"),
            ],
        )
        if binding.path:
            for route in reversed(binding.path.split(",")):
                invite.prepend_route(route.strip())
        fork = Fork(client=None, binding=binding, peer=peer, request=invite)
        call.forks.append(fork)
        try:
            fork.client = self.layer.forward(
                invite.copy(),
                peer,
                on_response=lambda _client, response: self._member_answered(call, fork, response),
                on_timeout=lambda _client: self._fork_failed(call, fork, 408),
            )
        except SipParseError:
            fork.final = True

    def _member_answered(self, call: ThirdPartyCall, fork: Fork, response: SipResponse) -> None:
        status = response.status
        if status < 200:
            return
        if status >= 300:
            self._fork_failed(call, fork, status)
            return
        fork.final = True
        assert fork.client is not None
        member = call.member_leg
        if member is not None:
            if response.to_tag == member.remote_tag and fork.peer == call.member_peer:
                if call.ack:  # our ACK was lost: the phone sends its 200 again
                    self.layer.sender.send(fork.peer, call.ack)
                return
            # A second phone answered before its CANCEL arrived: end it.
            self._ack_and_bye(Dialog.from_uac(fork.client.request, response), fork.peer)
            return
        if call.state is not CallState.RINGING:  # given up meanwhile
            self._ack_and_bye(Dialog.from_uac(fork.client.request, response), fork.peer)
            return
        call.member_leg = Dialog.from_uac(fork.client.request, response)
        call.member_peer = fork.peer
        call.member_updates = response.allows("UPDATE")
        call.offer = response.body
        for other in call.forks:
            if other is not fork and not other.final and other.client is not None:
                self.layer.cancel(other.client, CANCELLED_ELSEWHERE)
        if not call.offer:
            self._end(call, CallState.FAILED)
            return
        self._change(call, CallState.CONNECTING)
        if self._bridged_by_desk(call, fork.peer):
            self._bridge(call)
        else:
            # The offer is the phone's: a browser's is bridged through rtpengine, or goes
            # to browsers only (``_bridged_by_desk``).
            self._call_target(call, call.offer, fork.peer.transport, fork.peer.host)

    def _fork_failed(self, call: ThirdPartyCall, fork: Fork, status: int) -> None:
        fork.final = True
        if call.member_leg is not None or call.state is not CallState.RINGING:
            return
        if all(other.final for other in call.forks):
            declined = status in (486, 600, 603)
            self._end(call, CallState.DECLINED if declined else CallState.NO_ANSWER)

    def _member_ring_over(self, call: ThirdPartyCall) -> None:
        if call.state is not CallState.RINGING:
            return
        for fork in call.forks:
            if not fork.final and fork.client is not None:
                self.layer.cancel(fork.client, None)
        self._end(call, CallState.NO_ANSWER)

    def _send_to_member(self, call: ThirdPartyCall, method: str, body: bytes = b"") -> None:
        member, peer = call.member_leg, call.member_peer
        if call.passing is not None:  # where a target refresh of the phone's took it
            peer = call.passing.peer
        if member is None or peer is None or member.state == "terminated":
            return
        if method == "ACK":
            request = self._in_dialog(member, "ACK", peer, body, cseq=1)
            call.ack = request.serialize()
            self.layer.sender.send(peer, call.ack)
            return
        self._request_to_member(call, method, body)

    def _request_to_member(
        self,
        call: ThirdPartyCall,
        method: str,
        body: bytes,
        headers: list[tuple[str, str]] | None = None,
        on_answer: Callable[[SipResponse | None], None] | None = None,
    ) -> None:
        """A request other than ACK to the member's phone in its call (``headers``: for a
        body other than SDP, its Content-Type among them); ``on_answer`` gets its final
        answer (None: none came, or the request could not be sent). A NOTIFY waits for
        the one before it to be answered."""
        if method == "NOTIFY":
            call.member_notifies.send(
                lambda answered: self._request_to_member_now(call, method, body, headers, answered),
                on_answer or (lambda _answer: None),
            )
        else:
            self._request_to_member_now(call, method, body, headers, on_answer)

    def _request_to_member_now(
        self,
        call: ThirdPartyCall,
        method: str,
        body: bytes,
        headers: list[tuple[str, str]] | None,
        on_answer: Callable[[SipResponse | None], None] | None,
    ) -> None:
        member, peer = call.member_leg, call.member_peer
        if call.passing is not None:  # where a target refresh of the phone's took it
            peer = call.passing.peer
        if member is None or peer is None or member.state == "terminated":
            if on_answer is not None:
                on_answer(None)
            return
        request = self._in_dialog(member, method, peer, body, headers=headers)
        request.pop_via()  # the transaction puts its own

        def answered(_client: object, response: SipResponse) -> None:
            if on_answer is not None and response.status >= 200:
                on_answer(response)

        try:
            self.layer.forward(
                request,
                peer,
                on_response=answered,
                on_timeout=lambda _client: on_answer(None) if on_answer is not None else None,
            )
        except SipParseError:
            logger.debug("%s to the member's phone not sent", method)
            if on_answer is not None:
                on_answer(None)

    def _in_dialog(
        self,
        dialog: Dialog,
        method: str,
        peer: Peer,
        body: bytes,
        cseq: int | None = None,
        headers: list[tuple[str, str]] | None = None,
    ) -> SipRequest:
        via = Via.parse(self.layer.via(peer.transport, new_branch()))
        if headers is None:
            headers = [("Content-Type", "application/sdp")] if body else []
        return dialog.create_request(method, via, headers=headers, body=body, cseq=cseq)

    def _ack_and_bye(self, dialog: Dialog, peer: Peer) -> None:
        ack = self._in_dialog(dialog, "ACK", peer, b"", cseq=1)
        self.layer.sender.send(peer, ack.serialize())
        bye = self._in_dialog(dialog, "BYE", peer, b"")
        bye.pop_via()
        try:
            self.layer.forward(bye, peer, on_response=lambda *_: None, on_timeout=lambda *_: None)
        except SipParseError:
            logger.debug("BYE to a phone that answered too late not sent")

    def ack(self, request: SipRequest) -> bool:
        """The member's ACK of our 2xx to their re-INVITE: the 2xx is not sent again, and
        the answer it carries to a late offer goes on to the target (True: ours)."""
        call = self.by_call_id.get(request.call_id)
        if call is None or request.to_tag != call.tag:
            return False
        if call.passing is not None:
            call.passing.phone_acked(request)
        awaiting = call.member_ok
        if awaiting is not None and awaiting[0] == request.cseq.number:
            call.member_ok = None
            awaiting[1].acknowledged()
        return True

    def in_dialog(self, request: SipRequest, server: ServerTransaction) -> bool:
        """A request from the member's phone in a click-to-call: handled here (True)."""
        call = self.by_call_id.get(request.call_id)
        if call is None or request.to_tag != call.tag:
            return False
        method = request.method
        if method == "BYE":
            self.layer.respond(server, make_response(request, 200))
            if call.member_leg is not None:
                call.member_leg.terminate()
            answered = call.state is CallState.CONNECTED
            self._hang_up_target(call)
            self._end(call, CallState.ENDED if answered else CallState.CANCELLED)
        elif method in ("INFO", "OPTIONS"):
            self.layer.respond(server, make_response(request, 200))
            digit = info_digit(request) if method == "INFO" else None
            if digit is not None and call.bridge is not None:
                call.bridge.digit(digit)  # the browser's key: on to the target
        elif method in ("INVITE", "UPDATE"):
            self._member_offers(call, request, server)
        elif method == "REFER" and call.bridge is not None:
            self._browser_refers(call, request, server)
        elif method == "NOTIFY" and call.bridge is not None:
            self._browser_notifies(call, request, server)
        else:
            self.layer.respond(
                server, make_response(request, 405, headers=[("Allow", ALLOW_UPDATE)])
            )
        return True

    # ------------------------------------------------------------------ the desk's bridge
    def _bridged_by_desk(self, call: ThirdPartyCall, peer: Peer) -> bool:
        """Does the desk join the answering phone (at ``peer``) to the target? When it is
        a browser, no rtpengine runs, and the target is not an extension with browsers
        only (two browsers talk peer to peer: the browser's own offer goes to them)."""
        if self.desk is None or self.proxy.anchor is not None:
            return False
        return leg_for(peer.transport) is Leg.WEBRTC and not self._browsers_only(call.target)

    def _browsers_only(self, target: str) -> bool:
        """Is ``target`` an extension whose connected phones are all browsers?"""
        entry = self.directory.entry(target)
        if entry is None:
            return False
        devices = self.proxy.reachable([entry], time.time())
        return bool(devices) and all(leg_for(peer.transport) is Leg.WEBRTC for _b, peer in devices)

    def _bridge(self, call: ThirdPartyCall) -> None:
        """The browser's offer answered by the desk (aiortc), which calls the target with
        plain RTP of its own; the browser gets the answer in its ACK once the target
        answers (``_target_answered``). An offer aiortc cannot answer, or no media port
        free: the call fails, the browser's 200 ACKed with every stream refused."""
        assert self.desk is not None
        bridge = self.desk.bridge_browser(call.caller.number, call.target)
        bridge.on_failure = lambda: self._bridge_failed(call)
        call.bridge = bridge

        async def open_media() -> None:
            try:
                offer = await bridge.open(call.offer)
            except (WebRtcRefused, NoMediaPort) as error:
                logger.info("click-to-call %s: not bridged (%r)", call.ticket[:8], error)
                if call.state is CallState.CONNECTING:
                    self._refuse_member(call)
                    self._end(call, CallState.FAILED)
                return
            if call.state is not CallState.CONNECTING:  # the member gave up meanwhile
                bridge.close()
                return
            self._call_target(call, offer, TCP)

        task = asyncio.get_running_loop().create_task(open_media())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _bridge_failed(self, call: ThirdPartyCall) -> None:
        """The desk could not go on relaying: both legs are hung up."""
        self._hang_up_both(call, CallRecord.EndedBy.PHONE_SYSTEM)
        self._end(call, CallState.ENDED)

    def _bridge_answers_member(
        self, call: ThirdPartyCall, request: SipRequest, server: ServerTransaction
    ) -> None:
        """The browser's re-INVITE or UPDATE (hold, resume, a new microphone) answered by
        aiortc on the same transports, its 200 sent again until the ACK (a re-INVITE's);
        one that cannot be answered gets 488 and the call goes on as it was."""
        bridge, member, peer = call.bridge, call.member_leg, call.member_peer
        assert bridge is not None and member is not None and peer is not None
        if call.answering:
            self.layer.respond(server, make_response(request, 491))
            return
        try:
            member.receive_request(request)  # CSeq order; a new Contact is its target
        except RemoteProtocolError as error:
            self.layer.respond(server, make_response(request, error.status))
            return
        call.member_peer = peer = peer_for_target(peer, member.remote_target)
        if request.method == "UPDATE" and not request.body:
            self.layer.respond(server, make_response(request, 200))  # a session refresh
            return
        call.answering = True

        async def answer() -> None:
            try:
                sdp = await bridge.browser_offers(request.body)
            except WebRtcRefused as error:
                sdp = b""
                logger.info("click-to-call %s: offer refused (%s)", call.ticket[:8], error)
            finally:
                call.answering = False
            if call.state is not CallState.CONNECTED:
                self.layer.respond(server, make_response(request, 481))
                return
            if not sdp:
                self.layer.respond(server, make_response(request, 488))
                return
            headers = [
                ("Contact", self._contact(peer)),
                ("Allow", ALLOW_UPDATE),
                ("Content-Type", "application/sdp"),
            ]
            ok = make_response(request, 200, headers=headers, body=sdp)
            self.layer.respond(server, ok)
            if request.method == "INVITE":
                if call.member_ok is not None:
                    call.member_ok[1].acknowledged()  # an earlier 2xx's ACK: not awaited
                again = OkUntilAck.to_peer(
                    self.layer, peer, ok.serialize(),
                    lambda: self._no_ack(call), self.ack_timers,
                )  # fmt: skip
                call.member_ok = (request.cseq.number, again)

        task = asyncio.get_running_loop().create_task(answer())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _bridge_answers_target(self, call: ThirdPartyCall, request: SipRequest) -> None:
        """The target's re-INVITE or UPDATE answered by the desk on its port (a hold:
        ``recvonly``, and the browser hears the music); one without an offer gets the
        desk's (a re-INVITE's answer then comes in its ACK); 488 for one it cannot take."""
        bridge, placed = call.bridge, call.target_leg
        assert bridge is not None and placed is not None
        headers = [("Contact", placed.contact), ("Allow", ALLOW_UPDATE)]
        if not request.body and request.method == "UPDATE":
            placed.respond(make_response(request, 200, headers=headers))
            return
        on_ack = None
        try:
            if request.body:
                sdp = bridge.other_offers(request.body)
            else:
                sdp, on_ack = bridge.offer_again(), bridge.other_answers
        except SdpParseError as error:
            logger.info("click-to-call %s: target's offer refused (%s)", call.ticket[:8], error)
            placed.respond(make_response(request, 488))
            return
        headers.append(("Content-Type", "application/sdp"))
        ok = make_response(request, 200, headers=headers, body=sdp)
        if request.method == "UPDATE":
            placed.respond(ok)  # nothing to ACK
        else:
            placed.respond_until_acked(
                ok, lambda: self._no_ack(call), self.ack_timers, on_ack=on_ack
            )

    def _target_info(self, call: ThirdPartyCall, request: SipRequest) -> None:
        """The target's INFO in a bridged call: a key goes on to the browser as tones."""
        placed = call.target_leg
        assert placed is not None
        placed.respond(make_response(request, 200))
        digit = info_digit(request)
        if digit is not None and call.bridge is not None:
            call.bridge.other_digit(digit)

    # ------------------------------------------------------------------ transfers
    def _browser_refers(
        self, call: ThirdPartyCall, request: SipRequest, server: ServerTransaction
    ) -> None:
        """The browser transfers the target: the desk sends the target a REFER of its own
        naming the same number, from the member (``browser_referrals.py``); the target's
        answer is the browser's, its NOTIFYs go back to the browser
        (``_target_notifies``). The REFER passes the proxy in the target's call, which
        records the transfer as any other.

        Attended (Replaces naming the browser's consultation): as for the browser in any
        call the desk bridges (``BridgedBrowserCalls.named_for_browser``), a consultation
        the desk bridges is named as the target's phone holds it, the desk's dialog with
        that phone, and ends once replaced; any other is named as it came. The proxy
        notes the Call-ID our REFER names, so the target's INVITE with it is let through
        and recorded as replacing it."""
        placed, member, peer = call.target_leg, call.member_leg, call.member_peer
        gone = placed is None or member is None or peer is None
        referred = transfer_asked(
            request,
            lambda response: self.layer.respond(server, response),
            busy=self._busy(call) or gone,
        )
        if referred is None:
            return
        assert placed is not None
        number, target = referred
        bridges = self.proxy.browser_bridges
        if bridges is None:
            # Only the calls the desk bridges hold the consultation; without them there is
            # none it could name.
            named: NamedInRefer | SipResponse = NamedInRefer(refer_to_number(self.domain, number))
            if target.headers.get("Replaces") or target.headers.get("replaces"):
                named = make_response(request, 501, headers=[warning("no attended transfer")])
        else:
            named = bridges.named_for_browser(request, number, target)
        if isinstance(named, SipResponse):
            self.layer.respond(server, named)
            return
        referral = BrowserReferral(
            refer=request,
            respond=lambda response: self.layer.respond(server, response),
            on_success=named.on_success,
        )
        call.referral, call.referral_from_target = referral, False
        logger.info("click-to-call %s: the browser transfers to %s", call.ticket[:8], number)
        headers = refer_headers(named.uri, self.domain, call.caller.number)
        placed.request(
            "REFER",
            b"",
            [*headers, ("Contact", placed.contact)],
            lambda answer: self._referee_took_refer(call, referral, answer),
        )

    def _target_refers(self, call: ThirdPartyCall, request: SipRequest) -> None:
        """The target transfers the member (its REFER in the target's call, blind or
        attended): the desk sends the browser a REFER of its own to the same number, from
        the target (``Referred-By``), and answers the target's REFER as the browser
        answers ours (202, or its refusal). The browser calls the new party itself
        (through the proxy, which bridges that call in turn when its phones are plain)
        and reports in NOTIFYs, which go back to the target in its own REFER's
        subscription (``_browser_notifies``); on the final 200 the target hangs up, which
        ends the browser's old call. The proxy, which relayed the target's REFER here,
        records the transfer once we accept it (``Proxy._refer_accepted``).

        Attended: a Replaces naming the target's consultation with a plain phone is
        passed on as it came (the browser's call, bridged by the desk, carries it on); a
        consultation the desk bridges (a browser target) is named as that browser holds
        it (``BridgedBrowserCalls.consulted_browser``), so that the member's browser calls
        it directly and takes the consultation's place, and the desk, whose bridge the
        replaced call's BYE ends, hangs up the target's consultation line. One naming a
        Call-ID of the desk's but no live consultation: 202 and a NOTIFY of 481."""
        placed = call.target_leg
        assert placed is not None
        referred = transfer_asked(request, placed.respond, busy=self._busy(call))
        if referred is None:
            return
        number, target = referred
        bridges = self.proxy.browser_bridges
        replaces = named_consultation(request, target)
        if isinstance(replaces, SipResponse):
            placed.respond(replaces)
            return
        if (
            replaces is not None
            and bridges is not None
            and bridges.bridges_dialog(replaces.call_id)
        ):
            # A consultation the desk bridges (a browser target) is named as its browser
            # holds it, so that the member's browser calls that browser directly.
            member = call.caller.extension_id
            named = bridges.consulted_browser(replaces, member, number)
            if named is None:

                def notify(body: bytes, headers: list[tuple[str, str]]) -> None:
                    placed.request("NOTIFY", body, headers, lambda _answer: None)

                no_consultation(request, placed.respond, notify, placed.contact)
                return
            replaces = named
        referral = BrowserReferral(refer=request, respond=placed.respond)
        call.referral, call.referral_from_target = referral, True
        sender = request.from_.uri
        transferor = sender.user if isinstance(sender, SipUri) else None
        logger.info("click-to-call %s: the target transfers to %s", call.ticket[:8], number)
        peer = call.member_peer
        headers = refer_headers(
            refer_to_number(self.domain, number, replaces), self.domain, transferor
        )
        contact = [("Contact", self._contact(peer))] if peer is not None else []
        self._request_to_member(
            call,
            "REFER",
            b"",
            [*headers, *contact],
            lambda answer: self._referee_took_refer(call, referral, answer),
        )

    @staticmethod
    def _busy(call: ThirdPartyCall) -> bool:
        """Whether ``call`` cannot be transferred now (``transfer_asked``: 491): not
        connected, or in another transfer."""
        return call.state is not CallState.CONNECTED or call.referral is not None

    def _referee_took_refer(
        self, call: ThirdPartyCall, referral: BrowserReferral, answer: SipResponse | None
    ) -> None:
        """The referred side's answer to our REFER is the referrer's answer to its own; a
        refusal ends the referral and the call goes on."""
        call_on = call.referral is referral and call.state is CallState.CONNECTED
        contact = self._referrer_contact(call)
        took = referral.plain_answered(answer, call_on=call_on and contact != "", contact=contact)
        if not took and call.referral is referral:
            call.referral = None

    def _referrer_contact(self, call: ThirdPartyCall) -> str:
        """Our Contact in the dialog with the side whose REFER the call's referral is
        ("": that side's leg is gone)."""
        if call.referral_from_target:
            return call.target_leg.contact if call.target_leg is not None else ""
        return self._contact(call.member_peer) if call.member_peer is not None else ""

    def _target_notifies(self, call: ThirdPartyCall, request: SipRequest) -> None:
        """The target's NOTIFY about our REFER: passed to the browser in its REFER's
        subscription; a final one ends the referral."""
        placed = call.target_leg
        assert placed is not None
        if self._referee_notified(call, request, placed.respond, from_target=True):
            headers = self._notified_headers(call, request)
            self._request_to_member(call, "NOTIFY", request.body, headers)

    def _browser_notifies(
        self, call: ThirdPartyCall, request: SipRequest, server: ServerTransaction
    ) -> None:
        """The browser's NOTIFY about our REFER: passed to the target in its REFER's
        subscription; a final one ends the referral."""

        def respond(response: SipResponse) -> None:
            self.layer.respond(server, response)

        placed = call.target_leg
        if self._referee_notified(call, request, respond, from_target=False):
            assert placed is not None
            headers = self._notified_headers(call, request)
            placed.request("NOTIFY", request.body, headers, lambda _answer: None)

    def _referee_notified(
        self,
        call: ThirdPartyCall,
        request: SipRequest,
        respond: Callable[[SipResponse], None],
        *,
        from_target: bool,
    ) -> bool:
        """Whether a NOTIFY (from the target, or else the browser) is about the REFER we
        sent that side for the other: answered 200 then, else 481 (no subscription of
        ours)."""
        referral = call.referral
        if (
            referral is None
            or not referral.accepted
            or call.state.final
            or from_target == call.referral_from_target
            or self._referrer_contact(call) == ""
        ):
            respond(make_response(request, 481))
            return False
        respond(make_response(request, 200))
        return True

    def _notified_headers(self, call: ThirdPartyCall, request: SipRequest) -> list[tuple[str, str]]:
        """The headers of the NOTIFY passing ``request`` on to the referrer; a final one
        ends the referral."""
        referral = call.referral
        assert referral is not None
        headers, over = referral.plain_notified(request, self._referrer_contact(call))
        if over:
            call.referral = None
        return headers

    # ------------------------------------------------------------------ the target's leg
    def _call_target(
        self, call: ThirdPartyCall, offer: bytes, media_transport: str, media_host: str = ""
    ) -> None:
        """Place the target's leg with ``offer``, whose media are those of a device on
        ``media_transport`` (the proxy rings the target's devices that suit them) sending
        from ``media_host`` (its SDP judged against it for NAT, not against the loopback)."""
        call.target_leg = self.placer.place(
            call.caller,
            call.target,
            call_id=f"{call.call_id}-target",
            offer=offer,
            display_name=call.caller.display_name,
            ring_seconds=TARGET_RING_SECONDS,
            on_answer=lambda response: self._target_answered(call, response),
            on_failure=lambda status: self._target_failed(call, status),
            on_bye=lambda: self._target_hung_up(call),
            on_offer=lambda request: self._target_offers(call, request),
            updates=True,  # passed to the member's phone (``OfferPassing``)
            media_transport=media_transport,
            media_host=media_host,
        )
        call.target_leg.on_update = call.target_leg.on_offer
        if call.bridge is not None:
            call.target_leg.on_info = lambda request: self._target_info(call, request)
            call.target_leg.on_notify = lambda request: self._target_notifies(call, request)
            call.target_leg.on_refer = lambda request: self._target_refers(call, request)

    @staticmethod
    def caller_on(flow: Flow) -> DirectoryEntry | None:
        """The member a request arriving on ``flow`` comes from, when ``flow`` is one of
        the loopbacks of the calls this process places: None for any other flow."""
        return caller_on(flow)

    def _target_answered(self, call: ThirdPartyCall, response: SipResponse) -> None:
        if call.state.final:  # the member hung up while the 200 was on its way
            self._hang_up_target(call)
            return
        if call.bridge is not None:
            try:
                answer = call.bridge.other_answered(response.body)
            except SdpParseError as error:
                logger.info("click-to-call %s: answer unusable (%s)", call.ticket[:8], error)
                self._hang_up_target(call)
                self._refuse_member(call)
                self._end(call, CallState.FAILED)
                return
            self._send_to_member(call, "ACK", answer)  # aiortc's, to the browser's offer
            self.stats["connected"] += 1
            self._change(call, CallState.CONNECTED)
            return
        self._send_to_member(call, "ACK", response.body)
        member, peer, target = call.member_leg, call.member_peer, call.target_leg
        if member is not None and peer is not None and target is not None:
            call.passing = OfferPassing(
                self.layer,
                member,
                peer,
                self._contact(peer),
                target,
                lambda: self._no_ack(call),
                self.ack_timers,
                phone_updates=call.member_updates,
            )
        self.stats["connected"] += 1
        self._change(call, CallState.CONNECTED)

    def _target_failed(self, call: ThirdPartyCall, status: int) -> None:
        self._refuse_member(call)
        self._end(call, _target_failure(status))

    def _target_hung_up(self, call: ThirdPartyCall) -> None:
        self._send_to_member(call, "BYE")
        self._end(call, CallState.ENDED)

    def _hang_up_target(self, call: ThirdPartyCall) -> None:
        if call.target_leg is not None:
            call.target_leg.hang_up()

    def _hang_up_both(self, call: ThirdPartyCall, by: CallRecord.EndedBy) -> None:
        """A BYE to each answered leg: the target's through the proxy (whose record says
        who ended the call ``by``), the member's phone directly."""
        target = call.target_leg
        if target is not None and target.invite is not None:
            self.proxy.ending(target.invite.call_id, by)
        self._hang_up_target(call)
        self._send_to_member(call, "BYE")
        if call.member_leg is not None:
            call.member_leg.terminate()

    def _refuse_member(self, call: ThirdPartyCall) -> None:
        """End the member's answered leg: its offer gets an answer refusing every stream
        (an ACK must carry one), then a BYE."""
        try:
            offer = SessionDescription.parse(call.offer)
        except SdpParseError:
            offer = None
        self._send_to_member(call, "ACK", _refusal_of(offer))
        self._send_to_member(call, "BYE")
        if call.member_leg is not None:
            call.member_leg.terminate()  # once: the target's late answer sends nothing more

    # ------------------------------------------------------------------ re-INVITEs, UPDATEs
    # Hold, resume, a codec change, a session refresh: passed between the two legs
    # (``offer_passing.py``, RFC 3725 §6, RFC 3311) once both are answered; before that a
    # re-INVITE or UPDATE gets 491 (RFC 3261 §14.2, RFC 3311 §5.2).
    def _member_offers(
        self, call: ThirdPartyCall, request: SipRequest, server: ServerTransaction
    ) -> None:
        if call.bridge is not None and call.state is CallState.CONNECTED:
            self._bridge_answers_member(call, request, server)
        elif call.passing is None:
            self.layer.respond(server, make_response(request, 491))
        elif request.method == "UPDATE":
            call.passing.update_from_phone(request, server)
        else:
            call.passing.from_phone(request, server)

    def _no_ack(self, call: ThirdPartyCall) -> None:
        """A side never ACKed our 2xx to its re-INVITE (RFC 3261 §13.3.1.4): the call is
        over."""
        logger.info("click-to-call %s: a 2xx to a re-INVITE never ACKed", call.ticket[:8])
        self._hang_up_both(call, CallRecord.EndedBy.PHONE_SYSTEM)
        self._end(call, CallState.ENDED)

    def _target_offers(self, call: ThirdPartyCall, request: SipRequest) -> None:
        target = call.target_leg
        assert target is not None
        if call.bridge is not None and call.state is CallState.CONNECTED:
            self._bridge_answers_target(call, request)
        elif call.passing is None:
            target.respond(make_response(request, 491))
        elif request.method == "UPDATE":
            call.passing.update_from_placed(request)
        else:
            call.passing.from_placed(request)

    # ------------------------------------------------------------------ the end
    def _change(self, call: ThirdPartyCall, state: CallState) -> None:
        if call.state is state:
            return
        call.state = state
        self.on_change(call.ticket, state)

    def _end(self, call: ThirdPartyCall, state: CallState) -> None:
        if call.ended_at is not None:
            return
        call.ended_at = time.monotonic()
        if call.passing is not None:
            call.passing.close()  # nothing more is sent in a call that is over
        if call.member_ok is not None:
            call.member_ok[1].acknowledged()
        if call.bridge is not None:
            call.bridge.close()  # the desk's relaying stops, both ports freed
        logger.info("click-to-call %s from %s: %s", call.ticket[:8], call.caller.number, state)
        self._change(call, state)
        if call.target_leg is not None:
            call.target_leg.release()
        self.layer.call_later(KEEP_SECONDS, lambda: self._forget(call))

    def _forget(self, call: ThirdPartyCall) -> None:
        self.calls.pop(call.ticket, None)
        self.by_call_id.pop(call.call_id, None)


def _target_failure(status: int) -> CallState:
    if status in (486, 600, 603):
        return CallState.BUSY
    if status == 403:
        return CallState.REFUSED
    if status in (404, 484):
        return CallState.UNKNOWN
    if status in (408, 480, 487):
        return CallState.NO_ANSWER
    return CallState.FAILED


def _refusal_of(offer: SessionDescription | None) -> bytes:
    """An answer refusing every stream of ``offer`` (RFC 3264 §6: port 0)."""
    if offer is None:
        return b""
    refusal = SessionDescription(
        Origin("officina", "0", 1, "IN", "IP4", "0.0.0.0"),  # noqa: S104 - an SDP address
        "-",
        [("c", "IN IP4 0.0.0.0"), ("t", "0 0")],
        [MediaDescription(m.media, 0, m.proto, m.formats[:1]) for m in offer.media],
    )
    return refusal.serialize()


__all__ = ["ThirdPartyCalls"]
