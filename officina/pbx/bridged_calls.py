"""Calls between a browser and plain phones, bridged by the desk when no rtpengine runs.

A browser (WebRTC: ICE, DTLS-SRTP, Opus) and a plain phone (RTP, G.711) cannot hear each
other directly. With rtpengine the proxy bridges them (``anchoring.py``); without it the
proxy hands such a call here (``Proxy.route``) with what it was for, the number dialled:
a browser's call whose callee has phones, none a browser, or to a number that is not ours
(out through a trunk). A plain phone's call (a provider's caller, a member's desk phone,
the desk putting a menu's caller through) is never handed over whole: its callee's
browsers ring through a branch (below), even when they are all the callee has, so that
the call meets the callee's and the company number's forwarding as any call does.

A callee with phones of both kinds has all of them rung (``Proxy._with_desk_branches``):
the fitting ones directly, the others through one more branch of the same fork, to the
desk (``branch``); a follow-me or a pickup ringing more phones adds such branches to the
ringing call (``Proxy.also_ringing``), and a browser's follow-me or forward out through
a trunk rings the provider through one (``Proxy.provider_branch``: the desk's call
carries the trunk's caller ID and challenge answer, ``ProviderLeg``). That branch is a
``DeskBranchLine``, a connection from this process to itself: the proxy forks to it as
to a device, the desk takes the fork as a user agent (``take_branch``) and bridges it as
below, except that its call rings only that branch's devices (``Loopback.rings``: no
forwarding, follow-me, voicemail or group steps of its own, and no record, since the
proxy's call applies those once and keeps the record) and its answers copy the fork's
Record-Route, so the caller's requests keep passing the proxy. The first phone to answer
takes the call; the proxy cancels the other branches, the desk's branch its call.
Answered through the desk, the branch takes the name and extension of the phone that
answered, for the proxy's record.
Ringing, it rings on the extension of each of its devices (``extensions_behind``: the
browsers of a ring-all group's members share one branch), so that a pickup of any of
them, and their busy lamps, find the call (``Proxy.extensions_rung``).

This is a back-to-back user agent on the node's desk. The caller's INVITE is kept as it
came, and the PBX calls the same number *as the caller's own call* (``placed_calls.py``),
so that the proxy rings the callee's phones that suit the new call's media, and a ring
group's steps, forwarding, follow-me, voicemail, the trunk and its toll-fraud guard all
apply as to any call. That placed call is the one the call records name (the caller
calling the number); the caller's own INVITE leaves no record (a branch's is the other
way round: the proxy's call is recorded, the desk's not).

* A browser calling: aiortc prepares the browser's answer at once (``BrowserBridge.open``)
  and the placed call carries the desk's plain PCMU/PCMA offer (the loopback says TCP:
  plain phones ring). The browser gets its 200 once the callee answers.
* A plain phone calling: the placed call carries no offer and says WebSocket (browsers
  ring). The browser that answers offers in its 200; the desk answers it in the ACK with
  aiortc, answers the phone's own offer on a plain port (``BrowserBridge.open_answering``)
  and sends the phone its 200. An offer of aiortc's own would need the desk to take the
  ICE-controlling and DTLS roles it never takes elsewhere; the browser's offer is the
  one path aiortc answers everywhere in the desk, and JsSIP offers in a 200 as a matter
  of course.

Then, either way:

* The callee's phones ring: the caller gets 180. A final failure (busy 486, 480, 603,
  404, 403 of the guard, 408) is passed back with its status, reason phrase and Warning
  (the guard's reason, which the browser phone shows). The caller's CANCEL cancels the
  placed call.
* Answered, the desk relays and transcodes between the two on its media clock
  (``BridgedCall``). Either side's BYE ends both. Each side's re-INVITE or UPDATE (hold,
  resume, a new microphone) is answered by the desk on that side, never passed across:
  a hold plays the holder's company music to the other side. Keys go across: the
  browser's SIP INFO as RFC 4733 events, the phone's events or INFO as the browser's
  tones.
* The plain phone a browser called transfers the browser (a blind REFER): the desk
  carries it out, since a B2BUA hands nobody a REFER (``_onward_refers``, docs/pbx.md
  "Transfers in a bridged call").
* The browser (caller or callee) transfers its plain party (a blind REFER): the desk
  sends the plain party a REFER of its own naming the same number (``_browser_refers``),
  so that the plain phone calls the target directly (a plain target: no bridge at all;
  a browser: the proxy bridges that new call as any other), and passes its answer and
  its NOTIFYs back to the browser (``browser_referrals.py``, shared with the
  click-to-call the desk bridges).
* The browser's attended transfer (Replaces naming its consultation call): the same REFER,
  with a Replaces the target's phone can match (``named_for_browser``, which the
  click-to-call the desk bridges uses too). A plain target the desk bridges too held
  the consultation with the desk, never with the browser: the REFER names the desk's
  dialog with that phone as the phone holds it, the plain party's INVITE with it reaches
  the phone directly and replaces the desk's call there, and on the 200 NOTIFY the desk
  ends the consultation's two legs. A browser consulted directly holds the dialog the
  browser named: the REFER carries it as it came, and the plain party's call, which the
  desk bridges to that browser, carries it on in the desk's INVITE, so the browser takes
  it in the consultation's place.
* The plain phone's attended transfer of the browser (its REFER's Replaces naming its
  consultation with a plain target): the desk's call to the target as the browser carries
  that Replaces, the target's phone takes it in the consultation's place, and the rest is
  the blind path (``_onward_refers``). A consultation with a browser, which the desk
  bridges too, is held by that browser as the desk's dialog, not the one named: the desk
  names its own half as the browser holds it and refers the browser caller there, so
  that the two browsers talk directly and the consultation, replaced, ends both its
  halves (``_refer_to_consulted_browser``).
* The plain caller's transfer of the browser it called (its REFER, blind or attended):
  the desk sends the browser a REFER of its own to the same number (``_caller_refers``),
  a Replaces naming a plain target's consultation passed on as it came, and relays the
  browser's answer and NOTIFYs back to the caller, as for the browser's REFER the other
  way round. The browser calls the target itself; the proxy bridges that call in turn,
  and the desk's call carries the Replaces on (``_passed_on``). A consultation with a
  browser, which the desk bridges, is named as that browser holds it, as for the onward
  party (``_refer_to_consulted_browser``): the two browsers then talk directly.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from officina.pbx.bindings import Binding
from officina.pbx.browser_referrals import (
    BrowserReferral,
    named_consultation,
    no_consultation,
    refer_headers,
    refer_to_number,
    transfer_asked,
)
from officina.pbx.browser_referrals import warning as _warning
from officina.pbx.media.desk import info_digit
from officina.pbx.media.ports import NoMediaPort
from officina.pbx.media.webrtc import WebRtcRefused
from officina.pbx.ok_retransmission import RFC_3261, AckTimers, OkUntilAck
from officina.pbx.placed_calls import (
    ALLOW_UPDATE,
    LOOPBACK_LINGER_SECONDS,
    InProcessLine,
    ProviderLeg,
)
from officina.pbx.subscriptions import NotifiesInTurn
from officina.pbx.transports.base import TCP, WS, Flow
from officina.sip import (
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
    parse_message,
)
from officina.sip.replaces import Replaces, parse_replaces
from officina.sip.rport import Peer
from officina.sip.sdp import SdpParseError, SessionDescription, answer

if TYPE_CHECKING:
    from officina.pbx.media.browser_bridge import BrowserBridge
    from officina.pbx.media.desk import MediaDesk
    from officina.pbx.placed_calls import CallPlacer, PlacedLeg
    from officina.pbx.selectors import DirectoryEntry
    from officina.pbx.transaction_layer import PbxTransactions
    from officina.pbx.transfers import Transfers
    from officina.pbx.transports.base import Flow
    from officina.sip import ServerTransaction

logger = logging.getLogger("officina.pbx.bridged_calls")

# How long the placed call rings before it is given up: longer than any callee's ring
# time and a ring group's steps, which end sooner in voicemail or a failure themselves.
ONWARD_RING_SECONDS = 120.0
BRANCH_HOST = "desk-branch.invalid"  # never resolvable (RFC 6761): no one else's flow
# What the call records name a desk's branch by until one of its phones answers.
BRANCH_AGENT = "Officina media bridge"

_line_numbers = itertools.count(1)


class DeskBranchLine(InProcessLine):
    """The desk's end of one branch of a call the proxy forks (``Proxy.route``): a
    connection whose two ends are this process. What the proxy sends on it reaches the
    SIP server as received on it, where the desk takes the fork's INVITE as a user agent
    (``BridgedBrowserCalls.take_branch``); what the desk answers comes back the same way,
    to the proxy's client transaction. It stands for ``devices``, a member's phones of
    the other media kind than the caller's, which the desk rings through its bridge."""

    def __init__(
        self,
        receive: Callable[[SipRequest | SipResponse, Flow], None],
        devices: list[tuple[Binding, Peer]],
        caller: DirectoryEntry,
        number: str,
        *,
        browser_calling: bool,
        headers: list[tuple[str, str]] | None = None,
        provider: ProviderLeg | None = None,
    ) -> None:
        number_here = next(_line_numbers) % 65_535 + 1
        super().__init__("desk-branch", BRANCH_HOST, number_here)
        self._receive = receive
        self.devices = devices
        self.caller = caller
        self.number = number
        self.browser_calling = browser_calling
        # What the proxy's fork carries for ``devices`` beyond the caller's INVITE (a
        # pickup's Answer-Mode and Call-Info): the desk's call to them carries it too.
        self.headers = headers or []
        # ``devices`` is a provider's line (a browser's call rung out through a trunk):
        # the desk's call carries the trunk's caller ID and answers its challenge.
        self.provider = provider
        self.taken = False  # the proxy's fork arrived: a call of the desk's has it
        # The branch as the proxy forks it: a device of the member's, at this line. Its
        # agent and extension become those of the phone that answers, for the record.
        first = devices[0][0]
        self.binding = Binding(
            extension_id=first.extension_id,
            binding_key=self.key,
            contact_uri=f"sip:{number}@{BRANCH_HOST}:{number_here};transport=tcp",
            q=None,
            transport=TCP,
            received_host=BRANCH_HOST,
            received_port=number_here,
            connection_key=self.key,
            node="",
            path="",
            user_agent=BRANCH_AGENT,
            instance_id="",
            reg_id=None,
            call_id="",
            cseq=0,
            registered_at=0.0,
            expires_at=0.0,
        )
        self.peer = Peer(TCP, BRANCH_HOST, number_here)

    def send(self, data: bytes) -> bool:
        if self.closed:
            return False
        # The next turn of the loop, as a message from a socket would come: never from
        # inside the server's own call stack.
        asyncio.get_running_loop().call_soon(self._arrive, data)
        return True

    def _arrive(self, data: bytes) -> None:
        if self.closed:
            return
        try:
            message = parse_message(data)
        except SipParseError:
            logger.warning("desk branch %s: unreadable message", self.key)
            return
        self._receive(message, Flow(TCP, *self.remote, connection=self))


