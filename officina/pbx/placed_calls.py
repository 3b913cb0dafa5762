"""Calls the PBX places of its own, as one of its members' calls.

Click-to-call's second leg (``third_party_calls.py``) and the auto-attendant's
back-to-back leg (``media/desk.py``, for a caller whose phone does not follow a REFER)
are both an INVITE the PBX sends *as a member*: it enters the proxy on a ``Loopback``
connection that only this process can open, so the proxy takes it as that member's
authenticated INVITE (``SipServer._invite``) and does with it what it does with a dialled
call: an extension, a ring group (its strategy, its business hours), forwarding and
follow-me, voicemail when nobody answers, a number outside through the company's trunk
behind the toll-fraud guard; the call record, the busy lamps and "on a call" follow. The
proxy's Record-Route keeps its requests (the target's BYE) coming back along the
loopback. Its media are those of the device whose offer it carries: the loopback says
that device's transport (``media_transport_of``), so that a browser's (click-to-call's
member answering in the browser phone) is bridged through rtpengine like a browser's
own call. Without rtpengine click-to-call carries the desk's plain offer instead (its
``BrowserBridge``), on a loopback saying TCP.

``PlacedLeg`` is that call as its owner sees it: ``on_answer`` with the 2xx (its SDP
answer; the ACK is already sent), ``on_failure`` with a final failure status (its ACK
sent; the failure itself in ``failure``), ``on_bye`` when the target hangs up;
``hang_up`` sends a BYE once answered or a CANCEL while it rings; it rings at most the
``ring_seconds`` it was placed with. Hold and
codec changes: ``reinvite`` sends the target a new offer and reports its final answer
(the ACK sent); the target's own re-INVITE goes to ``on_offer``, whose owner refuses it
with ``respond`` or takes it with ``respond_until_acked`` (without an ``on_offer``, 488:
the call goes on as it was). That 2xx is sent again until the target's ACK when the
proxy reaches the target over UDP (RFC 3261 §13.3.1.4, ``ok_retransmission.py``; the
proxy relays each one as it relayed the first), and none in 64*T1 tells the owner to
end the call. Other requests in the call: ``request`` sends one (an INFO) and reports
the target's final answer (None after 64*T1 without one); the target's INFO goes to
``on_info`` when its owner passes it on (answered with ``respond``), else is answered
200 here; its UPDATE goes to ``on_update`` (answered with ``respond``; without one,
405), its REFER to ``on_refer`` and its NOTIFY to ``on_notify`` when the owner takes
transfers (without them, 405). The INVITE's Allow lists UPDATE when the owner placed it
saying it takes them (``updates``); ``target_updates`` says whether the target's 2xx
listed UPDATE in its own Allow (RFC 3311 §5.1: only then may we send it one). A Contact
in the target's re-INVITE or UPDATE, or in its 2xx to ours, becomes the dialog's remote
target (RFC 3261 §12.2), the Request-URI of our next requests; the proxy still sends them
to the flow its Record-Route token names.

Late offers (RFC 3261 §14.1, RFC 3725 §6): ``reinvite`` without an offer asks the target
for one; its 200 carries it and is not ACKed until the owner has the answer
(``answer_offer``, which sends the ACK with it). The other way, a re-INVITE of the
target's without SDP is answered with an offer (``respond`` with ``on_ack``), and the
answer comes in the target's ACK, handed to ``on_ack``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from officina.pbx.ok_retransmission import RFC_3261, AckTimers, OkUntilAck
from officina.pbx.subscriptions import NotifiesInTurn
from officina.pbx.transports.base import TCP, Flow
from officina.sip import (
    Dialog,
    RemoteProtocolError,
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

if TYPE_CHECKING:
    from officina.pbx.bindings import Binding
    from officina.pbx.selectors import DirectoryEntry
    from officina.pbx.transaction_layer import PbxTransactions
    from officina.pbx.transports.base import ConnectionTable
    from officina.sip.rport import Peer

logger = logging.getLogger("officina.pbx.placed_calls")

# The requests a placed call takes in its dialog (its INVITE's Allow, a 405's).
ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO"
ALLOW_UPDATE = f"{ALLOW}, UPDATE"

# Loopback connections stay this long after their call, for the last BYE's answer.
LOOPBACK_LINGER_SECONDS = 32.0
# 64*T1: a request of ours in the call unanswered this long is given up (RFC 3261 §17.1.2).
REQUEST_SECONDS = 32.0
LOOPBACK_HOST = "click-to-call.invalid"  # never resolvable (RFC 6761): no one else's flow

_loopback_numbers = itertools.count(1)


class InProcessLine:
    """A connection whose two ends are this process (a ``Connection`` to the proxy's
    connection table), held by the call it carries rather than by its traffic: never
    reaped as idle or unused by ``ConnectionTable.expire``. Subclasses send."""

    transport = TCP

    def __init__(self, key_prefix: str, host: str, number: int) -> None:
        self.key = f"{key_prefix}-{number}"
        self.remote = (host, number)
        self.opened_at = time.monotonic()
        self.messages_received = 1  # never unused
        self.closed = False

    @property
    def last_activity(self) -> float:
        return time.monotonic()  # never idle

    @last_activity.setter
    def last_activity(self, _moment: float) -> None:
        return

    def close(self) -> None:
        self.closed = True


@dataclass(frozen=True, eq=False)
class ProviderLeg:
    """What a leg the desk places to a provider, for a branch of a browser's call the
    proxy rings out through a trunk (a follow-me or a forward to a number outside),
    carries beyond the desk's INVITE: ``present`` puts the trunk's caller ID on it (its
    P-Asserted-Identity, its From), ``answer_challenge`` answers the provider's digest
    challenge once with the trunk's credentials, as the proxy's own call out does."""

    present: Callable[[SipRequest], None]
    answer_challenge: Callable[[SipRequest, SipResponse], SipRequest | None]


class Loopback(InProcessLine):
    """A connection from this process to its own proxy, carrying one placed call. Only
    this module makes one: a request arriving on it is ``caller``'s."""

    def __init__(
        self,
        caller: DirectoryEntry,
        deliver: Callable[[bytes], None],
        media_transport: str = TCP,
        media_host: str = "",
    ) -> None:
        super().__init__("c2c", LOOPBACK_HOST, next(_loopback_numbers) % 65_535 + 1)
        self.caller = caller
        # The transport of the device whose SDP the call carries: the proxy bridges the
        # call's media as that device's (``media_transport_of``), not as the loopback's.
        self.media_transport = media_transport
        # The host that device sends from, which its SDP is judged against for NAT
        # (``MEDIA_ANCHORING=nat``; empty: none known, the loopback's own name).
        self.media_host = media_host
        # A leg of a call the proxy records already (the desk's branch of a fork,
        # ``bridged_calls.py``): it rings these devices only, nothing else of the
        # number's (no forwarding, follow-me, voicemail, group steps) and leaves no
        # record. None: a call of its own, routed as any dialled call.
        self.rings: list[tuple[Binding, Peer]] | None = None
        # ``rings`` is a provider's line, rung as the trunk rings it (its caller ID, its
        # challenge answered); None: a member's phones.
        self.provider: ProviderLeg | None = None
        # Of ``rings``, the device that answered (the proxy says, the desk reads).
        self.answered_by: Binding | None = None
        self._deliver = deliver

    def send(self, data: bytes) -> bool:
        if self.closed:
            return False
        self._deliver(data)
        return True


