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

The second leg is a call *of the member's extension*: it enters the proxy on a
``Loopback`` connection that only this process can open, so the proxy takes it as the
member's authenticated INVITE (``SipServer._invite``) and does with it what it does with
a dialled call: an extension, a ring group, a company number, or a number outside
through the company's trunk behind the toll-fraud guard and with the company's caller
ID; the call record, the busy lamps and "on a call" follow. The proxy's Record-Route
keeps its requests (the target's BYE) coming back along the loopback.

The first leg goes straight to the member's devices (their registrations, as the proxy
forks); its in-dialog requests (the member's BYE) come to this server, which hands them
here (``in_dialog``). A BYE from either side ends both; so do a busy or unanswered
target (the phone gets its ACK, with every stream refused, and a BYE). A member's BYE
while the target rings cancels it, though a phone waiting for its ACK may not send one
(RFC 3261 §15); the member's other way is the page's "Cancel" (``cancel``), which
cancels whichever leg rings.

A re-INVITE from either side (hold, resume) has its offer passed to the other in a
re-INVITE of that leg, and the answer brought back (RFC 3725 §6).

Flow I's known weakness: the phone's 200 waits for its ACK until the target answers,
and a phone gives up after 64*T1 (32 s) without one. The target therefore rings at most
``TARGET_RING_SECONDS``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from officina.pbx.call_requests import CallState
from officina.pbx.transports.base import TCP, Flow
from officina.sip import (
    ClientTransaction,
    Dialog,
    SipParseError,
    SipRequest,
    SipResponse,
    Via,
    make_cancel,
    make_response,
    new_branch,
    new_tag,
    parse_message,
)
from officina.sip.sdp import MediaDescription, Origin, SdpParseError, SessionDescription

if TYPE_CHECKING:
    from officina.pbx.bindings import Binding
    from officina.pbx.directory import Directory
    from officina.pbx.proxy import Proxy
    from officina.pbx.selectors import DirectoryEntry
    from officina.pbx.transaction_layer import PbxTransactions
    from officina.pbx.transports.base import ConnectionTable
    from officina.sip import ServerTransaction
    from officina.sip.rport import Peer

logger = logging.getLogger("officina.pbx.third_party_calls")

# How long the member's phones ring before the call is given up.
MEMBER_RING_SECONDS = 30.0
# How long the target rings: under the 32 s a phone waits for the ACK of its 200.
TARGET_RING_SECONDS = 28.0
# A finished call's state stays readable this long (the page asks once more).
KEEP_SECONDS = 60.0
# Loopback connections stay this long after their call, for the last BYE's answer.
LOOPBACK_LINGER_SECONDS = 32.0
# Click-to-calls at once on this node; beyond it a request is refused (failed).
MAX_CALLS = 1000
LOOPBACK_HOST = "click-to-call.invalid"  # never resolvable (RFC 6761): no one else's flow
CANCELLED_ELSEWHERE = 'SIP;cause=200;text="Call completed elsewhere"'

_loopback_numbers = itertools.count(1)


class Loopback:
    """A connection from this process to its own proxy, carrying one click-to-call's
    second leg. Only this module makes one: a request arriving on it is the member's."""

    transport = TCP

    def __init__(self, call: ThirdPartyCall, deliver: Callable[[bytes], None]) -> None:
        number = next(_loopback_numbers) % 65_535 + 1
        self.key = f"c2c-{number}"
        self.remote = (LOOPBACK_HOST, number)
        self.opened_at = time.monotonic()
        self.messages_received = 1  # never reaped as unused (ConnectionTable.expire)
        self.call = call
        self._deliver = deliver
        self.closed = False

    @property
    def last_activity(self) -> float:
        return time.monotonic()  # held by its call, not by traffic: never reaped as idle

    @last_activity.setter
    def last_activity(self, _moment: float) -> None:
        return

    def send(self, data: bytes) -> bool:
        if self.closed:
            return False
        self._deliver(data)
        return True

    def close(self) -> None:
        self.closed = True


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
    ack: bytes = b""  # the ACK sent to the member's phone (sent again for a 200 again)
    offer: bytes = b""
    loopback: Loopback | None = None
    invite: SipRequest | None = None  # the second leg's INVITE
    target_final: bool = False
    target_leg: Dialog | None = None
    target_ack: SipRequest | None = None
    ended_at: float | None = None
    offer_passing: bool = False  # a re-INVITE's offer is on its way to the other side
    # What to do with the target's final answer to the re-INVITE we sent it.
    on_target_answer: Callable[[SipResponse], None] | None = None


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
        self.table = table
        self.receive = receive  # SipServer.receive_message: into the proxy
        self.domain = domain
        self.calls: dict[str, ThirdPartyCall] = {}
        self.by_call_id: dict[str, ThirdPartyCall] = {}
        self.on_change: Callable[[str, CallState], None] = lambda _ticket, _state: None
        self.stats = {"placed": 0, "connected": 0, "no_device": 0}

    # ------------------------------------------------------------------ asked by the web
    def state_of(self, ticket: str, extension: str) -> CallState | None:
        call = self.calls.get(ticket)
        if call is None or call.caller.number != extension:
            return None
        return call.state

    def cancel(self, ticket: str, extension: str) -> CallState | None:
        """Stop ``extension``'s call ``ticket`` while a phone rings; its state afterwards
        (None: no such call of that extension).

        The member's phones ringing: each gets CANCEL. The member answered and the target
        rings: the target gets CANCEL (through the proxy, which records the call as
        cancelled), and the member's phone, still waiting for the ACK of its 200, gets it
        with every stream refused, then a BYE. An answered call is not cancelled (the
        member hangs up on their phone), nor is one already over."""
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
        return call.state

    def place(self, ticket: str, extension: str, target: str, target_name: str) -> CallState:
        """Ring ``extension``'s phones to connect them to ``target``; the first state."""
        caller = self.directory.entry(extension)
        if ticket in self.calls or not target or len(self.calls) >= MAX_CALLS:
            return CallState.FAILED
        devices = self.proxy.reachable([caller], time.time()) if caller is not None else []
        if caller is None or not devices:
            self.stats["no_device"] += 1
            return CallState.NO_DEVICE
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
                ("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO"),
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
        call.offer = response.body
        for other in call.forks:
            if other is not fork and not other.final and other.client is not None:
                self.layer.cancel(other.client, CANCELLED_ELSEWHERE)
        if not call.offer:
            self._end(call, CallState.FAILED)
            return
        self._change(call, CallState.CONNECTING)
        self._call_target(call)

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
        if member is None or peer is None or member.state == "terminated":
            return
        if method == "ACK":
            request = self._in_dialog(member, "ACK", peer, body, cseq=1)
            call.ack = request.serialize()
            self.layer.sender.send(peer, call.ack)
            return
        request = self._in_dialog(member, method, peer, body)
        request.pop_via()  # the transaction puts its own
        try:
            self.layer.forward(
                request, peer, on_response=lambda *_: None, on_timeout=lambda *_: None
            )
        except SipParseError:
            logger.debug("%s to the member's phone not sent", method)

    def _in_dialog(
        self, dialog: Dialog, method: str, peer: Peer, body: bytes, cseq: int | None = None
    ) -> SipRequest:
        via = Via.parse(self.layer.via(peer.transport, new_branch()))
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
        elif method == "INVITE":
            self._member_offers(call, request, server)
        else:
            self.layer.respond(
                server,
                make_response(request, 405, headers=[("Allow", "INVITE, ACK, BYE, INFO")]),
            )
        return True

    # ------------------------------------------------------------------ the target's leg
    def _call_target(self, call: ThirdPartyCall) -> None:
        loop = asyncio.get_running_loop()

        def deliver(data: bytes) -> None:
            loop.call_soon(self._from_proxy, call, data)

        loopback = Loopback(call, deliver)
        call.loopback = loopback
        self.table.add(loopback)
        host, port = loopback.remote
        caller = call.caller
        name = caller.display_name.replace('"', "").replace("\\", "")
        call.invite = SipRequest(
            "INVITE",
            f"sip:{call.target}@{self.domain}",
            [
                ("Via", f"SIP/2.0/TCP {host}:{port};branch={new_branch()}"),
                ("Max-Forwards", "70"),
                ("From", f'"{name}" <sip:{caller.number}@{self.domain}>;tag={new_tag()}'),
                ("To", f"<sip:{call.target}@{self.domain}>"),
                ("Call-ID", f"{call.call_id}-target"),
                ("CSeq", "1 INVITE"),
                ("Contact", f"<sip:{caller.number}@{host}:{port};transport=tcp>"),
                ("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO"),
                ("Content-Type", "application/sdp"),
            ],
            call.offer,
        )
        self._to_proxy(call, call.invite.copy())
        self.layer.call_later(TARGET_RING_SECONDS, lambda: self._target_ring_over(call))

    def caller_on(self, flow: Flow) -> DirectoryEntry | None:
        """The member a request arriving on ``flow`` comes from, when ``flow`` is one of
        our loopbacks (the proxy then skips the challenge): None for any other flow."""
        connection = flow.connection
        if isinstance(connection, Loopback) and not connection.closed:
            return connection.call.caller
        return None

    def _to_proxy(self, call: ThirdPartyCall, message: SipRequest | SipResponse) -> None:
        loopback = call.loopback
        if loopback is None:
            return
        flow = Flow(TCP, loopback.remote[0], loopback.remote[1], connection=loopback)
        # Never from inside the server's own call stack (a response handler): the next
        # turn of the loop, as a message from a socket would come.
        asyncio.get_running_loop().call_soon(self.receive, message, flow)

    def _from_proxy(self, call: ThirdPartyCall, data: bytes) -> None:
        try:
            message = parse_message(data)
        except SipParseError:
            logger.warning("click-to-call %s: unreadable message from the proxy", call.ticket)
            return
        if isinstance(message, SipResponse):
            if message.cseq.method == "INVITE" and message.cseq.number == 1:
                self._target_answered(call, message)
            elif message.cseq.method == "INVITE" and message.status >= 200:
                on_answer, call.on_target_answer = call.on_target_answer, None
                if on_answer is not None:
                    on_answer(message)
            return
        self._target_request(call, message)

    def _target_answered(self, call: ThirdPartyCall, response: SipResponse) -> None:
        status = response.status
        invite = call.invite
        if status < 200 or invite is None:
            return
        if status >= 300:
            if not call.target_final:
                call.target_final = True
                self._to_proxy(call, _ack_of_failure(invite, response))
                self._refuse_member(call)
                self._end(call, _target_failure(status))
            return
        if call.target_leg is not None:  # the 200 again: our ACK was lost
            if call.target_ack is not None:
                self._to_proxy(call, call.target_ack.copy())
            return
        call.target_final = True
        call.target_leg = Dialog.from_uac(invite, response)
        host, port = call.loopback.remote if call.loopback is not None else ("", 0)
        via = Via.parse(f"SIP/2.0/TCP {host}:{port};branch={new_branch()}")
        call.target_ack = call.target_leg.create_request("ACK", via, cseq=1)
        self._to_proxy(call, call.target_ack.copy())
        if call.state.final:  # the member hung up while the 200 was on its way
            self._hang_up_target(call)
            return
        self._send_to_member(call, "ACK", response.body)
        self.stats["connected"] += 1
        self._change(call, CallState.CONNECTED)

    def _target_request(self, call: ThirdPartyCall, request: SipRequest) -> None:
        method = request.method
        if method == "ACK":
            return
        if method == "BYE":
            self._to_proxy(call, make_response(request, 200))
            if call.target_leg is not None:
                call.target_leg.terminate()
            self._send_to_member(call, "BYE")
            self._end(call, CallState.ENDED)
        elif method in ("INFO", "OPTIONS"):
            self._to_proxy(call, make_response(request, 200))
        elif method == "INVITE":
            self._target_offers(call, request)
        else:
            self._to_proxy(call, make_response(request, 405))

    def _target_ring_over(self, call: ThirdPartyCall) -> None:
        if call.target_final or call.state.final or call.invite is None:
            return
        self._to_proxy(call, make_cancel(call.invite, None))

    def _hang_up_target(self, call: ThirdPartyCall) -> None:
        target = call.target_leg
        if target is not None and target.state != "terminated":
            host, port = call.loopback.remote if call.loopback is not None else ("", 0)
            via = Via.parse(f"SIP/2.0/TCP {host}:{port};branch={new_branch()}")
            self._to_proxy(call, target.create_request("BYE", via))
            target.terminate()
        elif call.invite is not None and not call.target_final:
            self._to_proxy(call, make_cancel(call.invite, None))

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

    # ------------------------------------------------------------------ re-INVITEs
    # Hold, resume, a codec change: one side's offer goes to the other in a re-INVITE of
    # its own leg, and that side's answer comes back in the 200 (RFC 3725 §6). One at a
    # time: a re-INVITE while another's offer is on its way gets 491 (RFC 3261 §14.2), and
    # so does one before both legs are up. A re-INVITE without an offer (which would
    # want the other side's offer in our 200 and its answer in the ACK) gets 488.
    def _offer_refused(self, call: ThirdPartyCall, request: SipRequest) -> SipResponse | None:
        if call.offer_passing or call.state is not CallState.CONNECTED:
            return make_response(request, 491)
        if not request.body:
            return make_response(request, 488, "Offer Required")
        return None

    def _member_offers(
        self, call: ThirdPartyCall, request: SipRequest, server: ServerTransaction
    ) -> None:
        refused = self._offer_refused(call, request)
        target, peer = call.target_leg, call.member_peer
        if refused is not None or target is None or peer is None:
            self.layer.respond(server, refused or make_response(request, 481))
            return
        call.offer_passing = True
        host, port = call.loopback.remote if call.loopback is not None else ("", 0)

        def new_via() -> Via:
            return Via.parse(f"SIP/2.0/TCP {host}:{port};branch={new_branch()}")

        contact = ("Contact", f"<sip:{call.caller.number}@{host}:{port};transport=tcp>")
        reinvite = target.create_request(
            "INVITE",
            new_via(),
            headers=[contact, ("Content-Type", "application/sdp")],
            body=request.body,
        )

        def answered(response: SipResponse) -> None:
            call.offer_passing = False
            if response.status < 300:
                ack = target.create_request("ACK", new_via(), cseq=reinvite.cseq.number)
                self._to_proxy(call, ack)
                answer = make_response(
                    request,
                    200,
                    headers=[("Contact", self._contact(peer)), ("Content-Type", "application/sdp")],
                    body=response.body,
                )
            else:  # the call goes on as it was (RFC 3261 §14.1)
                self._to_proxy(call, _ack_of_failure(reinvite, response))
                answer = make_response(request, response.status, response.reason)
            self.layer.respond(server, answer)

        call.on_target_answer = answered
        self._to_proxy(call, reinvite)

    def _target_offers(self, call: ThirdPartyCall, request: SipRequest) -> None:
        refused = self._offer_refused(call, request)
        member, peer = call.member_leg, call.member_peer
        if refused is not None or member is None or peer is None:
            self._to_proxy(call, refused or make_response(request, 481))
            return
        call.offer_passing = True
        headers = [("Contact", self._contact(peer)), ("Content-Type", "application/sdp")]
        via = Via.parse(self.layer.via(peer.transport, new_branch()))
        reinvite = member.create_request("INVITE", via, headers=headers, body=request.body)
        reinvite.pop_via()  # the transaction puts its own
        host, port = call.loopback.remote if call.loopback is not None else ("", 0)

        def answered(_client: ClientTransaction, response: SipResponse) -> None:
            if response.status < 200:
                return
            call.offer_passing = False
            if response.status < 300:
                ack = self._in_dialog(member, "ACK", peer, b"", cseq=reinvite.cseq.number)
                self.layer.sender.send(peer, ack.serialize())
                contact = f"<sip:{call.caller.number}@{host}:{port};transport=tcp>"
                answer = make_response(
                    request,
                    200,
                    headers=[("Contact", contact), ("Content-Type", "application/sdp")],
                    body=response.body,
                )
            else:
                answer = make_response(request, response.status, response.reason)
            self._to_proxy(call, answer)

        def timed_out(_client: ClientTransaction) -> None:
            call.offer_passing = False
            self._to_proxy(call, make_response(request, 408))

        try:
            self.layer.forward(reinvite, peer, on_response=answered, on_timeout=timed_out)
        except SipParseError:
            call.offer_passing = False
            self._to_proxy(call, make_response(request, 500))

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
        logger.info("click-to-call %s from %s: %s", call.ticket[:8], call.caller.number, state)
        self._change(call, state)
        loopback = call.loopback

        def forget() -> None:
            if loopback is not None:
                loopback.close()
                self.table.remove(loopback)

        self.layer.call_later(LOOPBACK_LINGER_SECONDS, forget)
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


def _ack_of_failure(invite: SipRequest, response: SipResponse) -> SipRequest:
    """The ACK of a final failure, hop by hop to the proxy (RFC 3261 §17.1.1.3)."""
    headers = [("Via", str(invite.top_via)), ("Max-Forwards", "70")]
    headers += [
        ("From", invite.header("From") or ""),
        ("To", response.header("To") or ""),
        ("Call-ID", invite.call_id),
        ("CSeq", f"{invite.cseq.number} ACK"),
        ("Content-Length", "0"),
    ]
    return SipRequest("ACK", invite.uri_text, headers)


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


__all__ = ["Loopback", "ThirdPartyCalls"]