@dataclass(eq=False)
class DeskBridgedCall:
    """One call between a browser and plain phones, bridged by the desk."""

    server: ServerTransaction  # the caller's INVITE
    invite: SipRequest
    peer: Peer  # the caller's connection
    dialog: Dialog  # ours with the caller (UAS)
    bridge: BrowserBridge
    target: str
    browser_calling: bool  # the caller is the browser (else the callee's phones are)
    onward: PlacedLeg | None = None
    answered: bool = False  # the caller has our 200
    over: bool = False
    ringing_sent: bool = False
    ok: tuple[int, OkUntilAck] | None = None  # our 2xx to the caller until its ACK
    answering: bool = False  # aiortc answers a browser's re-INVITE
    answer_in_ack: bool = False  # our 2xx to the plain caller's re-INVITE carried an offer
    sip_port: int = 0
    caller: DirectoryEntry | None = None  # who placed the onward call (as its own)
    transfer: DeskTransfer | None = None  # a transfer the desk carries out, while it rings
    # A transfer by REFER the desk passes to the other side as a REFER of its own (the
    # browser's, or a plain caller's of the browser it called), until its final NOTIFY.
    referral: BrowserReferral | None = None
    referral_from_caller: bool = False  # whose REFER that is: the caller's, or the onward's
    # The branch of a proxy's fork this call is (the caller's other phones ring directly,
    # the call is recorded there); None: the whole call is the desk's.
    line: DeskBranchLine | None = None
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    caller_notifies: NotifiesInTurn = field(default_factory=NotifiesInTurn)


@dataclass(eq=False)
class DeskTransfer:
    """A transfer the desk carries out for the onward party (its REFER, RFC 3515): the
    new call to ``target`` rings while the old one goes on."""

    refer: SipRequest  # the transferor's REFER: its NOTIFYs report the new call
    transferor: PlacedLeg  # the transferor's call (the onward call until the transfer)
    target: str
    leg: PlacedLeg | None = None  # the new call, from the remaining party to the target


@dataclass(frozen=True, eq=False)
class NamedInRefer:
    """What the desk's REFER on a browser's behalf names: ``uri``, its Refer-To, and for
    an attended transfer to a consultation the desk bridges, that call, the Call-ID the
    browser named it by, and what ends it once the transfer succeeded."""

    uri: SipUri
    consultation: DeskBridgedCall | None = None
    browser_call_id: str = ""
    on_success: Callable[[], None] | None = None