def caller_on(flow: Flow) -> DirectoryEntry | None:
    """The member a request arriving on ``flow`` comes from, when ``flow`` is one of our
    loopbacks (the proxy then skips the challenge): None for any other flow."""
    connection = flow.connection
    if isinstance(connection, Loopback) and not connection.closed:
        return connection.caller
    return None


def media_host_of(flow: Flow) -> str:
    """The host a caller on ``flow`` sends from, as its SDP is judged for NAT: the flow's
    own, but on one of our loopbacks the device's whose SDP the placed call carries (the
    member's phone answering click-to-call), when known."""
    connection = flow.connection
    if isinstance(connection, Loopback) and connection.media_host:
        return connection.media_host
    return flow.host


def devices_only_on(flow: Flow) -> Loopback | None:
    """The loopback ``flow`` is, when its call rings given devices only (``Loopback.rings``):
    None for any other flow."""
    connection = flow.connection
    if isinstance(connection, Loopback) and connection.rings is not None:
        return connection
    return None


def media_transport_of(flow: Flow) -> str:
    """The transport whose kind of media a caller on ``flow`` speaks: the flow's own, but
    on one of our loopbacks the device's whose SDP the placed call carries (the browser
    phone answering click-to-call speaks WebRTC, whatever the loopback's TCP)."""
    connection = flow.connection
    if isinstance(connection, Loopback):
        return connection.media_transport
    return flow.transport


class PlacedLeg:
    """One call placed through the proxy as ``caller``'s own (see the module's text)."""

    def __init__(
        self,
        placer: CallPlacer,
        caller: DirectoryEntry,
        on_answer: Callable[[SipResponse], None],
        on_failure: Callable[[int], None],
        on_bye: Callable[[], None],
        on_offer: Callable[[SipRequest], None] | None = None,
        media_transport: str = TCP,
        media_host: str = "",
    ) -> None:
        self.placer = placer
        self.on_answer = on_answer
        self.on_failure = on_failure
        self.on_bye = on_bye
        self.on_offer = on_offer
        self.on_info: Callable[[SipRequest], None] | None = None
        self.on_update: Callable[[SipRequest], None] | None = None
        # The target's provisional answers (its phones ring), for an owner that tells its
        # own caller (a browser's call bridged by the desk, ``bridged_calls.py``).
        self.on_progress: Callable[[SipResponse], None] | None = None
        # The target's REFER (it transfers its party), for an owner that carries transfers
        # out itself (a call bridged by the desk, ``bridged_calls.py``); it answers it.
        self.on_refer: Callable[[SipRequest], None] | None = None
        # The target's NOTIFY (how a REFER of ours goes, RFC 3515), for the owner that sent
        # it the REFER on someone else's behalf (``bridged_calls.py``); it answers it.
        self.on_notify: Callable[[SipRequest], None] | None = None
        # Our requests other than INVITE out in the call, by CSeq: who takes the answer.
        self._requests: dict[int, Callable[[SipResponse | None], None]] = {}
        self._notifies = NotifiesInTurn()  # ours in the call (a REFER's, relayed)
        # The re-INVITE we sent and what to do with its final answer, while it is out.
        self._reinvite: tuple[SipRequest, Callable[[SipResponse], None]] | None = None
        # Our re-INVITE without an offer, answered with one: its ACK waits for the answer.
        self._offer_to_answer: SipRequest | None = None
        # The ACK of our last answered re-INVITE, sent again if its 2xx comes again.
        self._reinvite_ack: SipRequest | None = None
        # Our 2xx to the target's re-INVITE until its ACK: that re-INVITE's CSeq, the 2xx
        # sent again, and who takes the answer its ACK brings (to a 2xx with an offer).
        self._awaiting_ack: tuple[int, OkUntilAck, Callable[[bytes], None] | None] | None = None
        loop = asyncio.get_running_loop()

        def deliver(data: bytes) -> None:
            loop.call_soon(self._from_proxy, data)

        self.loopback = Loopback(caller, deliver, media_transport, media_host)
        self.invite: SipRequest | None = None
        self.final = False  # a final answer to the INVITE came
        # That answer when it was a failure: its reason phrase and Warning say why, for
        # an owner that passes them on (``bridged_calls.py``, to the browser calling).
        self.failure: SipResponse | None = None
        self.cancelled = False  # our CANCEL is sent
        self.given_up = False  # the owner hung up: nothing more is reported
        self.dialog: Dialog | None = None
        self.ack: SipRequest | None = None
        self.released = False
        self.target_updates = False  # the target's 2xx listed UPDATE in its Allow

    # ------------------------------------------------------------------ asked by the owner
    def hang_up(self) -> None:
        """End the call: a BYE once answered, a CANCEL while it rings. Nothing is
        reported to the owner after this."""
        self.given_up = True
        self._stop_sending_ok()
        dialog = self.dialog
        if dialog is not None and dialog.state != "terminated":
            if self.ack is None and self._offer_to_answer is self.invite:
                self.answer_offer(b"")  # a 2xx is ACKed before its dialog's BYE
            self._to_proxy(dialog.create_request("BYE", self._via()))
            dialog.terminate()
        else:
            self._cancel()

    @property
    def contact(self) -> str:
        """Our Contact in this call: the member's number at the loopback."""
        host, port = self.loopback.remote
        return f"<sip:{self.loopback.caller.number}@{host}:{port};transport=tcp>"

    def reinvite(self, offer: bytes, on_answer: Callable[[SipResponse], None]) -> None:
        """Send the answered target a re-INVITE with ``offer``; ``on_answer`` gets its final
        answer (a 2xx is ACKed, a failure too: the call goes on as it was). Without an
        ``offer`` the target's 2xx brings one, and its ACK waits for ``answer_offer``."""
        dialog = self.dialog
        assert dialog is not None and self._reinvite is None
        headers = [("Contact", self.contact)]
        if offer:
            headers.append(("Content-Type", "application/sdp"))
        request = dialog.create_request("INVITE", self._via(), headers=headers, body=offer)
        self._reinvite = (request, on_answer)
        self._to_proxy(request)

    def request(
        self,
        method: str,
        body: bytes,
        headers: list[tuple[str, str]],
        on_answer: Callable[[SipResponse | None], None],
    ) -> None:
        """Send the answered target a request other than INVITE (an INFO) in the call;
        ``on_answer`` gets its final answer, or None when none came in 64*T1 or the call
        is over. A NOTIFY waits for the one before it to be answered."""
        if method == "NOTIFY":
            self._notifies.send(
                lambda answered: self._send_request(method, body, headers, answered), on_answer
            )
        else:
            self._send_request(method, body, headers, on_answer)

    def _send_request(
        self,
        method: str,
        body: bytes,
        headers: list[tuple[str, str]],
        on_answer: Callable[[SipResponse | None], None],
    ) -> None:
        dialog = self.dialog
        if dialog is None or dialog.state == "terminated":
            on_answer(None)
            return
        request = dialog.create_request(method, self._via(), headers=headers, body=body)
        number = request.cseq.number
        self._requests[number] = on_answer

        def expire() -> None:
            waiting = self._requests.pop(number, None)
            if waiting is not None and not self.given_up:
                waiting(None)

        self.placer.layer.call_later(REQUEST_SECONDS, expire)
        self._to_proxy(request)

    def answer_offer(self, answer: bytes) -> None:
        """ACK the 2xx that brought the target's offer (to our INVITE or re-INVITE
        without one), with ``answer``."""
        request, dialog = self._offer_to_answer, self.dialog
        if request is None or dialog is None or dialog.state == "terminated":
            return
        self._offer_to_answer = None
        headers = [("Content-Type", "application/sdp")] if answer else []
        ack = dialog.create_request(
            "ACK", self._via(), headers=headers, body=answer, cseq=request.cseq.number
        )
        if request is self.invite:
            self.ack = ack  # the first 2xx's: sent again if that 2xx comes again
        else:
            self._reinvite_ack = ack
        self._to_proxy(ack)

    def respond(self, response: SipResponse) -> None:
        """Answer a request the target sent (its re-INVITE given to ``on_offer``) with a
        failure; a 2xx to a re-INVITE goes with ``respond_until_acked``."""
        self._to_proxy(response)

    def respond_until_acked(
        self,
        ok: SipResponse,
        on_no_ack: Callable[[], None],
        timers: AckTimers = RFC_3261,
        on_ack: Callable[[bytes], None] | None = None,
    ) -> None:
        """Answer the target's re-INVITE with the 2xx ``ok``, sent again until its ACK
        when the target's hop is UDP; ``on_no_ack`` is told if none comes in 64*T1. A 2xx
        with an offer (to a re-INVITE without one) names in ``on_ack`` who takes the
        answer that the target's ACK brings."""
        self._stop_sending_ok()  # an earlier 2xx's ACK is no longer awaited
        vias = ok.vias
        # Our proxy's Via towards the loopback, then the hop the proxy received it on.
        over_udp = len(vias) > 1 and vias[1].transport.upper() == "UDP"
        again = OkUntilAck(
            self.placer.layer.call_later,
            lambda: self._to_proxy(ok),
            lambda: self._no_ack(on_no_ack),
            over_udp=over_udp,
            timers=timers,
        )
        self._awaiting_ack = (ok.cseq.number, again, on_ack)
        self._to_proxy(ok)

    def _no_ack(self, on_no_ack: Callable[[], None]) -> None:
        self._awaiting_ack = None
        if not self.given_up:
            on_no_ack()

    def _stop_sending_ok(self) -> None:
        if self._awaiting_ack is not None:
            self._awaiting_ack[1].acknowledged()
            self._awaiting_ack = None

    def _cancel(self) -> None:
        if self.invite is not None and not self.final and not self.cancelled:
            self.cancelled = True
            self._to_proxy(make_cancel(self.invite, None))

    def release(self) -> None:
        """The owner is done with the call: its loopback goes after a while (for the last
        BYE's answer)."""
        if self.released:
            return
        self.released = True
        self._stop_sending_ok()
        loopback, table = self.loopback, self.placer.table

        def forget() -> None:
            loopback.close()
            table.remove(loopback)

        self.placer.layer.call_later(LOOPBACK_LINGER_SECONDS, forget)

    # ------------------------------------------------------------------ the proxy's side
    def _via(self) -> Via:
        host, port = self.loopback.remote
        return Via.parse(f"SIP/2.0/TCP {host}:{port};branch={new_branch()}")

    def _to_proxy(self, message: SipRequest | SipResponse) -> None:
        host, port = self.loopback.remote
        flow = Flow(TCP, host, port, connection=self.loopback)
        # Never from inside the server's own call stack (a response handler): the next
        # turn of the loop, as a message from a socket would come. A copy, as bytes
        # would be: the proxy rewrites what it forwards (towards a trunk that challenged
        # the INVITE, the CSeq), and the re-INVITE kept here is matched to its answer.
        asyncio.get_running_loop().call_soon(self.placer.receive, message.copy(), flow)

    def _ring_over(self) -> None:
        self._cancel()  # its 487 comes to the owner as the failure

    def _from_proxy(self, data: bytes) -> None:
        try:
            message = parse_message(data)
        except SipParseError:
            logger.warning("placed call %s: unreadable message from the proxy", self.loopback.key)
            return
        if isinstance(message, SipResponse):
            if message.cseq.method == "INVITE" and message.cseq.number == 1:
                self._answered(message)
            elif message.cseq.method == "INVITE" and message.status >= 200:
                self._reinvite_answered(message)
            elif message.status >= 200:
                self._target_refreshed(message)
                waiting = self._requests.pop(message.cseq.number, None)
                if waiting is not None and not self.given_up:
                    waiting(message)
            return
        self._request(message)

    def _answered(self, response: SipResponse) -> None:
        status, invite = response.status, self.invite
        if invite is None:
            return
        if status < 200:
            if self.on_progress is not None and not self.given_up and not self.final:
                self.on_progress(response)
            return
        if status >= 300:
            self._to_proxy(_ack_of_failure(invite, response))
            if not self.final:
                self.final = True
                self.failure = response
                if not self.given_up:
                    self.on_failure(status)
            return
        if self.dialog is not None:  # the 200 again: our ACK was lost
            if self.ack is not None:
                self._to_proxy(self.ack)
            return
        self.final = True
        self.target_updates = response.allows("UPDATE")
        self.dialog = Dialog.from_uac(invite, response)
        if invite.body:
            self.ack = self.dialog.create_request("ACK", self._via(), cseq=1)
            self._to_proxy(self.ack)
        else:
            # Placed without an offer: the 2xx brings the target's, and the ACK waits
            # for the owner's answer (``answer_offer``).
            self._offer_to_answer = invite
        if self.given_up:  # the owner hung up while the 200 was on its way
            self.hang_up()
            return
        self.on_answer(response)

    def _reinvite_answered(self, response: SipResponse) -> None:
        pending, dialog = self._reinvite, self.dialog
        if pending is None or dialog is None or response.cseq.number != pending[0].cseq.number:
            # A 2xx again (its ACK was lost: the same ACK again; or its answer is still
            # awaited), or the answer to a re-INVITE we no longer wait for.
            ack = self._reinvite_ack
            if (
                ack is not None
                and response.status < 300
                and ack.cseq.number == response.cseq.number
            ):
                self._to_proxy(ack)
            return
        self._reinvite = None
        self._target_refreshed(response)
        request, on_answer = pending
        if response.status < 300 and not request.body:
            self._offer_to_answer = request  # ACKed with the owner's answer
        elif response.status < 300:
            self._reinvite_ack = dialog.create_request("ACK", self._via(), cseq=request.cseq.number)
            self._to_proxy(self._reinvite_ack)
        else:
            self._to_proxy(_ack_of_failure(request, response))
        if not self.given_up:
            on_answer(response)

    def _target_refreshed(self, response: SipResponse) -> None:
        """The target's 2xx to our re-INVITE or UPDATE: its Contact, if any, becomes the
        remote target of our next requests (RFC 3261 §12.2.1.2)."""
        if self.dialog is None or response.status >= 300:
            return
        try:
            self.dialog.receive_response(response)
        except SipParseError:
            logger.info("placed call %s: a 2xx with two Contacts", self.loopback.key)

    def _takes_request(self, request: SipRequest) -> bool:
        """The target's re-INVITE or UPDATE applied to the dialog (RFC 3261 §12.2.2): a
        new Contact becomes the remote target. False: refused here (a CSeq lower than the
        dialog's, 500; more than one Contact, 400)."""
        if self.dialog is None:
            return True
        try:
            self.dialog.receive_request(request)
        except RemoteProtocolError as error:
            self._to_proxy(make_response(request, error.status))
            return False
        return True

    def _request(self, request: SipRequest) -> None:
        method = request.method
        if method in ("INVITE", "UPDATE") and not self._takes_request(request):
            return
        if method == "ACK":
            awaiting = self._awaiting_ack
            if awaiting is not None and awaiting[0] == request.cseq.number:
                self._awaiting_ack = None
                _cseq, ok, take_answer = awaiting
                ok.acknowledged()
                if take_answer is not None and not self.given_up:
                    take_answer(request.body)
            return
        if method == "BYE":
            self._stop_sending_ok()
            self._to_proxy(make_response(request, 200))
            if self.dialog is not None and self.dialog.state != "terminated":
                self.dialog.terminate()
                if not self.given_up:
                    self.on_bye()
        elif method == "INFO" and self.on_info is not None and not self.given_up:
            self.on_info(request)  # its owner answers it (``respond``)
        elif method in ("INFO", "OPTIONS"):
            self._to_proxy(make_response(request, 200))
        elif method == "INVITE" and self.on_offer is not None and not self.given_up:
            self.on_offer(request)  # its owner answers it (``respond``)
        elif method == "UPDATE" and self.on_update is not None and not self.given_up:
            self.on_update(request)  # its owner answers it (``respond``)
        elif method == "REFER" and self.on_refer is not None and not self.given_up:
            self.on_refer(request)  # its owner answers it (``respond``)
        elif method == "NOTIFY" and self.on_notify is not None and not self.given_up:
            self.on_notify(request)  # its owner answers it (``respond``)
        elif method == "INVITE":
            # Nobody to take the offer to the other side (RFC 3725 §6): the call goes on
            # as it was.
            self._to_proxy(make_response(request, 488))
        else:
            allow = ALLOW if self.on_update is None else ALLOW_UPDATE
            self._to_proxy(make_response(request, 405, headers=[("Allow", allow)]))