class BridgedBrowserCalls:
    """The calls between browsers and plain phones this node bridges (see the module's
    text)."""

    def __init__(
        self,
        layer: PbxTransactions,
        desk: MediaDesk,
        placer: CallPlacer,
        ack_timers: AckTimers = RFC_3261,
    ) -> None:
        self.layer = layer
        self.desk = desk
        self.placer = placer
        self.ack_timers = ack_timers
        # The proxy's transfers (``runtime`` gives them): a REFER the desk sends a plain
        # caller straight, not through the proxy, names the target by our address there.
        self.transfers: Transfers | None = None
        # The caller's Call-ID and our tag with the caller -> its call. The tag too: one
        # call the proxy forks may have several branches of ours at once (a member's desk
        # phone, a follow-me out to a provider), whose ends must not drop each other's.
        self.calls: dict[tuple[str, str], DeskBridgedCall] = {}
        self.by_server: dict[int, DeskBridgedCall] = {}  # id(server transaction) -> call
        self.stats = {"taken": 0, "answered": 0, "failed": 0, "cancelled": 0}
        self.lines: dict[str, DeskBranchLine] = {}  # branches made, by their binding key

    # ------------------------------------------------------------------ from the proxy
    def branch(
        self,
        devices: list[tuple[Binding, Peer]],
        caller: DirectoryEntry,
        number: str,
        *,
        browser_calling: bool,
        headers: list[tuple[str, str]] | None = None,
        provider: ProviderLeg | None = None,
    ) -> tuple[Binding, Peer]:
        """One more branch for a fork whose callee has ``devices`` of the other media kind
        than ``caller``'s (a browser's, ``browser_calling``, or a plain phone's), beside
        the devices the proxy rings directly: the desk takes it, answers the caller's
        offer in those devices' place and rings them, and only them (``number``: the
        number dialled, named on the desk's call; ``headers``: more of its INVITE's, as
        a pickup's fork asks the picker's phone to answer at once; ``provider``: the
        trunk's caller ID and challenge answer, when ``devices`` is a provider's line)."""
        line = DeskBranchLine(
            self.placer.receive, devices, caller, number,
            browser_calling=browser_calling, headers=headers, provider=provider,
        )  # fmt: skip
        self.placer.table.add(line)
        self.lines[line.key] = line
        # A step never reached, a call answered before the fork went: nothing comes on
        # the line, which goes once no fork could still be on its way.
        self.layer.call_later(
            ONWARD_RING_SECONDS + LOOPBACK_LINGER_SECONDS,
            lambda: None if line.taken else self._retire(line),
        )
        return line.binding, line.peer

    def behind(self, binding: Binding) -> list[str] | None:
        """The devices a branch of ours (``binding``) rings, as the call record names
        them; None for any other binding."""
        line = self.lines.get(binding.binding_key)
        if line is None or binding is not line.binding:
            return None
        return [device.user_agent or device.contact_uri for device, _peer in line.devices]

    def extensions_behind(self, binding: Binding) -> list[int] | None:
        """The extensions whose devices a branch of ours (``binding``) rings, each once: a
        ring group's step of several browser-only members is one branch standing for all
        of them. None for any other binding."""
        line = self.lines.get(binding.binding_key)
        if line is None or binding is not line.binding:
            return None
        return list(dict.fromkeys(device.extension_id for device, _peer in line.devices))

    def take_branch(self, server: ServerTransaction, request: SipRequest, flow: Flow) -> bool:
        """The proxy's fork to one of our branches (False: ``flow`` is no line of ours):
        bridged as a call of the desk's, ringing that branch's devices only."""
        line = flow.connection
        if not isinstance(line, DeskBranchLine) or line.closed:
            return False
        if line.taken:  # one fork per line: anything more is no call of ours
            self.layer.respond(server, make_response(request, 482))
            return True
        line.taken = True
        self.take(
            server, request, flow, line.caller, line.number,
            browser_calling=line.browser_calling, line=line,
        )  # fmt: skip
        return True

    def _retire(self, line: DeskBranchLine) -> None:
        line.close()
        self.placer.table.remove(line)
        self.lines.pop(line.key, None)

    def take(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        caller: DirectoryEntry,
        target: str,
        *,
        browser_calling: bool,
        line: DeskBranchLine | None = None,
    ) -> None:
        """Bridge ``request`` (from ``caller``, authenticated: a member, or a provider's
        caller as an entry of no extension, whose call the desk's branch takes) to
        ``target``, the number dialled.
        ``browser_calling``: the caller is a browser and the callee's phones plain; else
        the caller is plain and the callee's phones browsers. ``line``: the branch of a
        proxy's fork ``request`` came on, whose devices are rung and nothing else."""
        if not browser_calling:
            try:  # nothing rings for an offer the desk could not answer
                answer(SessionDescription.parse(request.body), address="0.0.0.0", ports=[9])  # noqa: S104
            except SdpParseError as error:
                self.layer.respond(
                    server,
                    make_response(request, 488, headers=[_warning(f"{error}")]),
                )
                return
        self.layer.respond(server, make_response(request, 100))
        browser, other = (caller.number, target) if browser_calling else (target, caller.number)
        call = DeskBridgedCall(
            server=server,
            invite=request,
            peer=self.layer.peer_for_flow(flow),
            dialog=Dialog.from_uas(request, new_tag()),
            bridge=self.desk.bridge_browser(browser, other),
            target=target,
            browser_calling=browser_calling,
            sip_port=self.layer.sender.local_via(flow.transport)[1],
            caller=caller,
            line=line,
        )
        call.bridge.on_failure = lambda: self._hang_up_both(call)
        self.calls[request.call_id, call.dialog.local_tag] = call
        self.by_server[id(server)] = call
        self.stats["taken"] += 1
        logger.info(
            "call %s from %s to %s: bridged by the desk", request.call_id, caller.number, target
        )
        if browser_calling:
            self._run(call, self._open(call, caller))
        else:
            self._place(call, caller, b"", WS)

    @staticmethod
    def _passed_on(call: DeskBridgedCall) -> list[tuple[str, str]]:
        """What of the caller's INVITE the placed call carries: an attended transfer's
        Replaces (RFC 3891), which the proxy let through for the caller, so that the
        callee's phone swaps the call it names for this one; a transfer's Referred-By
        (RFC 3892), so that the callee's phone shows who put the call through."""
        return [
            (name, value)
            for name in ("Replaces", "Referred-By")
            if (value := call.invite.header(name))
        ]

    async def _open(self, call: DeskBridgedCall, caller: DirectoryEntry) -> None:
        """The browser's answer prepared, the desk's plain offer made: the call is placed."""
        try:
            offer = await call.bridge.open(call.invite.body)
        except WebRtcRefused as error:
            logger.info("call %s: the browser's offer refused (%s)", call.invite.call_id, error)
            self._fail(call, 488, f"{error}")
            return
        except NoMediaPort:
            self._fail(call, 503, "no media port free")
            return
        if call.over:  # the browser gave up while aiortc answered
            call.bridge.close()
            return
        self._place(call, caller, offer, TCP)

    def _place(
        self, call: DeskBridgedCall, caller: DirectoryEntry, offer: bytes, media: str
    ) -> None:
        call.onward = self.placer.place(
            caller,
            call.target,
            call_id=f"{call.invite.call_id}-bridged",
            offer=offer,
            display_name=caller.display_name,
            ring_seconds=ONWARD_RING_SECONDS,
            on_answer=lambda response: self._onward_answered(call, response),
            on_failure=lambda status: self._onward_failed(call, status),
            on_bye=lambda: self._onward_hung_up(call),
            updates=True,
            media_transport=media,
            rings=call.line.devices if call.line is not None else None,
            provider=call.line.provider if call.line is not None else None,
            headers=[*(call.line.headers if call.line is not None else []), *self._passed_on(call)],
        )
        self._listen_to_onward(call, call.onward)
        call.onward.on_progress = lambda response: self._onward_progress(call, response)

    def _listen_to_onward(self, call: DeskBridgedCall, leg: PlacedLeg) -> None:
        """``leg``, the onward call (the first, or a transfer's), is heard in the call."""
        leg.on_offer = leg.on_update = lambda request: self._onward_offers(call, request)
        leg.on_info = lambda request: self._onward_info(call, request)
        leg.on_refer = lambda request: self._onward_refers(call, request)
        leg.on_notify = lambda request: self._referee_notifies(
            call, request, leg.respond, from_caller=False
        )

    def cancel(self, server: ServerTransaction) -> bool:
        """The caller's CANCEL: the placed call is cancelled too. False (the transaction
        layer answers the INVITE 487) whether ``server`` is a call of ours or not."""
        call = self.by_server.get(id(server))
        if call is None or call.answered or call.over:
            return False
        self.stats["cancelled"] += 1
        self._hang_up_onward(call)
        self._end(call)
        return False

    # ------------------------------------------------------------------ the placed call
    def _onward_progress(self, call: DeskBridgedCall, response: SipResponse) -> None:
        """The callee's phones ring: the caller hears it (once; no early media)."""
        if call.over or call.ringing_sent or response.status not in (180, 183):
            return
        call.ringing_sent = True
        self.layer.respond(
            call.server,
            make_response(
                call.invite, 180, to_tag=call.dialog.local_tag,
                headers=[*_record_routes(call), ("Contact", self._contact(call))],
            ),
        )  # fmt: skip

    def _onward_answered(self, call: DeskBridgedCall, response: SipResponse) -> None:
        leg = call.onward
        assert leg is not None
        if call.over:
            leg.hang_up()
            return
        answering = leg.loopback.answered_by
        if call.line is not None and answering is not None:
            # The proxy's record of the call names the phone that answered, not the desk.
            call.line.binding.user_agent = answering.user_agent or answering.contact_uri
            call.line.binding.extension_id = answering.extension_id
        if not call.browser_calling:
            self._run(call, self._answer_both(call, leg, response.body))
            return
        try:
            browser_answer = call.bridge.other_answered(response.body)
        except SdpParseError as error:
            logger.info("call %s: the callee's answer unusable (%s)", call.invite.call_id, error)
            leg.hang_up()
            self._fail(call, 488, "the callee's answer has no G.711 audio")
            return
        self._answer_caller(call, browser_answer)

    async def _answer_both(
        self, call: DeskBridgedCall, leg: PlacedLeg, browser_offer: bytes
    ) -> None:
        """The browser answered offering in its 200: aiortc answers it (in the ACK), the
        desk answers the plain caller's offer, and the caller gets its 200."""
        try:
            phone_answer = await call.bridge.open_answering(call.invite.body, browser_offer)
        except (WebRtcRefused, SdpParseError, NoMediaPort) as error:
            logger.info("call %s: not bridged (%r)", call.invite.call_id, error)
            leg.hang_up()
            self._fail(call, 503 if isinstance(error, NoMediaPort) else 488, f"{error}")
            return
        if call.over:
            leg.hang_up()
            return
        leg.answer_offer(call.bridge.browser_answer)
        self._answer_caller(call, phone_answer)

    def _answer_caller(self, call: DeskBridgedCall, sdp: bytes) -> None:
        call.answered = True
        call.dialog.state = "confirmed"
        self.stats["answered"] += 1
        ok = make_response(
            call.invite, 200, to_tag=call.dialog.local_tag,
            headers=[*_record_routes(call), ("Contact", self._contact(call)),
                     ("Allow", ALLOW_UPDATE), ("Content-Type", "application/sdp")],
            body=sdp,
        )  # fmt: skip
        self._send_until_acked(call, call.server, ok, call.invite.cseq.number)

    def _onward_failed(self, call: DeskBridgedCall, status: int) -> None:
        """The placed call failed: the caller gets its status, with its reason phrase and
        Warning as they came (the guard's "premium-rate numbers are not allowed...",
        which the browser phone tells the member), as a phone calling directly would."""
        if call.over:
            return
        if not 300 <= status < 700:
            self._fail(call, 500)
            return
        failure = call.onward.failure if call.onward is not None else None
        if failure is None:
            self._fail(call, status)
            return
        warnings = [("Warning", value) for value in failure.header_values("Warning")]
        self._fail(call, status, reason=failure.reason, headers=warnings)

    def _onward_hung_up(self, call: DeskBridgedCall) -> None:
        self._send_to_caller(call, "BYE")
        self._end(call)

    def _onward_info(self, call: DeskBridgedCall, request: SipRequest) -> None:
        """The callee's INFO: a key goes across (to a browser as tones, to a plain phone
        as an RFC 4733 event)."""
        leg = call.onward
        assert leg is not None
        leg.respond(make_response(request, 200))
        digit = info_digit(request)
        if digit is None:
            return
        if call.browser_calling:
            call.bridge.other_digit(digit)
        else:
            call.bridge.digit(digit)

    def _onward_offers(self, call: DeskBridgedCall, request: SipRequest) -> None:
        """The callee's re-INVITE or UPDATE, answered by the desk on the callee's side."""
        leg = call.onward
        assert leg is not None
        if not call.answered or call.over:
            leg.respond(make_response(request, 491))
            return
        headers = [("Contact", leg.contact), ("Allow", ALLOW_UPDATE)]
        if not request.body and request.method == "UPDATE":
            leg.respond(make_response(request, 200, headers=headers))  # a session refresh
            return
        if not call.browser_calling:
            self._browser_offers(call, request, lambda response: self._to_onward(call, response))
            return
        on_ack = None
        try:
            if request.body:
                sdp = call.bridge.other_offers(request.body)
            else:
                sdp, on_ack = call.bridge.offer_again(), call.bridge.other_answers
        except SdpParseError as error:
            logger.info("call %s: the callee's offer refused (%s)", call.invite.call_id, error)
            leg.respond(make_response(request, 488))
            return
        headers.append(("Content-Type", "application/sdp"))
        ok = make_response(request, 200, headers=headers, body=sdp)
        if request.method == "UPDATE":
            leg.respond(ok)
        else:
            leg.respond_until_acked(ok, lambda: self._no_ack(call), self.ack_timers, on_ack=on_ack)

    def _to_onward(self, call: DeskBridgedCall, response: SipResponse) -> None:
        """Our answer to a request of the callee's (a 2xx to a re-INVITE, until its ACK)."""
        leg = call.onward
        if leg is None:
            return
        if response.status < 300 and response.cseq.method == "INVITE":
            leg.respond_until_acked(response, lambda: self._no_ack(call), self.ack_timers)
        else:
            leg.respond(response)

    # ------------------------------------------------------------------ transfers
    def _onward_refers(self, call: DeskBridgedCall, request: SipRequest) -> None:
        """The onward party transfers the browser caller (blind, RFC 3515): the desk,
        the browser's other end, calls the Refer-To's number as the browser (through the
        proxy: ring groups, forwarding, voicemail, the trunk's guard apply), reports to
        the transferor in NOTIFYs, and on the answer bridges the browser to the new call
        on the same plain port and ends the transferor's. A failure leaves the call as it
        was.

        Attended (the Refer-To carries a Replaces naming the transferor's consultation
        with the target): the desk's new call carries that Replaces as it came, so that
        the target's phone swaps the consultation for it (RFC 3891); the rest is as for
        a blind transfer. The transferor, a plain phone, consulted a plain target
        directly and wrote the Replaces as the target holds that dialog. A consultation
        the desk bridges (a browser target) holds the desk's dialog, not the one named:
        the browser caller is referred there instead (``_refer_to_consulted_browser``)."""
        leg = call.onward
        assert leg is not None
        if not call.browser_calling:
            # The onward party is the browser: it transfers the plain caller.
            self._browser_refers(call, request, leg.respond)
            return
        if call.caller is None:
            leg.respond(make_response(request, 501, headers=[_warning("not transferable")]))
            return
        named = transfer_asked(request, leg.respond, busy=self._busy(call) or call.answering)
        if named is None:
            return
        number, target = named
        replaces = named_consultation(request, target)
        if isinstance(replaces, SipResponse):
            leg.respond(replaces)
            return
        if replaces is not None and self.bridges_dialog(replaces.call_id):
            self._refer_to_consulted_browser(
                call, request, number, replaces, leg.respond, from_caller=False
            )
            return
        replacing = [("Replaces", replaces.header_value())] if replaces is not None else []
        transfer = DeskTransfer(refer=request, transferor=leg, target=number)
        transferor = request.from_.uri
        referred_by = (
            [("Referred-By", f"<{SipUri(self.placer.domain, transferor.user)}>")]
            if isinstance(transferor, SipUri) and transferor.user
            else []
        )
        call.transfer = transfer
        leg.respond(make_response(request, 202, headers=[("Contact", leg.contact)]))
        self._notify(transfer, "100 Trying")
        logger.info("call %s: transferred to %s by the desk", call.invite.call_id, number)
        transfer.leg = self.placer.place(
            call.caller,
            number,
            call_id=f"{call.invite.call_id}-transfer-{request.cseq.number}",
            offer=call.bridge.offer_again(),
            display_name=call.caller.display_name,
            ring_seconds=ONWARD_RING_SECONDS,
            on_answer=lambda response: self._transfer_answered(call, transfer, response),
            on_failure=lambda status: self._transfer_failed(call, transfer, status),
            on_bye=lambda: self._onward_hung_up(call),
            updates=True,
            media_transport=TCP,
            # RFC 3892: the new party sees who put the call through; RFC 3891: an attended
            # transfer's new call takes the consultation's place at the target's phone.
            headers=[*referred_by, *replacing],
        )
        transfer.leg.on_progress = lambda response: self._transfer_rings(transfer, response)

    def _refer_to_consulted_browser(
        self,
        call: DeskBridgedCall,
        request: SipRequest,
        number: str,
        replaces: Replaces,
        respond: Callable[[SipResponse], None],
        *,
        from_caller: bool,
    ) -> None:
        """The plain party's attended transfer of its browser (``request``: the onward
        party's REFER, or the caller's, ``from_caller``) whose consultation the desk
        bridges too (a browser target): the target's browser holds the desk's dialog with
        it, not the one ``replaces`` names, the transferor's with the desk. The desk,
        which holds both halves of that bridge, names the target's half as the target's
        browser holds it (RFC 3891 §3) and refers the browser itself to ``number`` with
        that Replaces, from the transferor (``Referred-By``): the browser calls the
        target's browser directly, whose softphone takes the call in the consultation's
        place without ringing and hangs the consultation up, and the desk, whose bridge
        that BYE ends, hangs up the transferor's half. The transferor's REFER gets the
        browser's answer (``respond``), and the browser's NOTIFYs, as for any REFER the
        desk passes on (``_referee_notifies``); on the 200 the transferor hangs up. The
        desk's placing the call itself would bridge a browser to a browser through its
        transcoding twice over. A named dialog that is no live consultation of the
        desk's: 202 and a NOTIFY of 481, the call goes on as it was."""
        # The transferee: the browser, the callee when the caller transfers it (the
        # proxy tracks the caller's call, and noted a referral, only for its fork's
        # branch, whose answering phone it names).
        if from_caller:
            answering = call.onward.loopback.answered_by if call.onward is not None else None
            transferee_id = answering.extension_id if answering is not None else None
        else:
            transferee_id = call.caller.extension_id if call.caller is not None else None
        held = self.consulted_browser(replaces, transferee_id, number, call)
        if held is None:
            self._no_consultation(call, request, respond, from_caller=from_caller)
            return
        sender = request.from_.uri
        transferor = sender.user if isinstance(sender, SipUri) else None
        domain = self.placer.domain
        refer_to = refer_to_number(domain, number, held)
        referral = BrowserReferral(refer=request, respond=respond)
        call.referral, call.referral_from_caller = referral, from_caller
        logger.info(
            "call %s: the browser referred to %s, the browser consulted through the desk",
            call.invite.call_id, number,
        )  # fmt: skip
        self._to_referee(
            call,
            "REFER",
            b"",
            refer_headers(refer_to, domain, transferor),
            lambda answer: self._referee_took_refer(call, referral, answer),
        )

    def consulted_browser(
        self,
        replaces: Replaces,
        transferee_id: int | None,
        number: str,
        transferred: DeskBridgedCall | None = None,
    ) -> Replaces | None:
        """What a plain transferor's attended REFER (``replaces``: its consultation as it
        holds it with the desk) names, once the desk bridges that consultation to a
        browser: the desk's dialog with that browser, as the browser holds it (RFC 3891
        §3), for the desk's REFER to the transferee (``transferee_id``, referred to
        ``number``; not ``transferred``, the call transferred); None when no live
        consultation of the desk's has the named dialog. The proxy lets the transferee's
        INVITE with Replaces through only for the call its referral, noted from the
        transferor's REFER, is to take over: it is re-pointed at the desk's Call-ID."""
        consultation = self._consultation(replaces, transferred, browser=False)
        held = self._dialog_with(consultation, browser=True) if consultation else None
        if consultation is None or held is None:
            return None
        if self.transfers is not None and transferee_id is not None:
            # A consultation rung through the desk's branch is recorded by the proxy's
            # call, the transferor's Call-ID; one the desk took whole, by the desk's.
            recorded = replaces.call_id if consultation.line is not None else ""
            self.transfers.replaces_instead(
                transferee_id, number, replaces.call_id, held.call_id, self.layer.wall(),
                recorded,
            )  # fmt: skip
        return self._held_by_peer(held)

    def _no_consultation(
        self,
        call: DeskBridgedCall,
        request: SipRequest,
        respond: Callable[[SipResponse], None],
        *,
        from_caller: bool,
    ) -> None:
        """A REFER whose Replaces names a Call-ID of the desk's but no dialog of a live
        consultation: accepted, then failed in its one NOTIFY with the 481 the target's
        phone would have given (RFC 3891 §3); the call goes on as it was."""
        no_consultation(
            request,
            respond,
            lambda body, headers: self._notify_referrer(call, body, headers, caller=from_caller),
            self._contact_with(call, caller=from_caller),
        )

    def bridges_dialog(self, call_id: str) -> bool:
        """Whether the dialog of ``call_id`` is one of the desk's calls: a caller's with
        the desk, or the desk's onward call."""
        for call in self.calls.values():
            if call.over:
                continue
            onward = call.onward.dialog if call.onward is not None else None
            if call.invite.call_id == call_id or (onward is not None and onward.call_id == call_id):
                return True
        return False

    def _transfer_rings(self, transfer: DeskTransfer, response: SipResponse) -> None:
        if response.status == 180:
            self._notify(transfer, "180 Ringing")

    def _transfer_answered(
        self, call: DeskBridgedCall, transfer: DeskTransfer, response: SipResponse
    ) -> None:
        """The new call answered: the browser is bridged to it on the same plain port
        (its remote address re-pointed, unlatched), the transferor's call ends."""
        new = transfer.leg
        assert new is not None
        call.transfer = None
        if call.over:
            new.hang_up()
            new.release()
            self._notify(transfer, "487 Request Terminated")
            return
        try:
            SessionDescription.parse(response.body)
        except SdpParseError as error:
            logger.info("call %s: the transfer's answer unusable (%s)", call.invite.call_id, error)
            new.hang_up()
            new.release()
            self._notify(transfer, "488 Not Acceptable Here")
            return
        call.bridge.other_answers(response.body)
        call.onward = new
        self._listen_to_onward(call, new)
        old = transfer.transferor
        old.on_bye = lambda: None  # its end is no longer the call's
        old.on_offer = old.on_update = old.on_info = old.on_refer = None
        self._notify(transfer, "200 OK", then=lambda: self._end_transferor(old))

    @staticmethod
    def _end_transferor(old: PlacedLeg) -> None:
        """After the final NOTIFY: a phone that has not hung up on its 200 is hung up."""
        if old.dialog is not None and old.dialog.state != "terminated":
            old.hang_up()
        old.release()

    def _transfer_failed(self, call: DeskBridgedCall, transfer: DeskTransfer, status: int) -> None:
        """The new call failed: the transferor hears why, the call goes on as it was."""
        if call.transfer is transfer:
            call.transfer = None
        if transfer.leg is not None:
            transfer.leg.release()
        self._notify(transfer, f"{status} {_REASONS.get(status, 'Failed')}")

    def _notify(
        self,
        transfer: DeskTransfer,
        status_line: str,
        then: Callable[[], None] | None = None,
    ) -> None:
        """A NOTIFY in the REFER's implicit subscription (RFC 3515 §2.4.4): the new
        call's progress as a sipfrag; a final status ends the subscription."""
        final = not status_line.startswith("1")
        state = "terminated;reason=noresource" if final else "active;expires=60"
        transfer.transferor.request(
            "NOTIFY",
            f"SIP/2.0 {status_line}\r\n".encode(),
            [
                ("Event", f"refer;id={transfer.refer.cseq.number}"),
                ("Subscription-State", state),
                ("Contact", transfer.transferor.contact),
                ("Content-Type", "message/sipfrag;version=2.0"),
            ],
            lambda _response: then() if then is not None else None,
        )

    def _browser_refers(
        self,
        call: DeskBridgedCall,
        request: SipRequest,
        respond: Callable[[SipResponse], None],
    ) -> None:
        """The browser transfers its plain party (blind): the desk sends that party a
        REFER of its own to the same number, from the browser (``Referred-By``), and
        answers the browser's REFER as the plain party answers ours (202, or its refusal).
        The plain phone then calls the target itself, directly when the target's phones
        are plain too; the desk re-placing the call would keep it bridged for nothing.
        Its NOTIFYs come back to the browser (``_referee_notifies``); on a 2xx the plain
        phone hangs its old call up, or the browser does, and the desk ends both sides.

        Attended (Replaces naming the browser's consultation call as the browser holds
        it): a consultation the desk bridges too is named in our REFER as the target's
        phone holds it, the desk's own dialog with that phone, and ends once the plain
        party's call has replaced it; any other (a browser consulted directly) is named
        as it came, and the plain party's call, bridged by the desk to the browser,
        carries it on (``named_for_browser``, shared with the click-to-call the desk
        bridges)."""
        referred = transfer_asked(request, respond, busy=self._busy(call))
        if referred is None:
            return
        number, target = referred
        named = self.named_for_browser(request, number, target, call)
        if isinstance(named, SipResponse):
            respond(named)
            return
        if named.consultation is not None:
            self._consultation_named(
                call, number, named.browser_call_id, self._target_dialog(named.consultation).call_id
            )
        browser = call.caller.number if call.browser_calling and call.caller else None
        if browser is None:
            sender = request.from_.uri
            browser = sender.user if isinstance(sender, SipUri) else None
        referral = BrowserReferral(refer=request, respond=respond, on_success=named.on_success)
        call.referral, call.referral_from_caller = referral, call.browser_calling
        logger.info("call %s: the browser transfers its party to %s", call.invite.call_id, number)
        self._to_referee(
            call,
            "REFER",
            b"",
            refer_headers(named.uri, self.placer.domain, browser),
            lambda answer: self._referee_took_refer(call, referral, answer),
        )

    @staticmethod
    def _busy(call: DeskBridgedCall) -> bool:
        """Whether ``call`` cannot be transferred now (``transfer_asked``: 491): not
        answered yet, over, or in another transfer."""
        in_transfer = call.transfer is not None or call.referral is not None
        return not call.answered or call.over or in_transfer

    def _caller_refers(
        self, call: DeskBridgedCall, request: SipRequest, server: ServerTransaction
    ) -> None:
        """The plain caller transfers the browser it called (its REFER, RFC 3515): the
        desk sends the browser a REFER of its own to the same number, from the caller
        (``Referred-By``), in the onward call, and answers the caller's REFER as the
        browser answers ours (202, or its refusal). The browser then calls the target
        itself (through the proxy, which bridges that call in turn when the target's
        phones are plain) and reports in NOTIFYs, which come back to the caller in its
        own REFER's subscription (``_referee_notifies``); on the final 200 the caller
        hangs up, and its BYE ends the browser's old call, as any BYE here.

        Attended (a Replaces naming the caller's consultation with the target): the
        caller consulted a plain target directly and names the dialog as the target's
        phone holds it, so our REFER carries it as it came; the browser's call with it,
        bridged by the desk, carries it on to the target's phone (``_passed_on``). A
        consultation the desk bridges (a browser target) is named as its browser holds it
        instead, as for the onward party's REFER (``_refer_to_consulted_browser``)."""

        def respond(response: SipResponse) -> None:
            self.layer.respond(server, response)

        referred = transfer_asked(request, respond, busy=self._busy(call))
        if referred is None:
            return
        number, target = referred
        replaces = named_consultation(request, target)
        if isinstance(replaces, SipResponse):
            respond(replaces)
            return
        if replaces is not None and self.bridges_dialog(replaces.call_id):
            self._refer_to_consulted_browser(
                call, request, number, replaces, respond, from_caller=True
            )
            return
        domain = self.placer.domain
        refer_to = refer_to_number(domain, number, replaces)
        referral = BrowserReferral(refer=request, respond=respond)
        call.referral, call.referral_from_caller = referral, True
        caller = call.caller.number if call.caller is not None else None
        logger.info("call %s: the caller transfers the browser to %s", call.invite.call_id, number)
        self._to_referee(
            call,
            "REFER",
            b"",
            refer_headers(refer_to, domain, caller),
            lambda answer: self._referee_took_refer(call, referral, answer),
        )

    def named_for_browser(
        self,
        request: SipRequest,
        number: str,
        target: SipUri,
        transferred: DeskBridgedCall | None = None,
    ) -> NamedInRefer | SipResponse:
        """What the desk's REFER on behalf of a browser transferring ``transferred`` (or
        a call of another's: a click-to-call the desk bridges) names, from the browser's
        REFER (its Refer-To ``target``, to ``number``), or the answer refusing that REFER
        (400: a Replaces that cannot be read). Attended, with a consultation the desk
        bridges: the desk's own dialog with the target, as the target's phone holds it
        (RFC 3891 §3: the to-tag is the target's), and the consultation's two legs end
        once the plain party's call has replaced it (the target's, already replaced, may
        cross our BYE with its own). Any other consultation (a browser consulted
        directly, browser to browser) is named as it came: the target's phone holds the
        dialog as the browser names it, and the plain party's call to it, bridged by the
        desk in turn, carries that Replaces on (``take``)."""
        domain = self.placer.domain
        value = target.headers.get("Replaces") or target.headers.get("replaces")
        if not value:
            return NamedInRefer(refer_to_number(domain, number))
        try:
            replaces = parse_replaces(value)
        except SipParseError as error:
            return make_response(request, 400, headers=[_warning(f"{error}")])
        consultation = self._consultation(replaces, transferred)
        if consultation is None:
            return NamedInRefer(refer_to_number(domain, number, value))
        return NamedInRefer(
            refer_to_number(domain, number, self._target_dialog(consultation)),
            consultation=consultation,
            browser_call_id=replaces.call_id,
            on_success=lambda: self._hang_up_both(consultation),
        )

    def _consultation(
        self, replaces: Replaces, transferred: DeskBridgedCall | None, *, browser: bool = True
    ) -> DeskBridgedCall | None:
        """The answered call of the desk's whose dialog with the browser (``browser``), or
        else with its plain party, ``replaces`` names (its Call-ID and both tags, in
        either order: JsSIP names the tags of its INVITE's From and To, not its own and
        its peer's), other than ``transferred``."""
        tags = {replaces.to_tag, replaces.from_tag}
        for call in self.calls.values():
            if call is transferred or not call.answered or call.over:
                continue
            dialog = self._dialog_with(call, browser=browser)
            if (
                dialog is not None
                and dialog.call_id == replaces.call_id
                and {dialog.local_tag, dialog.remote_tag} == tags
            ):
                return call
        return None

    @staticmethod
    def _dialog_with(call: DeskBridgedCall, *, browser: bool) -> Dialog | None:
        """The desk's dialog in ``call`` with its browser (``browser``) or its plain
        party: the caller's, or the onward call's (None: not placed yet)."""
        if call.browser_calling == browser:
            return call.dialog
        return call.onward.dialog if call.onward is not None else None

    @staticmethod
    def _held_by_peer(dialog: Dialog) -> Replaces:
        """The desk's ``dialog`` as its peer holds it (RFC 3891 §3): the peer's own tag is
        the to-tag, the desk's the from-tag."""
        return Replaces(dialog.call_id, to_tag=dialog.remote_tag, from_tag=dialog.local_tag)

    def _target_dialog(self, consultation: DeskBridgedCall) -> Replaces:
        """The desk's dialog with the plain target of ``consultation`` as the target's
        phone holds it."""
        dialog = self._dialog_with(consultation, browser=False)
        assert dialog is not None
        return self._held_by_peer(dialog)

    def _consultation_named(
        self, call: DeskBridgedCall, target: str, browser_call_id: str, target_call_id: str
    ) -> None:
        """A plain caller's referral, which the proxy noted from the browser's REFER as it
        relayed it here, is to replace the target's dialog, not the browser's: the proxy
        lets the new call's Replaces through only for the call it was referred to take
        over (``Transfers.new_call``). The REFER to a plain callee passes the proxy, which
        notes the Call-ID it names itself."""
        if call.browser_calling or call.caller is None or self.transfers is None:
            return
        self.transfers.replaces_instead(
            call.caller.extension_id, target, browser_call_id, target_call_id, self.layer.wall()
        )

    def _referee_took_refer(
        self, call: DeskBridgedCall, referral: BrowserReferral, answer: SipResponse | None
    ) -> None:
        """The referred side's answer to our REFER is the referrer's answer to its own."""
        call_on = call.referral is referral and not call.over
        contact = self._contact_with(call, caller=call.referral_from_caller)
        took = referral.plain_answered(answer, call_on=call_on, contact=contact)
        if not took and call.referral is referral:
            call.referral = None

    def _referee_notifies(
        self,
        call: DeskBridgedCall,
        request: SipRequest,
        respond: Callable[[SipResponse], None],
        *,
        from_caller: bool,
    ) -> None:
        """A NOTIFY about our REFER from the side we referred (the caller's, or the
        onward party's): passed to the referrer in its own REFER's subscription (same
        sipfrag, same state); a final one ends the transfer. Any other NOTIFY is in no
        subscription of ours."""
        referral = call.referral
        referrer_is_caller = call.referral_from_caller
        if (
            referral is None
            or not referral.accepted
            or call.over
            or from_caller == referrer_is_caller
        ):
            respond(make_response(request, 481))
            return
        respond(make_response(request, 200))
        contact = self._contact_with(call, caller=referrer_is_caller)
        headers, over = referral.plain_notified(request, contact)
        if over and call.referral is referral:
            call.referral = None
        self._notify_referrer(call, request.body, headers, caller=referrer_is_caller)

    def _notify_referrer(
        self,
        call: DeskBridgedCall,
        body: bytes,
        headers: list[tuple[str, str]],
        *,
        caller: bool,
    ) -> None:
        """A NOTIFY in the subscription of the REFER the desk carries out, to the side
        that sent it: the caller (``caller``), else the onward party."""
        if caller:
            self._to_caller_in_call(call, "NOTIFY", body, headers, lambda _answer: None)
        elif call.onward is not None:
            call.onward.request("NOTIFY", body, headers, lambda _answer: None)

    def _to_referee(
        self,
        call: DeskBridgedCall,
        method: str,
        body: bytes,
        headers: list[tuple[str, str]],
        on_answer: Callable[[SipResponse | None], None],
    ) -> None:
        """A request to the side the call's referral refers: the onward call when the
        caller sent the REFER, else the caller."""
        if call.referral_from_caller:
            leg = call.onward
            assert leg is not None
            leg.request(method, body, [*headers, ("Contact", leg.contact)], on_answer)
        else:
            headers = [*headers, ("Contact", self._contact(call))]
            self._to_caller_in_call(call, method, body, headers, on_answer)

    # ------------------------------------------------------------------ from the caller
    def ack(self, request: SipRequest) -> bool:
        """The caller's ACK of our 2xx (True: ours); the answer it carries to our offer
        goes to the desk."""
        call = self.calls.get((request.call_id, request.to_tag or ""))
        if call is None:
            return False
        waiting = call.ok
        if waiting is not None and waiting[0] == request.cseq.number:
            call.ok = None
            waiting[1].acknowledged()
            if call.answer_in_ack and request.body:
                call.answer_in_ack = False
                call.bridge.other_answers(request.body)
        return True

    def in_dialog(self, request: SipRequest, server: ServerTransaction) -> bool:
        """A request of the caller's in a bridged call: handled here (True)."""
        call = self.calls.get((request.call_id, request.to_tag or ""))
        if call is None:
            return False
        try:
            call.dialog.receive_request(request)  # CSeq order; a new Contact, the target
        except RemoteProtocolError as error:
            self.layer.respond(server, make_response(request, error.status))
            return True
        method = request.method
        if method == "BYE":
            self.layer.respond(server, make_response(request, 200))
            call.dialog.terminate()
            self._hang_up_onward(call)
            self._end(call)
        elif method in ("INFO", "OPTIONS"):
            self.layer.respond(server, make_response(request, 200))
            digit = info_digit(request) if method == "INFO" else None
            if digit is not None and call.browser_calling:
                call.bridge.digit(digit)
            elif digit is not None:
                call.bridge.other_digit(digit)
        elif method in ("INVITE", "UPDATE") and call.browser_calling:
            self._browser_offers(
                call, request, lambda response: self._to_caller(call, server, response)
            )
        elif method in ("INVITE", "UPDATE"):
            self._phone_offers(call, request, server)
        elif method == "REFER" and call.browser_calling:
            self._browser_refers(
                call, request, lambda response: self.layer.respond(server, response)
            )
        elif method == "REFER":
            self._caller_refers(call, request, server)
        elif method == "NOTIFY":
            self._referee_notifies(
                call, request, lambda response: self.layer.respond(server, response),
                from_caller=True,
            )  # fmt: skip
        else:
            self.layer.respond(
                server, make_response(request, 405, headers=[("Allow", ALLOW_UPDATE)])
            )
        return True

    def _to_caller(
        self, call: DeskBridgedCall, server: ServerTransaction, response: SipResponse
    ) -> None:
        if response.status < 300 and response.cseq.method == "INVITE":
            self._send_until_acked(call, server, response, response.cseq.number)
        else:
            self.layer.respond(server, response)

    def _browser_offers(
        self,
        call: DeskBridgedCall,
        request: SipRequest,
        respond: Callable[[SipResponse], None],
    ) -> None:
        """The browser's re-INVITE or UPDATE (hold, resume, a new microphone) answered by
        aiortc on the same transports; 488 for one it cannot answer (the call goes on)."""
        if not call.answered or call.answering or call.over:
            respond(make_response(request, 491))
            return
        if request.method == "UPDATE" and not request.body:
            respond(make_response(request, 200))  # a session refresh
            return
        call.answering = True

        async def answer() -> None:
            try:
                sdp = await call.bridge.browser_offers(request.body)
            except WebRtcRefused as error:
                sdp = b""
                logger.info("call %s: the browser's offer refused (%s)", call.invite.call_id, error)
            finally:
                call.answering = False
            if call.over:
                respond(make_response(request, 481))
                return
            if not sdp:
                respond(make_response(request, 488))
                return
            contact = self._contact_with(call, caller=call.browser_calling)
            respond(
                make_response(
                    request, 200,
                    headers=[("Contact", contact), ("Allow", ALLOW_UPDATE),
                             ("Content-Type", "application/sdp")],
                    body=sdp,
                )
            )  # fmt: skip

        self._run(call, answer())

    def _phone_offers(
        self, call: DeskBridgedCall, request: SipRequest, server: ServerTransaction
    ) -> None:
        """The plain caller's re-INVITE or UPDATE, answered by the desk on its port (a
        hold: ``recvonly``, and the browser hears the music); without an offer, the
        desk's, its answer coming in the ACK; 488 for one it cannot take."""
        if not call.answered or call.over:
            self.layer.respond(server, make_response(request, 491))
            return
        headers = [("Contact", self._contact(call)), ("Allow", ALLOW_UPDATE)]
        if not request.body and request.method == "UPDATE":
            self.layer.respond(server, make_response(request, 200, headers=headers))
            return
        try:
            if request.body:
                sdp = call.bridge.other_offers(request.body)
            else:
                sdp = call.bridge.offer_again()
        except SdpParseError as error:
            logger.info("call %s: the caller's offer refused (%s)", call.invite.call_id, error)
            self.layer.respond(server, make_response(request, 488))
            return
        headers.append(("Content-Type", "application/sdp"))
        ok = make_response(request, 200, headers=headers, body=sdp)
        if request.method == "UPDATE":
            self.layer.respond(server, ok)
            return
        self._send_until_acked(call, server, ok, request.cseq.number)
        call.answer_in_ack = not request.body

    # ------------------------------------------------------------------ the end
    def _fail(
        self,
        call: DeskBridgedCall,
        status: int,
        warning: str = "",
        *,
        reason: str | None = None,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        """The caller's INVITE gets a final failure ``status``: the call never began.
        ``warning``: the desk's own reason, in a Warning; ``reason`` and ``headers``: a
        reason phrase and Warnings passed on from the placed call's failure."""
        if call.over:
            return
        self.stats["failed"] += 1
        headers = [*(headers or []), *([_warning(warning)] if warning else [])]
        self.layer.respond(
            call.server,
            make_response(
                call.invite, status, reason, to_tag=call.dialog.local_tag, headers=headers
            ),
        )
        self._end(call)

    def _hang_up_both(self, call: DeskBridgedCall) -> None:
        """Both sides are hung up: the desk could not go on relaying, or the call was
        replaced by an attended transfer."""
        if call.over:
            return
        self._hang_up_onward(call)
        self._send_to_caller(call, "BYE")
        self._end(call)

    def _no_ack(self, call: DeskBridgedCall) -> None:
        """A side never ACKed a 2xx of ours (RFC 3261 §13.3.1.4): the call is over."""
        logger.info("call %s: a 2xx never ACKed", call.invite.call_id)
        self._hang_up_both(call)

    def _hang_up_onward(self, call: DeskBridgedCall) -> None:
        if call.onward is not None:
            call.onward.hang_up()

    def _end(self, call: DeskBridgedCall) -> None:
        if call.over:
            return
        call.over = True
        call.bridge.close()  # the relaying stops, both ports freed
        transfer, call.transfer = call.transfer, None
        if transfer is not None and transfer.leg is not None:
            transfer.leg.hang_up()  # the transfer's call, still ringing, is cancelled
            transfer.leg.release()
        if call.ok is not None:
            call.ok[1].acknowledged()
        if call.onward is not None:
            call.onward.release()
        self.calls.pop((call.invite.call_id, call.dialog.local_tag), None)
        self.by_server.pop(id(call.server), None)
        line = call.line
        if line is not None:  # kept a while for the last answers in the call
            self.layer.call_later(LOOPBACK_LINGER_SECONDS, lambda: self._retire(line))

    # ------------------------------------------------------------------ sending
    def _contact(self, call: DeskBridgedCall) -> str:
        """Our Contact with the caller: its requests in the call come back to us."""
        return f"<sip:bridge@{self.desk.address}:{call.sip_port}>"

    def _contact_with(self, call: DeskBridgedCall, *, caller: bool) -> str:
        """Our Contact in our dialog with the caller (``caller``), or in the onward call."""
        if caller:
            return self._contact(call)
        assert call.onward is not None
        return call.onward.contact

    def _send_until_acked(
        self, call: DeskBridgedCall, server: ServerTransaction, ok: SipResponse, cseq: int
    ) -> None:
        self.layer.respond(server, ok)
        if call.ok is not None:
            call.ok[1].acknowledged()  # an earlier 2xx's ACK is no longer awaited
        again = OkUntilAck.to_peer(
            self.layer, call.peer, ok.serialize(), lambda: self._no_ack(call), self.ack_timers
        )
        call.ok = (cseq, again)

    def _send_to_caller(self, call: DeskBridgedCall, method: str) -> None:
        self._to_caller_in_call(call, method, b"", [], lambda _answer: None)

    def _to_caller_in_call(
        self,
        call: DeskBridgedCall,
        method: str,
        body: bytes,
        headers: list[tuple[str, str]],
        on_answer: Callable[[SipResponse | None], None],
    ) -> None:
        """A request to the caller in our dialog with it; ``on_answer`` gets its final
        answer, or None (no answer in 64*T1, or no call to send it in). A NOTIFY waits
        for the one before it to be answered."""
        if method == "NOTIFY":
            call.caller_notifies.send(
                lambda answered: self._to_caller_in_call_now(call, method, body, headers, answered),
                on_answer,
            )
        else:
            self._to_caller_in_call_now(call, method, body, headers, on_answer)

    def _to_caller_in_call_now(
        self,
        call: DeskBridgedCall,
        method: str,
        body: bytes,
        headers: list[tuple[str, str]],
        on_answer: Callable[[SipResponse | None], None],
    ) -> None:
        dialog = call.dialog
        if not call.answered or dialog.state == "terminated":
            on_answer(None)
            return
        via = Via.parse(self.layer.via(call.peer.transport, new_branch()))
        request = dialog.create_request(method, via, headers=headers, body=body)
        request.pop_via()  # the transaction puts its own
        if method == "BYE":
            dialog.terminate()
        if method == "REFER" and self.transfers is not None:
            self.transfers.readdress(request, call.peer)  # the proxy does it for the others

        def answered(_client: object, response: SipResponse) -> None:
            if response.status >= 200:
                on_answer(response)

        try:
            self.layer.forward(
                request, call.peer, on_response=answered, on_timeout=lambda _: on_answer(None)
            )
        except SipParseError:
            logger.debug("%s to the caller not sent", method)
            on_answer(None)

    def _run(self, call: DeskBridgedCall, work: Coroutine[object, object, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        call.tasks.add(task)
        task.add_done_callback(call.tasks.discard)


# Reason phrases of the failures a transfer's NOTIFY reports (the number is what counts).
_REASONS = {
    403: "Forbidden", 404: "Not Found", 408: "Request Timeout", 480: "Temporarily Unavailable",
    486: "Busy Here", 487: "Request Terminated", 488: "Not Acceptable Here",
    500: "Server Internal Error", 503: "Service Unavailable", 603: "Decline",
}  # fmt: skip


def _record_routes(call: DeskBridgedCall) -> list[tuple[str, str]]:
    """The Record-Route of a fork's INVITE, which our answers to a branch copy (RFC 3261
    §12.1.1): the caller's requests in the call then pass the proxy, which keeps the
    record. A caller the desk took whole sent none."""
    return [("Record-Route", value) for value in call.invite.header_values("Record-Route")]


__all__ = [
    "BridgedBrowserCalls",
    "DeskBranchLine",
    "DeskBridgedCall",
    "DeskTransfer",
]