class CallPlacer:
    """Places ``PlacedLeg`` calls into this node's proxy."""

    def __init__(
        self,
        layer: PbxTransactions,
        table: ConnectionTable,
        receive: Callable[[SipRequest | SipResponse, Flow], None],
        domain: str,
    ) -> None:
        self.layer = layer
        self.table = table
        self.receive = receive  # SipServer.receive_message: into the proxy
        self.domain = domain

    def place(
        self,
        caller: DirectoryEntry,
        target: str,
        *,
        call_id: str,
        offer: bytes,
        display_name: str,
        ring_seconds: float,
        on_answer: Callable[[SipResponse], None],
        on_failure: Callable[[int], None],
        on_bye: Callable[[], None],
        on_offer: Callable[[SipRequest], None] | None = None,
        updates: bool = False,
        media_transport: str = TCP,
        headers: list[tuple[str, str]] | None = None,
        media_host: str = "",
        rings: list[tuple[Binding, Peer]] | None = None,
        provider: ProviderLeg | None = None,
    ) -> PlacedLeg:
        """Call ``target`` as ``caller`` with the SDP ``offer`` (none: the target's 2xx
        brings one, and ``answer_offer`` sends the ACK with the answer), From showing
        ``display_name``; CANCELled after ``ring_seconds`` without an answer. ``updates``:
        the owner takes the target's UPDATEs (``on_update``), so the INVITE's Allow lists
        UPDATE. ``media_transport``: that of the device whose ``offer`` it is, when not the
        PBX's own (a browser's WebSocket: the proxy bridges its media through rtpengine);
        ``media_host``: where that device sends from, its SDP judged against it for NAT.
        ``headers``: more of the INVITE's (a transfer's ``Referred-By``, RFC 3892).
        ``rings``: the devices to ring, and nothing else of ``target``'s, for a leg inside
        a call the proxy records already (``Loopback.rings``); ``provider``: what ringing
        them takes when they are a provider's line (``ProviderLeg``)."""
        leg = PlacedLeg(
            self, caller, on_answer, on_failure, on_bye, on_offer, media_transport, media_host
        )
        leg.loopback.rings = rings
        leg.loopback.provider = provider
        self.table.add(leg.loopback)
        host, port = leg.loopback.remote
        name = "".join(c for c in display_name if c not in '"\\\r\n\0')[:60]
        leg.invite = SipRequest(
            "INVITE",
            f"sip:{target}@{self.domain}",
            [
                ("Via", f"SIP/2.0/TCP {host}:{port};branch={new_branch()}"),
                ("Max-Forwards", "70"),
                ("From", f'"{name}" <sip:{caller.number}@{self.domain}>;tag={new_tag()}'),
                ("To", f"<sip:{target}@{self.domain}>"),
                ("Call-ID", call_id),
                ("CSeq", "1 INVITE"),
                ("Contact", f"<sip:{caller.number}@{host}:{port};transport=tcp>"),
                ("Allow", ALLOW_UPDATE if updates else ALLOW),
                *(headers or []),
                *([("Content-Type", "application/sdp")] if offer else []),
            ],
            offer,
        )
        leg._to_proxy(leg.invite)
        self.layer.call_later(ring_seconds, leg._ring_over)
        return leg


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


__all__ = [
    "CallPlacer",
    "Loopback",
    "PlacedLeg",
    "ProviderLeg",
    "caller_on",
    "devices_only_on",
    "media_transport_of",
]
