"""The stateful, record-routing proxy (RFC 3261 §16) between extensions.

A call from an authenticated extension to another extension forks in
parallel to every registered device of the callee. Responses come back
through one response context per INVITE (§16.7):

* provisional responses (but 100) go to the caller at once;
* every 2xx goes to the caller at once; the first one wins and the other
  branches get a CANCEL saying "Call completed elsewhere" (RFC 3326);
* a 6xx cancels the other branches;
* when every branch has a final answer and none was a 2xx, the caller gets
  the best one (§16.7.6): 6xx first, then the lowest class, 503 becoming 500;
* nobody answering in time cancels everything and answers 480.

In-dialog requests (ACK for 2xx, BYE, re-INVITE, INFO, ...) follow the
Route set (loose routing, §16.4). The proxy records two routes (RFC 5658),
one facing each side, each carrying a signed "flow token" that says how to
reach that side (the UDP source address or the TCP/WebSocket connection a
device registered from), so that requests inside a dialog reach devices
behind NAT and browsers whose Contact is not reachable at all.

With rtpengine configured (``anchor``), the SDP of a call whose media must pass
through it (a browser and a phone; phones behind NAT) is rewritten on the way:
each fork's offer before it is forwarded, the answers before they are relayed,
re-INVITEs in their direction; the call's media end with it (``officina.pbx.anchoring``).
In a call rtpengine does not carry, a re-INVITE or UPDATE that holds goes through
``holds`` (``officina.pbx.hold``): the held party gets its music from the media desk.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Protocol

from officina.pbx.actions import CallRow
from officina.pbx.anchoring import (
    MEDIA_RELAY_UNAVAILABLE,
    NO_MEDIA_BRIDGE,
    MediaAnchor,
    is_sdp,
    leg_for,
    naming_the_held_stream,
    puts_on_hold,
    rings_without_rtpengine,
)
from officina.pbx.bindings import Binding
from officina.pbx.call_cutoff import hang_up_both
from officina.pbx.cdr import CallRecordWriter, wall_time
from officina.pbx.dialog_events import (
    CONFIRMED,
    EARLY,
    INITIATOR,
    RECIPIENT,
    TERMINATED,
    TRYING,
    DialogEvents,
)
from officina.pbx.directory import Directory
from officina.pbx.models import CallRecord
from officina.pbx.placed_calls import (
    Loopback,
    ProviderLeg,
    devices_only_on,
    media_host_of,
    media_transport_of,
)
from officina.pbx.relay import MAX_FORWARDS_OUT
from officina.pbx.rtpengine import Leg, RtpEngineError
from officina.pbx.transaction_layer import BranchOwner
from officina.pbx.transports.base import CONNECTION_ORIENTED, UDP, Flow
from officina.sip import NameAddress, SipRequest, SipResponse, SipUri, make_response
from officina.sip.rport import Peer

if TYPE_CHECKING:
    from officina.pbx.bridged_calls import BridgedBrowserCalls
    from officina.pbx.caller_names import CallerNames
    from officina.pbx.forward_targets import RoomEntry
    from officina.pbx.forwarding import Forwarder
    from officina.pbx.hold import HeldCalls
    from officina.pbx.media.g711 import Samples
    from officina.pbx.on_call import OnCallAnnouncer
    from officina.pbx.outside_minutes import Charge, OutsideMinutes
    from officina.pbx.pickup import CallPickup
    from officina.pbx.ring_groups import RingGroups
    from officina.pbx.selectors import DirectoryEntry
    from officina.pbx.transaction_layer import PbxTransactions
    from officina.pbx.transfers import Transfers
    from officina.pbx.trunk_calls import TrunkCalls
    from officina.sip import ClientTransaction, ServerTransaction

logger = logging.getLogger("officina.pbx.proxy")

Outcome = CallRecord.Outcome

# Responses a caller can act on are preferred among same-class answers (§16.7.6).
_PREFERRED_4XX = (401, 407, 415, 420, 484)
# Active dialogs tracked for call records; beyond this, the oldest are forgotten.
MAX_TRACKED_DIALOGS = 200_000
# Final answers after which a call goes to the callee's voicemail, when they have one.
_TO_VOICEMAIL = frozenset({408, 480, 486, 600})

# Answers a provider's 401/407 for a call out through a trunk: the request to send
# again with credentials, or None when the challenge cannot be answered.
ChallengeAnswer = Callable[[SipRequest, SipResponse], "SipRequest | None"]


class UnansweredCalls(Protocol):
    """Who takes a call nobody answered (the voicemail desk, ``officina.pbx.media``)."""

    @property
    def dialogs(self) -> Mapping[str, object]:
        """The calls it is in now, by Call-ID."""
        ...

    def ring_seconds(self, extension_id: int) -> float | None: ...

    def take_unanswered(
        self,
        server: ServerTransaction,
        request: SipRequest,
        caller_number: str,
        callee: DirectoryEntry,
        flow: Flow,
    ) -> bool: ...

    def take_dialled(
        self,
        server: ServerTransaction,
        request: SipRequest,
        caller: DirectoryEntry,
        number: str,
        flow: Flow,
    ) -> bool: ...

    def take_menu(
        self,
        server: ServerTransaction,
        request: SipRequest,
        caller_number: str,
        number: str,
        flow: Flow,
    ) -> bool: ...

    def answers(self, number: str) -> bool:
        """Is ``number`` one the desk answers itself: a menu or a conference room?"""
        ...

    def menu_name(self, number: str) -> str | None:
        """The name of the menu numbered ``number`` (None: no menu)."""
        ...

    def room(self, number: str) -> RoomEntry | None:
        """The conference room numbered ``number`` and who may join it (None: no room)."""
        ...

    def take_forwarded(
        self,
        server: ServerTransaction,
        request: SipRequest,
        caller_number: str,
        number: str,
        flow: Flow,
        forwarder: DirectoryEntry,
        *,
        from_outside: bool,
    ) -> bool: ...

    def forward_refusal(
        self, request: SipRequest, number: str, forwarder: DirectoryEntry
    ) -> str: ...

    def take_spoken(
        self,
        server: ServerTransaction,
        request: SipRequest,
        caller_number: str,
        words: Samples,
        flow: Flow,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> bool: ...


@dataclass(frozen=True, slots=True)
class ProxyPolicy:
    ring_timeout: float = 30.0
    dialog_lifetime: float = 4 * 3600.0


@dataclass(slots=True)
class Branch:
    client: ClientTransaction | None
    binding: Binding
    step: int = 0  # which step of a hunting ring group rang it
    # Rings on through a hunt's steps, whatever step it is at: a member's own phones
    # beside the hunting ring group their follow-me rings.
    rings_through_steps: bool = False
    provisional: bool = False
    final_status: int = 0
    cancel_wanted: str | None = None  # Reason to send once the branch has rung
    # (caller's leg, this device's leg) when the fork's media go through rtpengine,
    # and the fork's name there (its via-branch).
    media: tuple[Leg, Leg] | None = None
    label: str = ""
    to_tag: str = ""  # the device's tag, once it answered with one (its early dialog's)


@dataclass(slots=True)
class ResponseContext:
    """One INVITE being forked (§16.7)."""

    server: ServerTransaction
    request: SipRequest
    row: CallRow
    callee: DirectoryEntry | None = None
    branches: list[Branch] = field(default_factory=list)
    best: SipResponse | None = None
    best_is_ours: bool = False  # ``best`` was made here (a timeout), not a device's
    # The best answer of the phones that ring through a hunt's steps (the member's own
    # beside their follow-me): a step that moves on forgets its people's answers, not
    # these, which still count when the call ends (§16.7.6).
    through_best: SipResponse | None = None
    through_best_is_ours: bool = False
    # Our Via is on top of ``request``: its last fork was the received request itself.
    via_pushed: bool = False
    answered: bool = False
    finished: bool = False
    caller_cancelled: bool = False
    ring_deadline: float = 0.0
    # A hunting ring group rings one step (one person's devices) at a time: the step
    # ringing now, those still to come, how long each rings, and the INVITE they fork
    # (a follow-me's own copy; None: ``request``).
    step: int = 0
    next_steps: list[list[tuple[Binding, Peer]]] = field(default_factory=list)
    step_seconds: float = 0.0
    step_request: SipRequest | None = None
    group_call: bool = False
    group_number: str = ""  # the ring group's, whose busy lamp is lit while the call is
    caller_transport: str = UDP
    # The transport whose kind of media the caller speaks: ``caller_transport`` but for a
    # call the PBX places with a browser's offer (``placed_calls.media_transport_of``).
    caller_media: str = UDP
    caller_host: str = ""
    caller_token: str = ""
    anchored: bool = False  # some fork's media were set up in rtpengine
    # A call out through a trunk: the provider's challenge is answered once, with the
    # CSeq one higher; the caller keeps seeing its own CSeq (``caller_cseq``).
    answer_challenge: ChallengeAnswer | None = None
    caller_cseq: int = 0
    cseq_shift: int = 0
    # The INVITE as it came, for a callee who forwards when busy or not answered (the
    # forks change the one in ``request``).
    original: SipRequest | None = None
    # A company number forwarded when not answered: where the call goes when the ring
    # time is over (it gets ``original``, its flow and the record of the leg that ends).
    then: Unanswered | None = None
    # Branches to a provider whose answer spends a member's daily minutes for calls
    # out (binding key → whose): answered, the call ends when they run out
    # (``outside_minutes``). ``answer`` is the callee's 2xx.
    charges: dict[str, Charge] = field(default_factory=dict)
    answer: SipResponse | None = None
    # The From the caller sent, when the proxy rewrote it for the callee (a name from
    # the address book, the company's number): answers go back with it (§8.2.6.2).
    caller_from: str = ""
    # The INVITE as it came, for a colleague who picks the call up (``pickup.py``), and
    # the picker's extension once one has.
    as_received: SipRequest | None = None
    picked_by: int | None = None
    # The loopback of a leg the desk placed to ring given devices for a branch of a call
    # recorded already (``_ring_devices``): told which of them answered.
    rings_for: Loopback | None = None


# Where a call goes on when nobody answered it: (its server transaction, the INVITE as
# it came, its flow, the record of the leg that ended).
Unanswered = Callable[["ServerTransaction", SipRequest, Flow, CallRow], None]


class _Fork(BranchOwner):
    """Who gets the responses and the timeout of one fork's client transaction: the
    proxy, with the call and the branch. One object, kept by the transaction (up to 32 s
    after the call), where two bound callbacks were six for the collector to walk."""

    __slots__ = ("branch", "context", "proxy")

    def __init__(self, proxy: Proxy, context: ResponseContext, branch: Branch) -> None:
        self.proxy = proxy
        self.context = context
        self.branch = branch

    def on_response(self, client: ClientTransaction, response: SipResponse) -> None:
        self.proxy._branch_response(self.context, self.branch, client, response)

    def on_timeout(self, client: ClientTransaction) -> None:
        self.proxy._branch_timeout(self.context, self.branch, client)


class FlowTokens:
    """Signed tokens naming a flow, carried in the user part of our Record-Route URIs.

    The signature stops anyone from steering in-dialog requests towards an
    arbitrary address through us.
    """

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._verified: dict[str, Peer] = {}
        self._made: dict[Peer, str] = {}

    def _sign(self, text: str) -> str:
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()[:16]

    def make(self, peer: Peer) -> str:
        token = self._made.get(peer)
        if token is None:
            text = f"{peer.transport.lower()}.{peer.host.replace(':', '_')}.{peer.port}"
            token = f"{text}.{self._sign(text)}"
            if len(self._made) >= 10_000:
                self._made.clear()
            self._made[peer] = token
        return token

    def read(self, token: str) -> Peer | None:
        """The flow a token of ours names (None for anything else)."""
        known = self._verified.get(token)
        if known is not None:
            return known
        text, _, signature = token.rpartition(".")
        if not text or not hmac.compare_digest(signature, self._sign(text)):
            return None
        transport, _, rest = text.partition(".")
        host, _, port = rest.rpartition(".")
        if not port.isdigit() or not host:
            return None
        peer = Peer(transport.upper(), host.replace("_", ":"), int(port))
        # Every request of a dialog carries the same tokens: remember the verdict
        # (bounded; only verified tokens are kept, so forgeries cannot fill it).
        if len(self._verified) >= 10_000:
            self._verified.clear()
        self._verified[token] = peer
        return peer


class Proxy:
    """Calls between extensions: the forking of an INVITE and the requests of its dialog.

    Longer than the ~250 lines a class keeps to here, for a reason: the INVITE's
    response context (§16.7) and the relaying inside the dialog (§16.4) meet in
    the call record, which the first fork opens and the BYE closes; one class
    keeps that record's life in one place.
    """

    def __init__(
        self,
        directory: Directory,
        layer: PbxTransactions,
        records: CallRecordWriter,
        tokens: FlowTokens,
        record_route: Callable[[str, str], str],
        policy: ProxyPolicy | None = None,
    ) -> None:
        self.directory = directory
        self.layer = layer
        self.records = records
        self.tokens = tokens
        # record_route(transport, token) -> a Record-Route value for our interface.
        self.record_route = record_route
        self.policy = policy or ProxyPolicy()
        self.contexts: dict[int, ResponseContext] = {}  # id(server transaction) -> context
        # Call-ID -> the record of an answered call, until its BYE.
        self.dialogs: dict[str, tuple[CallRow, float]] = {}
        # Names callers from the callee's address book; None leaves From as it came.
        self.caller_names: CallerNames | None = None
        # Companies' ring groups; None: only extensions are dialled.
        self.ring_groups: RingGroups | None = None
        # Who takes unanswered calls and the numbers the PBX answers (voicemail).
        self.unanswered: UnansweredCalls | None = None
        # Calls in from and out through companies' trunks; None: extensions only.
        self.trunks: TrunkCalls | None = None
        # Call-ID → (the provider, how much higher its CSeq runs) for calls out whose
        # INVITE was sent again with credentials: the dialog's requests follow it.
        self.cseq_shifts: dict[str, tuple[Peer, int]] = {}
        # rtpengine, for calls whose media the PBX anchors; None: media go end to end.
        self.anchor: MediaAnchor | None = None
        # Without rtpengine, the node's desk bridging a browser's call to plain phones
        # (``bridged_calls.py``; ``runtime`` gives it). None: such a call gets 480.
        self.browser_bridges: BridgedBrowserCalls | None = None
        # Members' call forwarding and its feature codes; None: nothing is forwarded.
        self.forwarding: Forwarder | None = None
        # Transfers between phones, for the records and the Replaces check; None: none.
        self.transfers: Transfers | None = None
        # Tells the live pages who is on a call; None: nobody is told.
        self.on_call: OnCallAnnouncer | None = None
        # Tells the phones watching an extension (busy lamps) of its calls; None: nobody.
        self.dialog_events: DialogEvents | None = None
        # Colleagues picking up ringing calls (*8, **202); None: no pickup.
        self.pickup: CallPickup | None = None
        # Hold music from the media desk in calls no rtpengine carries; None: silence.
        self.holds: HeldCalls | None = None

    # ------------------------------------------------------------------ new calls
    def invite(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        caller: DirectoryEntry,
        now: float,
        wall: float,
    ) -> None:
        """An INVITE outside any dialog from the authenticated ``caller``: find the callee,
        fork to their devices."""
        from_uri = request.from_.uri
        if not isinstance(from_uri, SipUri) or from_uri.user != caller.number:
            self.layer.respond(
                server, make_response(request, 403, "Forbidden (From does not match credentials)")
            )
            return
        uri = request.uri
        callee_number = uri.user if isinstance(uri, SipUri) and uri.user else ""
        if self.pickup is not None and self.pickup.replacing(server, request, flow, caller, wall):
            return  # a BLF key picking up the ringing call its lamp was told of
        # The desk's onward call for a caller from outside is no extension's (id 0).
        row = new_row(request, caller.extension_id or None, caller.number, callee_number, wall)
        line = devices_only_on(flow)
        if line is not None:
            self._ring_devices(server, request, flow, row, line, now)
            return
        if self.transfers is not None and not self.transfers.new_call(
            request, caller.extension_id, caller.number, row, self.dialogs, wall
        ):
            self.fail(server, request, row, 403, Outcome.REFUSED)
            return
        self.route(server, request, flow, row, caller, callee_number, now, wall)

    def route(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        row: CallRow,
        caller: DirectoryEntry | None,
        callee_number: str,
        now: float,
        wall: float,
        unanswered: tuple[float, Unanswered] | None = None,
    ) -> None:
        """Ring ``callee_number`` (an extension or a ring group), or answer it here, or
        send it out through a trunk; ``caller`` is None for a call in from a trunk.
        ``unanswered``: (seconds, where to) the call goes on when nobody has answered
        within the seconds (a company number's forwarding), before any forward or
        voicemail of the callee's own."""
        forwarding = self.forwarding
        if (
            caller is not None
            and forwarding is not None
            and forwarding.feature_code(server, request, flow, caller, callee_number)
        ):
            return
        if (
            caller is not None
            and self.pickup is not None
            and self.pickup.pick_up(server, request, flow, caller, callee_number, wall)
        ):
            return
        callee = self.directory.entry(callee_number)
        group = None
        if callee is None and self.ring_groups is not None:
            group = self.ring_groups.plan(callee_number)
        if callee is not None:
            row.callee_id = callee.extension_id
        if callee is None and group is None:

            def not_ours() -> None:
                bridges = self.browser_bridges
                if (
                    caller is not None
                    and bridges is not None
                    and self._desk_bridges(request, media_transport_of(flow), Leg.WEBRTC)
                ):
                    # Out through a trunk (plain RTP), or nowhere: the desk's own call
                    # finds out, behind the same guard, and the browser is told.
                    bridges.take(server, request, flow, caller, callee_number, browser_calling=True)
                    return
                if (
                    caller is not None
                    and self.trunks is not None
                    and self.trunks.call_out(server, request, flow, caller, row, now)
                ):
                    return  # out through the caller's company's trunk, or refused by its guard
                self.fail(server, request, row, 404, Outcome.NOT_FOUND)

            desk = self.unanswered
            if caller is not None and desk is not None:
                self.to_desk(
                    server, request, flow,
                    lambda: desk.take_dialled(server, request, caller, callee_number, flow),
                    lambda: self.answered_here(row), not_ours,
                )  # fmt: skip
            else:
                not_ours()
            return
        if group is not None and self.ring_groups is not None:
            # Out of the company's hours a group's calls go elsewhere, or nowhere.
            group, callee = self.ring_groups.route(group, self.directory, wall)
            if callee is not None:
                row.callee_id = callee.extension_id
        if (
            callee is not None
            and group is None
            and forwarding is not None
            and forwarding.forward("always", server, request, flow, row, caller, callee, now)
        ):
            return
        if callee is not None:
            targets = [[callee]]
        elif group is not None and self.ring_groups is not None:
            targets = self.ring_groups.steps(group, self.directory)
        else:
            self.fail(server, request, row, 480, Outcome.UNREGISTERED)
            return
        reachable = [self.reachable(entries, wall) for entries in targets]
        caller_media = media_transport_of(flow)
        steps = self._ringable(reachable, caller_media)
        # Phones there were, none able to take this caller's media: the caller is told why.
        warning = NO_MEDIA_BRIDGE if any(reachable) else ""
        bridges = self.browser_bridges
        # A plain caller (a provider's, a desk phone) whose callee has browsers only is
        # rung through the desk's branch too, never handed to the desk whole: the desk's
        # own call would speak WebSocket without an offer, so that the callee's no-answer
        # or busy forward to a plain phone (or the number's own forward) could not ring
        # it. Rung here, the call meets forwarding, a group's steps and voicemail as any
        # call the proxy rings.
        if bridges is not None and (steps or (warning and leg_for(caller_media) is Leg.PLAIN)):
            caller_leg = leg_for(caller_media)
            if self._desk_bridges(request, caller_media, caller_leg):
                # Some phones take the caller's media, others are of the other kind: these
                # ring too, through the desk, as one more branch of each step.
                steps = self._with_desk_branches(
                    reachable, caller_media,
                    caller or self._outsider_named(request, row, callee or targets[0][0]),
                    callee_number, browser_calling=caller_leg is Leg.WEBRTC,
                )  # fmt: skip
        if (
            not steps
            and warning
            and bridges is not None
            and caller is not None
            and self._desk_bridges(request, caller_media, Leg.WEBRTC)
        ):
            # A browser calling phones that are all plain: the desk takes the call whole,
            # calling the same number as the caller (forwarding, a group's steps,
            # voicemail apply to that call). A plain caller's is rung above, through the
            # desk's branch.
            if self.transfers is not None:
                # The desk places the call again as the caller's own, the one recorded.
                self.transfers.placed_again(row, wall)
            bridges.take(server, request, flow, caller, callee_number, browser_calling=True)
            return
        if not steps:
            if unanswered is not None:
                # Nobody's phone to ring for the number's seconds: on to its target now.
                row.outcome = Outcome.FORWARDED
                row.final_status = 480
                row.ended_at = row.started_at
                self.records.add(row)
                unanswered[1](server, request, flow, row)
                return
            if (
                callee is not None
                and group is None
                and forwarding is not None
                and forwarding.forward(
                    "unregistered", server, request, flow, row, caller, callee, now, 480
                )
            ):
                return
            # A group's calls have no voicemail of their own; a person's go to theirs.
            voicemail_of = callee if group is None else None
            self.fail(server, request, row, 480, Outcome.UNREGISTERED, voicemail_of, flow, warning)
            return
        if request.max_forwards == 0:
            self.fail(server, request, row, 483, Outcome.FAILED)
            return
        self.layer.respond(server, make_response(request, 100))
        request.remove_header("Proxy-Authorization")  # consumed here (RFC 3261 §22.3)
        caller_from = request.header("From") or ""
        if caller is not None:
            self._name_caller(request, caller, callee or targets[0][0])
        elif self.trunks is not None:
            self.trunks.name_caller(request, row.caller_number, callee or targets[0][0])
        context = ResponseContext(
            server=server, request=request, row=row, callee=callee if group is None else None
        )
        if request.header("From") != caller_from:
            context.caller_from = caller_from
        if self.pickup is not None:
            context.as_received = request.copy()
        ring_timeout = (
            self._ring_seconds(callee) if callee is not None else self.policy.ring_timeout
        )
        if group is None and callee is not None and forwarding is not None:
            seconds = forwarding.ring_seconds(callee)
            if seconds is not None:
                ring_timeout = seconds
            if forwarding.forwards_later(callee):
                context.original = request.copy()
                # The next callee's phones are shown the caller as their own book knows them.
                context.original.set_header("From", caller_from)
            follow_me = forwarding.follow_me_after(callee)
            if follow_me is not None:
                follow = request.copy()
                follow.set_header("From", caller_from)
                context.caller_from = caller_from
                self.layer.call_later(
                    follow_me, lambda: forwarding.follow_me(context, callee, follow)
                )
        if group is not None:
            context.group_call = True
            context.group_number = group.number
            context.step_seconds = float(group.ring_seconds)
            context.next_steps = steps[1:]
            ring_timeout = group.ring_seconds * len(steps)
        if unanswered is not None:
            ring_timeout, context.then = unanswered
            context.original = request.copy()
            context.original.set_header("From", caller_from)
        self._start(context, flow, steps[0], ring_timeout, now)

    def ring_out(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        row: CallRow,
        provider: Binding,
        peer: Peer,
        leg: ProviderLeg,
        now: float,
        charge: Charge | None = None,
    ) -> None:
        """Forward a call to a provider (a trunk) as one branch, as the trunk sends it
        (``leg``: its caller ID, its 401/407 answered once); answered, it spends
        ``charge``'s minutes and ends when they run out (None: whenever the parties hang
        up). A provider speaks plain RTP: a browser's call (a forward out of it; a
        browser's dialled number outside reaches the desk's bridge before, in ``route``)
        rings it through the desk's branch (``provider_branch``), or, with no desk to
        bridge it, does not go out (480, and why)."""
        caller_media = media_transport_of(flow)
        devices = self.media_can_meet([(provider, peer)], caller_media)
        if not devices:
            sender = request.from_.uri  # the browser's member (the trunk's ID comes later)
            caller = self.directory.entry(sender.user or "") if isinstance(sender, SipUri) else None
            branch = self.provider_branch(
                request, caller_media, caller, provider, peer, leg, row.callee_number
            )
            if branch is None:
                self.fail(server, request, row, 480, Outcome.UNREGISTERED, warning=NO_MEDIA_BRIDGE)
                return
            devices = [branch]
        if request.max_forwards == 0:
            self.fail(server, request, row, 483, Outcome.FAILED)
            return
        self.layer.respond(server, make_response(request, 100))
        request.remove_header("Proxy-Authorization")  # the caller's, for us (§22.3)
        context = ResponseContext(server=server, request=request, row=row)
        if devices[0][0] is provider:
            _rung_as_the_trunk(context, leg)
        if charge is not None:
            context.charges[devices[0][0].binding_key] = charge
        self._start(context, flow, devices, self.policy.ring_timeout, now)

    def provider_branch(
        self,
        request: SipRequest,
        caller_media: str,
        caller: DirectoryEntry | None,
        provider: Binding,
        peer: Peer,
        leg: ProviderLeg,
        number: str,
    ) -> tuple[Binding, Peer] | None:
        """The desk's branch that rings ``provider`` (for ``number``) for a browser's call
        (``request``, from ``caller``) without rtpengine: the desk answers the browser's
        offer and calls the provider with a plain PCMU/PCMA one, as the trunk sends a call
        (``leg``: its caller ID, its challenge answered; ``Proxy._ring_devices``). None:
        no desk bridges this call (rtpengine runs, no desk on this node, no offer), or
        the caller is no member the desk can call as."""
        if caller is None or not self._desk_bridges(request, caller_media, Leg.WEBRTC):
            return None
        bridges = self.browser_bridges
        assert bridges is not None
        return bridges.branch(
            [(provider, peer)], caller, number, browser_calling=True, provider=leg
        )

    def _start(
        self,
        context: ResponseContext,
        flow: Flow,
        devices: list[tuple[Binding, Peer]],
        ring_timeout: float,
        now: float,
    ) -> None:
        context.ring_deadline = now + ring_timeout
        self.contexts[id(context.server)] = context
        context.caller_transport = flow.transport
        context.caller_media = media_transport_of(flow)
        context.caller_host = media_host_of(flow)
        context.caller_token = self.tokens.make(self.layer.peer_for_flow(flow))
        context.request.decrement_max_forwards(ceiling=MAX_FORWARDS_OUT)
        self._ring(context, devices, context.request, last_step=not context.next_steps)
        self._time_step(context)
        self.layer.call_later(ring_timeout, lambda: self._ring_timeout(context))

    def refuse(
        self, server: ServerTransaction, request: SipRequest, row: CallRow, reason: str, text: str
    ) -> None:
        """Refuse a call with 403 and say why: ``reason`` (a code) in the call record,
        ``text`` in a Warning header (RFC 3261 §20.43)."""
        row.outcome = Outcome.REFUSED
        row.final_status = 403
        row.reason = reason
        row.ended_at = row.started_at
        self.records.add(row)
        self.layer.respond(
            server, make_response(request, 403, "Forbidden", headers=[_warning(text)])
        )

    def reachable(self, entries: list[DirectoryEntry], wall: float) -> list[tuple[Binding, Peer]]:
        """The live devices of ``entries`` that can be reached from this node."""
        reachable: list[tuple[Binding, Peer]] = []
        for entry in entries:
            for binding in self.directory.live_bindings(entry.extension_id, wall):
                peer = self.layer.peer_for_binding(binding)
                if peer is None:
                    # Its connection has gone (or is held by another node): unreachable here.
                    self.directory.forget_binding(binding)
                    continue
                reachable.append((binding, peer))
        return reachable

    def media_can_meet(
        self, devices: list[tuple[Binding, Peer]], caller_transport: str
    ) -> list[tuple[Binding, Peer]]:
        """The devices whose media can meet those of a caller on ``caller_transport``:
        without rtpengine a browser is not rung for a plain RTP caller, nor a plain phone
        for a browser. Every way a call reaches a device passes here (the first ring, a
        ring group's steps, forwarding, follow-me, pickup, click-to-call's first leg, a
        call out to a provider); with no device left ``route`` has the desk bridge the
        call (``bridged_calls.py``), else the callee is unreachable (forwarding,
        voicemail, 480). In ``route`` when some device of the call fits, and in a
        follow-me or a pickup of a ringing call (``also_ringing``), the devices left out
        still ring, through a branch to the desk (``_with_desk_branches``)."""
        if self.anchor is not None:
            return devices
        return [
            (binding, peer)
            for binding, peer in devices
            if rings_without_rtpengine(caller_transport, peer.transport)
        ]

    def _desk_bridges(self, request: SipRequest, caller_media: str, caller_leg: Leg) -> bool:
        """Does the desk bridge this call, from a caller whose media are ``caller_leg``'s
        (speaking those of ``caller_media``, a transport), to phones of the other kind?
        Only with no rtpengine to bridge them, a desk on this node, and an offer in the
        INVITE."""
        return (
            self.browser_bridges is not None
            and self.anchor is None
            and leg_for(caller_media) is caller_leg
            and is_sdp(request.content_type, request.body)
        )

    def _ring_devices(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        row: CallRow,
        line: Loopback,
        now: float,
    ) -> None:
        """A leg the desk placed for one branch of a call recorded already (``line.rings``,
        ``bridged_calls.py``): it rings those devices that can take its media and nothing
        else; the outer call applies forwarding, follow-me and voicemail, once, and keeps
        the one record."""
        row.recorded = False
        devices = self.media_can_meet(line.rings or [], media_transport_of(flow))
        if not devices:
            self.fail(server, request, row, 480, Outcome.UNREGISTERED)
            return
        self.layer.respond(server, make_response(request, 100))
        context = ResponseContext(server=server, request=request, row=row)
        context.rings_for = line
        if line.provider is not None:
            _rung_as_the_trunk(context, line.provider)
        self._start(context, flow, devices, self.policy.ring_timeout, now)

    def _with_desk_branches(
        self,
        steps: list[list[tuple[Binding, Peer]]],
        caller_media: str,
        caller: DirectoryEntry,
        number: str,
        *,
        browser_calling: bool,
        headers: list[tuple[str, str]] | None = None,
    ) -> list[list[tuple[Binding, Peer]]]:
        """``steps`` with, in each, the devices that take the caller's media and, in place
        of those of the other kind, one branch to the desk, which answers for them and
        rings them through its bridge (``BridgedBrowserCalls.branch``): a member with a
        desk phone and the browser phone has both rung, whatever they call from.
        ``headers``: what the fork carries for its devices beyond the caller's INVITE (a
        pickup's auto-answer), which the desk's call to them carries too."""
        bridges = self.browser_bridges
        assert bridges is not None
        with_branches: list[list[tuple[Binding, Peer]]] = []
        for devices in steps:
            fitting = self.media_can_meet(devices, caller_media)
            others = [
                device
                for device in devices
                if not rings_without_rtpengine(caller_media, device[1].transport)
            ]
            if others:
                branch = bridges.branch(
                    others, caller, number, browser_calling=browser_calling, headers=headers
                )
                fitting = [*fitting, branch]
            if fitting:
                with_branches.append(fitting)
        return with_branches

    def extensions_rung(self, binding: Binding) -> list[int]:
        """The extensions a branch of a fork (``binding``) rings: its own, or each of those
        a desk's branch stands for (``BridgedBrowserCalls.extensions_behind``), so that a
        pickup of one of them finds the call as when their own phone is forked to."""
        bridges = self.browser_bridges
        behind = bridges.extensions_behind(binding) if bridges is not None else None
        return behind or [binding.extension_id]

    def _ringable(
        self, steps: list[list[tuple[Binding, Peer]]], caller_media: str
    ) -> list[list[tuple[Binding, Peer]]]:
        """The steps of ``steps`` whose devices can take the caller's media (the transport
        whose kind of media it speaks), each with only those devices (a step left with
        none is no step)."""
        ringable = [self.media_can_meet(devices, caller_media) for devices in steps]
        return [step for step in ringable if step]

    def also_ringing(
        self,
        context: ResponseContext,
        steps: list[list[tuple[Binding, Peer]]],
        request: SipRequest,
        number: str,
        headers: list[tuple[str, str]] | None = None,
    ) -> list[list[tuple[Binding, Peer]]]:
        """``steps`` (a member's phones, a group's people) as the ringing call of
        ``context`` can ring them too (a follow-me to a colleague or a group, a pickup),
        as its first ring would (``route``): the phones that take the caller's media and,
        when the desk bridges, those of the other kind through one branch to the desk a
        step (``_with_desk_branches``; ``number``: the number they are rung for,
        ``headers``: what ``request``, the fork, carries for them). Otherwise, with
        rtpengine every phone, without a desk the fitting ones only. A step left with
        nothing to ring is no step."""
        caller_media = context.caller_media
        if not self._desk_bridges(request, caller_media, leg_for(caller_media)):
            return self._ringable(steps, caller_media)
        row = context.row
        caller = self.directory.by_id.get(row.caller_id) if row.caller_id is not None else None
        return self._with_desk_branches(
            steps, caller_media, caller or _from_outside(request, row), number,
            browser_calling=leg_for(caller_media) is Leg.WEBRTC, headers=headers,
        )  # fmt: skip

    def _ring(
        self,
        context: ResponseContext,
        devices: list[tuple[Binding, Peer]],
        request: SipRequest,
        *,
        last_step: bool,
    ) -> None:
        """Fork ``request`` to ``devices`` (one step of a hunting group, or everyone).

        ``last_step``: nothing forks ``request`` after these devices, so the last of them
        gets it itself rather than a copy."""
        last = len(devices) - 1
        for index, (binding, peer) in enumerate(devices):
            legs = None
            if self.anchor is not None:
                legs = self.anchor.legs(
                    context.caller_media, context.caller_host, request.content_type,
                    request.body, binding, peer.transport,
                )  # fmt: skip
            # Each fork is its own message (its client transaction keeps it, and a CANCEL
            # is built from it); the very last fork of the call reuses the received one,
            # unless its SDP is rewritten (the received offer may still go to voicemail).
            fork = request if last_step and index == last and legs is None else request.copy()
            fork.uri = binding.contact_uri
            self._add_record_routes(fork, context.caller_transport, context.caller_token, peer)
            if binding.path:
                for route in reversed(binding.path.split(",")):
                    fork.prepend_route(route.strip())
            branch = Branch(client=None, binding=binding, step=context.step, media=legs)
            context.branches.append(branch)
            self._tell_watchers(context, branch, TRYING)
            bridged = self.browser_bridges.behind(binding) if self.browser_bridges else None
            context.row.devices_rung.extend(bridged or [binding.user_agent or binding.contact_uri])
            if legs is None:
                self._forward_fork(context, branch, fork, peer)
            else:
                self._forward_anchored(context, branch, fork, peer)

    def _time_step(self, context: ResponseContext) -> None:
        """The step that just rang gives way to the next after the group's seconds."""
        if context.next_steps:
            step = context.step
            self.layer.call_later(context.step_seconds, lambda: self._step_over(context, step))

    def _forward_fork(
        self, context: ResponseContext, branch: Branch, fork: SipRequest, peer: Peer
    ) -> None:
        if fork is context.request:
            context.via_pushed = True
        branch.client = self.layer.forward_owned(fork, peer, _Fork(self, context, branch))

    def _forward_anchored(
        self, context: ResponseContext, branch: Branch, fork: SipRequest, peer: Peer
    ) -> None:
        """Forward a fork once rtpengine has rewritten its offer for the device's leg (an
        INVITE without an offer goes as it is: the device's answer brings the offer)."""
        anchor = self.anchor
        assert anchor is not None and branch.media is not None
        context.anchored = True
        branch.label = f"{branch.step}.{len(context.branches)}"
        request = context.request
        late = not is_sdp(fork.content_type, fork.body)

        def rewritten(sdp: bytes | None, error: RtpEngineError | None) -> None:
            if error is not None or (sdp is None and not late):
                branch.final_status = 503
                self._media_failed(context, str(error))
                return
            if context.finished or _left_behind(context, branch):
                branch.final_status = 487  # the caller gave up, or the group moved on
                return
            if sdp is not None:
                fork.body = sdp
            self._forward_fork(context, branch, fork, peer)

        offer = None
        if not late:
            offer = anchor.engine.offer(
                request.call_id, request.from_tag or "", fork.body, branch.media[1],
                via_branch=branch.label,
            )  # fmt: skip
        anchor.in_order(request.call_id, offer, rewritten)

    def _media_failed(self, context: ResponseContext, error: str) -> None:
        """rtpengine did not set up a fork's media: the call cannot be put through."""
        logger.error("call %s: rtpengine failed: %s", context.request.call_id, error)
        if context.finished:
            return
        self._cancel_pending(context, 'SIP;cause=503;text="Media relay unavailable"')
        self._finish(context, _media_relay_unavailable(context.request), ours=True)

    def ring_also(
        self,
        context: ResponseContext,
        devices: list[tuple[Binding, Peer]],
        request: SipRequest,
        answer_challenge: ChallengeAnswer | None = None,
        charge: Charge | None = None,
    ) -> None:
        """Fork ``request`` (the INVITE as it came) to more devices while the call rings
        (a pickup, follow-me to a number outside); a provider among them has its challenge
        answered once, and its answer spends ``charge``'s minutes. ``devices`` are those
        the call can ring (``also_ringing``, ``media_can_meet``): they are not judged
        again, since a branch to the desk rings phones of the other kind."""
        if context.finished:
            return
        if answer_challenge is not None:
            context.answer_challenge = answer_challenge
            context.caller_cseq = request.cseq.number
        if charge is not None:
            for binding, _peer in devices:
                context.charges[binding.binding_key] = charge
        request = request.copy()
        request.decrement_max_forwards(ceiling=MAX_FORWARDS_OUT)
        self._ring(context, devices, request, last_step=False)

    def hunt_also(
        self,
        context: ResponseContext,
        steps: list[list[tuple[Binding, Peer]]],
        step_seconds: float,
        request: SipRequest,
        number: str,
    ) -> None:
        """Ring ``steps`` while the call rings (a follow-me to a colleague or a ring group,
        ``number``) as a call to the group rings them: the first now, each next one when
        the one before has had ``step_seconds`` or everyone in it said no; one step (an
        extension, a group that rings all) rings at once. Phones of the other media kind
        than the caller's ring through the desk (``also_ringing``). The phones ringing
        already ring on through every step. ``request`` is the INVITE as it came."""
        if context.finished:
            return
        steps = self.also_ringing(context, steps, request, number)
        if not steps:
            return
        for branch in context.branches:
            branch.rings_through_steps = True
        # What the member's phones said so far (one busy, another ringing on) is theirs.
        context.through_best, context.through_best_is_ours = context.best, context.best_is_ours
        request = request.copy()
        request.decrement_max_forwards(ceiling=MAX_FORWARDS_OUT)
        context.step_request = request
        context.next_steps = steps[1:]
        context.step_seconds = step_seconds
        self._ring(context, steps[0], request, last_step=not context.next_steps)
        self._time_step(context)

    def _step_over(self, context: ResponseContext, step: int) -> None:
        """A hunting group's person did not answer in time: on to the next one, unless
        a colleague has picked the call up meanwhile (``pickup.py``): then the hunt stops
        there, and the picker's phone, a fork of this step, rings on."""
        if context.finished or context.step != step or context.picked_by is not None:
            return
        self._cancel_pending(context, 'SIP;cause=480;text="No answer"', _stepping(context))
        self._next_step(context)

    def _next_step(self, context: ResponseContext) -> None:
        # The people the hunt leaves are no longer rung: their lamps go out now, not when
        # the call ends (RFC 4235: their dialog of the call is over).
        for branch in _stepping(context):
            self._tell_watchers(context, branch, TERMINATED, caller_too=False)
        context.step += 1
        devices = context.next_steps.pop(0)
        request = context.step_request or context.request
        self._ring(context, devices, request, last_step=not context.next_steps)
        self._time_step(context)

    def _name_caller(
        self, request: SipRequest, caller: DirectoryEntry, callee: DirectoryEntry
    ) -> None:
        """Show the callee's phones who is calling as their company knows them: the From
        display name is rewritten, its URI and tag kept, so the dialog is the same."""
        if self.caller_names is None:
            return
        shown = self.caller_names.display_name(caller, callee)
        if shown is None:
            return
        sender = request.from_
        request.set_header("From", str(NameAddress(sender.uri_text, shown, dict(sender.params))))

    def _outsider_named(
        self, request: SipRequest, row: CallRow, callee: DirectoryEntry
    ) -> DirectoryEntry:
        """A provider's caller as the desk's branch to ``callee``'s phones shows them: by
        the name ``callee``'s company gives the number, as the phones rung directly see it.
        The proxy renames the From of its forks only after the branches are made, and the
        branch's call rings its devices only, never routed (and so named) again, as a call
        the desk takes whole is."""
        outsider = _from_outside(request, row)
        return outsider if self.trunks is None else self.trunks.named_for(outsider, callee)

    def _ring_seconds(self, callee: DirectoryEntry) -> float:
        """How long the callee's devices ring: their voicemail's setting, when it is on."""
        if self.unanswered is not None:
            seconds = self.unanswered.ring_seconds(callee.extension_id)
            if seconds is not None:
                return min(seconds, self.policy.ring_timeout)
        return self.policy.ring_timeout

    def _to_voicemail(
        self,
        server: ServerTransaction,
        request: SipRequest,
        row: CallRow,
        callee: DirectoryEntry | None,
        flow: Flow | None,
        otherwise: Callable[[], None],
    ) -> None:
        """Hand an unanswered call to the callee's voicemail; ``otherwise`` when it has
        none."""
        desk = self.unanswered
        if desk is None or callee is None or flow is None:
            otherwise()
            return

        def taken() -> None:
            # The record was handed to the writer already (maybe written): say it again.
            row.voicemail = True
            self.records.ended(row)

        self.to_desk(
            server, request, flow,
            lambda: desk.take_unanswered(server, request, row.caller_number, callee, flow),
            taken, otherwise,
        )  # fmt: skip

    def answered_here(self, row: CallRow, by: str = "Officina") -> None:
        """Record a call the desk answered at once (``by``: Officina for a menu, a
        conference room, a feature code; voicemail for a box). The desk's calls end
        in its own dialogs, not here: the record ends as it starts, so nobody seems on
        a call after it."""
        row.outcome = Outcome.ANSWERED
        row.final_status = 200
        row.answered_at = row.ended_at = row.started_at
        row.answered_by = by
        self.records.add(row)

    def ringing_to_desk(
        self,
        context: ResponseContext,
        request: SipRequest,
        flow: Flow,
        take: Callable[[], bool],
    ) -> None:
        """The desk takes a call still ringing (a follow-me to a menu or a conference
        room, ``take``): its phones are cancelled as when one of them answers, and its
        record says Officina answered. ``request`` is the INVITE as it came. When the
        desk cannot take it after all (media it cannot answer: SDES-keyed SRTP) the call
        goes on as when nobody answers: where the callee forwards unanswered calls, else
        their voicemail, else 480."""
        if context.finished:
            return
        context.finished = True
        self.contexts.pop(id(context.server), None)
        if self.anchor is not None and context.anchored:
            self.anchor.end(request.call_id)  # the phones' forks; the desk's leg is new
        self._cancel_pending(context, 'SIP;cause=200;text="Call completed elsewhere"')
        for branch in context.branches:
            self._tell_watchers(context, branch, TERMINATED, caller_too=False)
        server, row = context.server, context.row
        self.to_desk(
            server, request, flow, take, lambda: self.answered_here(row),
            lambda: self._not_taken_by_desk(context, request, flow),
        )  # fmt: skip

    def _not_taken_by_desk(self, context: ResponseContext, request: SipRequest, flow: Flow) -> None:
        """The desk refused a call its phones were cancelled for: as when nobody answers,
        the callee's no-answer forward (or a company number's), their voicemail, 480."""
        row = context.row
        row.final_status = 480
        row.ended_at = wall_time(self.layer.wall())
        if self._forward_unanswered(context, 480):
            return
        self.fail(context.server, request, row, 480, Outcome.NO_ANSWER, context.callee, flow)

    def to_desk(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        take: Callable[[], bool],
        taken: Callable[[], None],
        otherwise: Callable[[], None],
    ) -> None:
        """Offer a call to the PBX's own desk (``take``), which speaks plain RTP: a
        browser's call goes through rtpengine, its offer made plain before the desk
        reads it and the desk's answer made WebRTC before the browser gets it."""
        anchor = self.anchor
        if (
            anchor is None
            or leg_for(media_transport_of(flow)) is not Leg.WEBRTC
            or not is_sdp(request.content_type, request.body)
        ):
            if take():
                taken()
            else:
                otherwise()
            return
        call_id, from_tag, original = request.call_id, request.from_tag or "", request.body

        def rewritten(sdp: bytes | None, error: RtpEngineError | None) -> None:
            if error is not None or sdp is None:
                logger.error("call %s: rtpengine failed: %s", call_id, error)
                self.layer.respond(server, _media_relay_unavailable(request))
                return
            request.body = sdp
            self.layer.rewriters[id(server)] = partial(self._desk_response, call_id, from_tag)
            if take():
                anchor.desk_calls.add(call_id)
                taken()
                return
            self.layer.rewriters.pop(id(server), None)
            request.body = original
            anchor.end(call_id)
            otherwise()

        offer = anchor.engine.offer(call_id, from_tag, original, Leg.PLAIN)
        anchor.in_order(call_id, offer, rewritten)

    def _desk_response(
        self,
        call_id: str,
        from_tag: str,
        response: SipResponse,
        send: Callable[[SipResponse], None],
    ) -> None:
        """The desk's answer to a browser, through rtpengine (in order, like a phone's)."""
        anchor = self.anchor
        assert anchor is not None
        answer = None
        if 100 < response.status < 300 and is_sdp(response.content_type, response.body):
            answer = anchor.engine.answer(
                call_id, from_tag, response.to_tag or "", response.body, Leg.WEBRTC
            )

        def rewritten(sdp: bytes | None, error: RtpEngineError | None) -> None:
            if error is not None:
                logger.error("call %s: rtpengine failed on the answer: %s", call_id, error)
            elif sdp is not None:
                response.body = sdp
            send(response)

        anchor.in_order(call_id, answer, rewritten)
        if response.status >= 300:
            anchor.end(call_id)  # refused (488, 503): its media end

    def _add_record_routes(
        self, request: SipRequest, caller_transport: str, caller_token: str, peer: Peer
    ) -> None:
        # The caller reads the Record-Route list bottom-up, the callee top-down: the entry
        # facing the caller goes in first, the one facing the callee on top of it.
        request.prepend_record_route(self.record_route(caller_transport, caller_token))
        request.prepend_record_route(self.record_route(peer.transport, self.tokens.make(peer)))

    def fail(
        self,
        server: ServerTransaction,
        request: SipRequest,
        row: CallRow,
        status: int,
        outcome: str,
        callee: DirectoryEntry | None = None,
        flow: Flow | None = None,
        warning: str = "",
    ) -> None:
        """End a call here with ``status`` (its voicemail first, for those that go
        there); ``warning`` says why in a Warning header (RFC 3261 §20.43)."""
        row.outcome = outcome
        row.final_status = status
        row.ended_at = row.started_at
        self.records.add(row)
        headers = [_warning(warning)] if warning else []

        def answer_caller() -> None:
            self.layer.respond(server, make_response(request, status, headers=headers))

        if status in _TO_VOICEMAIL:
            self._to_voicemail(server, request, row, callee, flow, answer_caller)
            return
        answer_caller()

    # ------------------------------------------------------------------ responses
    def _branch_response(
        self,
        context: ResponseContext,
        branch: Branch,
        client: ClientTransaction,
        response: SipResponse,
    ) -> None:
        if branch.media is None or self.anchor is None or response.status == 100:
            self._branch_response_now(context, branch, client, response)
            return
        # Through rtpengine: an answer with SDP is rewritten for the caller's leg; every
        # response of the call keeps its place in the order.
        request = context.request
        answer: Awaitable[bytes] | None = None
        if response.status < 300 and is_sdp(response.content_type, response.body):
            if is_sdp(request.content_type, request.body):
                answer = self.anchor.engine.answer(
                    request.call_id, request.from_tag or "", response.to_tag or "",
                    response.body, branch.media[0], via_branch=branch.label,
                )  # fmt: skip
            else:
                # A late offer: the device offers here, the caller answers in its ACK.
                answer = self.anchor.offer_in_response(
                    request.call_id, request.cseq.number,
                    (response.to_tag or "", request.from_tag or ""), response.body,
                    branch.media, via_branch=branch.label,
                )  # fmt: skip

        def rewritten(sdp: bytes | None, error: RtpEngineError | None) -> None:
            if error is not None:
                # The callee has answered: the answer goes on as it is (the call may be
                # silent), rather than a call the callee thinks is up and the caller not.
                logger.error("call %s: rtpengine failed on the answer: %s", request.call_id, error)
            elif sdp is not None:
                response.body = sdp
            self._branch_response_now(context, branch, client, response)

        self.anchor.in_order(request.call_id, answer, rewritten)

    def _branch_response_now(
        self,
        context: ResponseContext,
        branch: Branch,
        _client: ClientTransaction,
        response: SipResponse,
    ) -> None:
        status = response.status
        if context.cseq_shift:
            response.set_header("CSeq", f"{context.caller_cseq} {response.cseq.method}")
        if context.caller_from:
            # The callee answered the From we sent; the caller matches its own.
            response.set_header("From", context.caller_from)
        if status in (401, 407) and self._answer_challenge(context, branch, response):
            return
        if status < 200:
            if status == 100:
                return
            branch.provisional = True
            branch.to_tag = branch.to_tag or response.to_tag or ""
            if branch.cancel_wanted is None and not _left_behind(context, branch):
                # Not a phone being cancelled, nor one a hunt has left: its lamp is out.
                self._tell_watchers(context, branch, EARLY)
            if branch.cancel_wanted is not None and branch.client is not None:
                self.layer.cancel(branch.client, branch.cancel_wanted)
                branch.cancel_wanted = None
            if not context.finished:
                self.layer.relay_response(context.server, response)
            return
        branch.final_status = status
        if 200 <= status < 300:
            # Every 2xx reaches the caller, even after the first (§16.7 step 5).
            self.layer.relay_response(context.server, response)
            if not context.answered:
                branch.to_tag = response.to_tag or branch.to_tag
                context.answered = True
                context.answer = response
                self._answered(context, branch)
            return
        if context.answered or context.finished or _left_behind(context, branch):
            return  # a person a hunting group has moved past: their answer is no verdict
        _keep_if_best(context, branch, response, ours=False)
        if status >= 600:
            self._cancel_pending(context, 'SIP;cause=600;text="Busy Everywhere"')
        self._maybe_finish(context)

    def _answer_challenge(
        self, context: ResponseContext, branch: Branch, response: SipResponse
    ) -> bool:
        """A provider asked for credentials: send the INVITE again with them, once."""
        answer = context.answer_challenge
        if answer is None or context.finished or branch.client is None:
            return False
        context.answer_challenge = None
        sent = branch.client.request.copy()
        sent.pop_via()  # ours; forward() puts a new one on top
        retry = answer(sent, response)
        if retry is None:
            return False
        branch.final_status = response.status  # this branch is over; the retry replaces it
        context.cseq_shift = retry.cseq.number - context.caller_cseq
        peer = branch.client.peer
        again = Branch(
            client=None,
            binding=branch.binding,
            step=branch.step,
            rings_through_steps=branch.rings_through_steps,
            media=branch.media,
            label=branch.label,
        )
        context.branches.append(again)

        def send_again() -> None:
            if context.finished:  # the caller gave up meanwhile
                again.final_status = 487
                return
            again.client = self.layer.forward_owned(retry, peer, _Fork(self, context, again))

        # After the transaction's ACK to the challenge has gone (it is sent once this
        # response is handled): some providers take a new INVITE before it as a glare.
        self.layer.call_later(0.0, send_again)
        return True

    def _branch_timeout(
        self, context: ResponseContext, branch: Branch, _client: ClientTransaction
    ) -> None:
        if branch.final_status:
            return
        branch.final_status = 408
        if context.answered or context.finished or _left_behind(context, branch):
            return
        _keep_if_best(context, branch, make_response(context.request, 408), ours=True)
        self._maybe_finish(context)

    def _answered(self, context: ResponseContext, winner: Branch) -> None:
        now_wall = self.layer.wall()
        row = context.row
        row.outcome = Outcome.ANSWERED
        row.final_status = 200
        row.answered_at = wall_time(now_wall)
        row.answered_by = winner.binding.user_agent or winner.binding.contact_uri
        if context.group_call:
            row.callee_id = winner.binding.extension_id  # who of the group took it
        if context.picked_by is not None and context.picked_by == winner.binding.extension_id:
            row.outcome = Outcome.PICKED_UP
            row.callee_id = context.picked_by
        charge = context.charges.get(winner.binding.binding_key)
        if charge is not None:
            row.charged_to_id = charge.extension_id
        if context.rings_for is not None:
            context.rings_for.answered_by = winner.binding  # the desk's branch names it
        if self.ring_groups is not None and row.recorded:
            self.ring_groups.call_answered((row.caller_id, row.callee_id))
        if self.on_call is not None and row.recorded:
            self.on_call.answered(row)
        self._tell_watchers(context, winner, CONFIRMED)
        for branch in context.branches:
            if branch.binding.extension_id != winner.binding.extension_id:
                self._tell_watchers(context, branch, TERMINATED, caller_too=False)
        context.finished = True
        self.contexts.pop(id(context.server), None)
        self._cancel_pending(context, 'SIP;cause=200;text="Call completed elsewhere"')
        self.records.add(row)
        if len(self.dialogs) >= MAX_TRACKED_DIALOGS:
            # Oldest first (dicts keep insertion order): a BYE that never came.
            self.dialogs.pop(next(iter(self.dialogs)))
        self.dialogs[row.call_id] = (row, now_wall)
        if context.cseq_shift and winner.client is not None:
            self.cseq_shifts[row.call_id] = (winner.client.peer, context.cseq_shift)
        if self.anchor is not None and context.anchored:
            if winner.media is None:
                self.anchor.end(row.call_id)  # other forks' media were set up, not this one's
            else:
                self.anchor.answered(row.call_id, context.request.from_tag or "", winner.media)
        if charge is not None and self.trunks is not None:
            self._spend_minutes(context, winner, charge, self.trunks.minutes)

    def _spend_minutes(
        self, context: ResponseContext, winner: Branch, charge: Charge, minutes: OutsideMinutes
    ) -> None:
        """Count the answered call on ``charge``'s daily minutes; when they run out it
        ends with a BYE to each side, unless it has ended by then (see ``call_cutoff``)."""
        row, answer, client = context.row, context.answer, winner.client
        caller = self.tokens.read(context.caller_token)
        if answer is None or client is None or caller is None:
            return
        invite, callee = client.request, client.peer

        def hang_up() -> None:
            tracked = self.dialogs.get(row.call_id)
            if tracked is None or tracked[0] is not row:
                return  # hung up already
            row.reason = CallRecord.RefusalReason.DAILY_MINUTES
            row.ended_by = CallRecord.EndedBy.PHONE_SYSTEM
            hang_up_both(self.layer, invite, answer, caller, callee)
            self._hung_up(row.call_id, self.layer.wall())

        minutes.answered(row.call_id, charge, hang_up)

    def _cancel_pending(
        self, context: ResponseContext, reason: str, branches: list[Branch] | None = None
    ) -> None:
        """CANCEL the call's ``branches`` (all of them by default) still unanswered."""
        for branch in context.branches if branches is None else branches:
            if branch.final_status or branch.client is None:
                continue
            if branch.provisional:
                self.layer.cancel(branch.client, reason)
            else:
                # A CANCEL may only follow a provisional response (§9.1).
                branch.cancel_wanted = reason

    def _maybe_finish(self, context: ResponseContext) -> None:
        if context.finished:
            return
        hunting = context.next_steps and context.picked_by is None
        step = _stepping(context)
        if (
            hunting
            and step
            and all(branch.final_status for branch in step)
            and (context.best is None or context.best.status < 600)
        ):
            # Everyone of this step said no (busy, declined): the next person now, while
            # the phones that ring through the steps (if any) go on ringing. Their own
            # answers stay (a member's busy phone beside their follow-me's hunt is still
            # busy at its end); the step's are no verdict any more.
            context.best = context.through_best
            context.best_is_ours = context.through_best_is_ours
            self._next_step(context)
            return
        if any(
            not branch.final_status
            for branch in context.branches
            if not _left_behind(context, branch)
        ):
            return
        if context.best is None:
            self._finish(context, make_response(context.request, 480), ours=True)
        else:
            self._finish(context, context.best, ours=context.best_is_ours)

    def _finish(self, context: ResponseContext, best: SipResponse, *, ours: bool = False) -> None:
        """Give the caller the final answer ``best`` (a branch's, or ``ours``)."""
        context.finished = True
        self.contexts.pop(id(context.server), None)
        if self.anchor is not None and context.anchored:
            self.anchor.end(context.request.call_id)
        status = best.status
        if status == 503 and not ours:
            best = _with_status(best, 500)  # §16.7.6: 503 would make the caller try elsewhere
            status = 500
        row = context.row
        row.final_status = status
        row.ended_at = wall_time(self.layer.wall())
        if context.caller_cancelled:
            row.outcome = Outcome.CANCELLED
        elif status in (486, 600):
            row.outcome = Outcome.BUSY
        elif status in (603, 403):
            row.outcome = Outcome.DECLINED
        elif status in (408, 480, 487):
            row.outcome = Outcome.NO_ANSWER
        else:
            row.outcome = Outcome.FAILED
        for branch in context.branches:
            self._tell_watchers(context, branch, TERMINATED, caller_too=False)
        if self._forward_unanswered(context, status):
            return
        events = self.dialog_events
        if events is not None and row.recorded:
            events.changed(self._number_of(row.caller_id), row.call_id, INITIATOR, TERMINATED)
            events.changed(context.group_number, row.call_id, RECIPIENT, TERMINATED)
        self.records.add(row)

        def answer_caller() -> None:
            if not ours:
                self.layer.relay_response(context.server, best)
                return
            if context.via_pushed:
                best.pop_via()  # made from the request we forwarded, which carries our Via
            self.layer.respond(context.server, best)

        if not context.caller_cancelled and status in _TO_VOICEMAIL:
            # The INVITE as it came when kept: the last fork may have been the received
            # request itself, our Via on top, which the desk's 200 would copy and a
            # caller that matches its answers by their top Via (baresip) would ignore.
            self._to_voicemail(
                context.server, context.as_received or context.request, row, context.callee,
                self.layer.flow_of(context.server), answer_caller,
            )  # fmt: skip
            return
        answer_caller()

    def _forward_unanswered(self, context: ResponseContext, status: int) -> bool:
        """Hand a call its callee did not take to where they forward it when busy or
        not answered; False when they do not."""
        case = {486: "busy", 600: "busy", 408: "no_answer", 480: "no_answer"}.get(status)
        flow = self.layer.flow_of(context.server)
        if (
            context.then is not None
            and case == "no_answer"
            and not context.caller_cancelled
            and context.original is not None
            and flow is not None
        ):
            row = context.row
            row.outcome = Outcome.FORWARDED
            row.final_status = status
            self.records.add(row)
            context.then(context.server, context.original, flow, row)
            return True
        if (
            case is None
            or context.caller_cancelled
            or context.original is None
            or context.callee is None
            or self.forwarding is None
            or flow is None
        ):
            return False
        caller = self.directory.by_id.get(context.row.caller_id or 0)
        return self.forwarding.forward(
            case, context.server, context.original, flow, context.row, caller, context.callee,
            self.layer.clock(), status,
        )  # fmt: skip

    def _ring_timeout(self, context: ResponseContext) -> None:
        if context.finished:
            return
        self._cancel_pending(context, 'SIP;cause=480;text="No answer"')
        # Answer the caller now; the branches' 487s are absorbed by their transactions.
        self._finish(context, make_response(context.request, 480, "No Answer"), ours=True)

    # ------------------------------------------------------------------ CANCEL
    def cancel(self, server: ServerTransaction) -> bool:
        """The caller gave up on the INVITE of ``server``: cancel every branch (§16.10)."""
        context = self.contexts.get(id(server))
        if context is None or context.finished:
            return False
        context.caller_cancelled = True
        self._cancel_pending(context, 'SIP;cause=487;text="Cancelled by the caller"')
        # The caller hears 487 now rather than after the slowest device: the branches'
        # own 487s are then absorbed by their client transactions.
        self._finish(context, make_response(context.request, 487), ours=True)
        return True

    # ------------------------------------------------------------------ dialogs
    def in_dialog(
        self,
        server: ServerTransaction | None,
        request: SipRequest,
        peer: Peer,
        wall: float,
    ) -> None:
        """Forward a request inside a dialog to ``peer``, the flow our Route named (the
        relay policy decided it, and popped our Routes).

        ``server`` is None for an ACK, which is forwarded without a transaction.
        """
        if request.max_forwards == 0:
            if server is not None:
                self.layer.respond(server, make_response(request, 483))
            return
        request.decrement_max_forwards(ceiling=MAX_FORWARDS_OUT)
        shift = self.cseq_shifts.get(request.call_id) if self.cseq_shifts else None
        received_cseq = request.cseq.number
        cseq = 0
        if shift is not None and shift[0] == peer:
            # Towards the provider, whose INVITE went with CSeq + shift.
            cseq = request.cseq.number
            request.set_header("CSeq", f"{cseq + shift[1]} {request.cseq.method}")
        if request.method == "BYE":
            self._hung_up(request.call_id, wall, request.from_tag or "")
        elif request.method == "REFER" and self.transfers is not None:
            self.transfers.readdress(request, peer)
        if server is None:
            if self.holds is not None and request.call_id in self.holds.calls:
                self.holds.ack(request)
            if self._ack_answers_late_offer(request, received_cseq, peer):
                return
            self.layer.send_stateless(request, peer)
            return

        def relay(_client: ClientTransaction, response: SipResponse) -> None:
            if cseq:
                response.set_header("CSeq", f"{cseq} {response.cseq.method}")
            if request.method == "REFER" and 200 <= response.status < 300:
                self._refer_accepted(request)
            self.layer.relay_response(server, response)

        anchored = self.anchor.calls.get(request.call_id) if self.anchor is not None else None
        if anchored is not None and request.method in ("INVITE", "UPDATE"):
            if is_sdp(request.content_type, request.body):
                self._reinvite_anchored(server, request, peer, relay)
                return
            if request.method == "INVITE":
                self._reinvite_anchored_late(server, request, received_cseq, peer, relay)
                return
        if (
            anchored is None
            and request.method in ("INVITE", "UPDATE")
            and self.holds is not None
            and request.call_id in self.dialogs
            and self.holds.takes(request)
        ):
            numbers = (_number_in(request.from_.uri), _number_in(request.to.uri))
            self.holds.forward(server, request, peer, relay, numbers)
            return
        self.layer.forward(
            request,
            peer,
            on_response=relay,
            on_timeout=lambda client: self.layer.respond(server, make_response(request, 408)),
        )

    def _refer_accepted(self, request: SipRequest) -> None:
        """The transferee (a phone, or the desk of a bridged call) took the REFER it was
        relayed: only now is the call transferred. A refused REFER (405, 491, 501: the
        call goes on as it was) leaves the record as it was and nobody referred."""
        if self.transfers is None:
            return
        tracked = self.dialogs.get(request.call_id)
        self.transfers.referred(request, tracked[0] if tracked else None, self.layer.wall())

    def _reinvite_anchored(
        self,
        server: ServerTransaction,
        request: SipRequest,
        peer: Peer,
        relay: Callable[[ClientTransaction, SipResponse], None],
    ) -> None:
        """A re-INVITE (hold, resume) in a call through rtpengine: its offer rewritten for
        the leg it goes to, the answer for the leg it came from."""
        anchor = self.anchor
        assert anchor is not None
        call_id, from_tag, to_tag = request.call_id, request.from_tag or "", request.to_tag or ""
        towards, back = anchor.calls[call_id].towards(from_tag)
        holding = puts_on_hold(request.body)

        def answered(client: ClientTransaction, response: SipResponse) -> None:
            answer = None
            if 100 < response.status < 300 and is_sdp(response.content_type, response.body):
                answer = anchor.engine.answer(call_id, from_tag, to_tag, response.body, back)

            def rewritten(sdp: bytes | None, error: RtpEngineError | None) -> None:
                if error is not None:
                    logger.error("call %s: rtpengine failed on a re-INVITE's answer: %s",
                                 call_id, error)  # fmt: skip
                elif sdp is not None:
                    response.body = sdp
                relay(client, response)
                if 200 <= response.status < 300:
                    # On hold, the other party (the re-INVITE's To) hears music till resumed.
                    if holding:
                        anchor.hold(call_id, to_tag, from_tag, _number_in(request.from_.uri))
                    else:
                        anchor.resume(call_id)

            anchor.in_order(call_id, answer, rewritten)

        def rewritten_offer(sdp: bytes | None, error: RtpEngineError | None) -> None:
            if error is not None or sdp is None:
                logger.error("call %s: rtpengine failed on a re-INVITE: %s", call_id, error)
                self.layer.respond(server, _media_relay_unavailable(request))
                return
            if holding and towards is Leg.WEBRTC:
                # So that after the resume the browser takes the other party's RTP again,
                # not only the hold music's (``naming_the_held_stream``).
                sdp = naming_the_held_stream(sdp)
            request.body = sdp
            self.layer.forward(
                request,
                peer,
                on_response=answered,
                on_timeout=lambda client: self.layer.respond(server, make_response(request, 408)),
            )

        offer = anchor.engine.offer(call_id, from_tag, request.body, towards, to_tag=to_tag)
        anchor.in_order(call_id, offer, rewritten_offer)

    def _reinvite_anchored_late(
        self,
        server: ServerTransaction,
        request: SipRequest,
        received_cseq: int,
        peer: Peer,
        relay: Callable[[ClientTransaction, SipResponse], None],
    ) -> None:
        """A re-INVITE without SDP in a call through rtpengine: the other party offers in
        its 2xx (rewritten for the sender's leg), the sender answers in its ACK."""
        anchor = self.anchor
        assert anchor is not None
        call_id, from_tag, to_tag = request.call_id, request.from_tag or "", request.to_tag or ""
        towards, back = anchor.calls[call_id].towards(from_tag)

        def answered(client: ClientTransaction, response: SipResponse) -> None:
            offer = None
            if 100 < response.status < 300 and is_sdp(response.content_type, response.body):
                offer = anchor.offer_in_response(
                    call_id, received_cseq, (to_tag, from_tag), response.body, (back, towards)
                )

            def rewritten(sdp: bytes | None, error: RtpEngineError | None) -> None:
                if error is not None:
                    logger.error("call %s: rtpengine failed on a re-INVITE's offer: %s",
                                 call_id, error)  # fmt: skip
                elif sdp is not None:
                    response.body = sdp
                relay(client, response)

            anchor.in_order(call_id, offer, rewritten)

        self.layer.forward(
            request,
            peer,
            on_response=answered,
            on_timeout=lambda client: self.layer.respond(server, make_response(request, 408)),
        )

    def _ack_answers_late_offer(self, ack: SipRequest, received_cseq: int, peer: Peer) -> bool:
        """An ACK carrying the answer to an offer rtpengine rewrote: sent on once the
        answer is rewritten too (True); False for any other ACK."""
        if self.anchor is None or ack.method != "ACK" or not is_sdp(ack.content_type, ack.body):
            return False

        def send(sdp: bytes) -> None:
            ack.body = sdp
            self.layer.send_stateless(ack, peer)

        return self.anchor.answer_in_ack(ack.call_id, received_cseq, ack.body, send)

    def ending(self, call_id: str, by: CallRecord.EndedBy) -> None:
        """The PBX is about to end ``call_id`` itself (a click-to-call the member ends on
        the page, or whose phone never ACKed): its record says who ended it ``by``, rather
        than naming the side whose BYE comes next."""
        tracked = self.dialogs.get(call_id)
        if tracked is not None:
            tracked[0].ended_by = by

    def _hung_up(self, call_id: str, wall: float, from_tag: str = "") -> None:
        self.cseq_shifts.pop(call_id, None)
        if self.holds is not None:
            self.holds.end(call_id)
        if self.trunks is not None:
            self.trunks.minutes.ended(call_id)
        if self.anchor is not None and call_id in self.anchor.calls:
            self.anchor.end(call_id)
        tracked = self.dialogs.pop(call_id, None)
        if tracked is None:
            return
        row, _answered = tracked
        row.ended_at = wall_time(wall)
        if not row.ended_by and from_tag and row.caller_tag:
            caller = from_tag == row.caller_tag
            row.ended_by = CallRecord.EndedBy.CALLER if caller else CallRecord.EndedBy.CALLEE
        self.records.ended(row)
        if not row.recorded:
            return  # the outer call's record, lamps and pages are the call's
        if self.ring_groups is not None:
            self.ring_groups.call_ended((row.caller_id, row.callee_id), wall)
        if self.on_call is not None:
            self.on_call.ended(row)
        self._tell_ended(row)

    def _tell_watchers(
        self, context: ResponseContext, branch: Branch, state: str, *, caller_too: bool = True
    ) -> None:
        """The call reached ``state`` on ``branch``'s extension (and, ``caller_too``, on
        the caller's and on the ring group's number): their busy lamps are told, each
        dialog from its own side (the caller's tag is the From's, the device's the To's).
        A desk's branch standing for several members' browsers (``extensions_rung``)
        tells each of their lamps; answered, the one whose browser answered is confirmed
        and the others' lamps go out."""
        events = self.dialog_events
        if events is None or not context.row.recorded:
            return  # a leg of the desk's inside a call: that call's dialog is the lamps'
        row = context.row
        call_id, caller_tag = row.call_id, context.request.from_tag or ""
        for extension_id in self.extensions_rung(branch.binding):
            callee = self.directory.by_id.get(extension_id)
            if callee is None:  # a provider's line
                continue
            told = state
            if state == CONFIRMED and extension_id != branch.binding.extension_id:
                told = TERMINATED
            events.changed(
                callee.number, call_id, RECIPIENT, told, row.caller_number,
                local_tag=branch.to_tag, remote_tag=caller_tag,
            )  # fmt: skip
        if not caller_too:
            return
        events.changed(
            self._number_of(row.caller_id), call_id, INITIATOR, state, row.callee_number,
            local_tag=caller_tag, remote_tag=branch.to_tag,
        )  # fmt: skip
        if context.group_number:
            events.changed(
                context.group_number, call_id, RECIPIENT, state, row.caller_number,
                local_tag=branch.to_tag, remote_tag=caller_tag,
            )  # fmt: skip

    def _tell_ended(self, row: CallRow) -> None:
        """The call of ``row`` is over: the lamps of its caller, its callee and the number
        dialled (a ring group's) go out."""
        events = self.dialog_events
        if events is None:
            return
        events.changed(self._number_of(row.caller_id), row.call_id, INITIATOR, TERMINATED)
        events.changed(self._number_of(row.callee_id), row.call_id, RECIPIENT, TERMINATED)
        events.changed(row.callee_number, row.call_id, RECIPIENT, TERMINATED)

    def _number_of(self, extension_id: int | None) -> str:
        """An extension's number ("" for none: a caller from outside)."""
        entry = self.directory.by_id.get(extension_id) if extension_id else None
        return entry.number if entry is not None else ""

    def forget_old_dialogs(self, wall: float) -> None:
        """Close records of calls whose BYE never came (the phone died mid-call); end the
        media of browsers' calls the desk has finished."""
        if self.anchor is not None and self.anchor.desk_calls and self.unanswered is not None:
            for call_id in list(self.anchor.desk_calls):
                if call_id not in self.unanswered.dialogs:
                    self.anchor.end(call_id)
        limit = wall - self.policy.dialog_lifetime
        for call_id, (row, answered) in list(self.dialogs.items()):
            if answered >= limit:
                break
            del self.dialogs[call_id]
            self.cseq_shifts.pop(call_id, None)
            if self.holds is not None:
                self.holds.end(call_id)
            if self.trunks is not None:
                self.trunks.minutes.ended(call_id)
            if self.anchor is not None and call_id in self.anchor.calls:
                self.anchor.end(call_id)
            row.ended_at = wall_time(wall)
            self.records.ended(row)
            if self.ring_groups is not None:
                self.ring_groups.call_ended((row.caller_id, row.callee_id), wall)
            if self.on_call is not None:
                self.on_call.ended(row)
            self._tell_ended(row)


def new_row(
    request: SipRequest, caller_id: int | None, caller_number: str, callee_number: str, wall: float
) -> CallRow:
    """The record of a call attempt, before anything about it is known."""
    return CallRow(
        call_id=request.call_id,
        caller_id=caller_id,
        caller_number=caller_number[:64],
        callee_id=None,
        callee_number=callee_number[:64],
        devices_rung=[],
        answered_by="",
        started_at=wall_time(wall),  # type: ignore[arg-type]
        answered_at=None,
        ended_at=None,
        outcome=Outcome.FAILED,
        final_status=None,
        caller_tag=request.from_tag or "",
    )


def _stepping(context: ResponseContext) -> list[Branch]:
    """The branches of the hunt's step ringing now (those its next step stops)."""
    return [
        branch
        for branch in context.branches
        if branch.step == context.step and not branch.rings_through_steps
    ]


def _left_behind(context: ResponseContext, branch: Branch) -> bool:
    """Has the hunt moved past ``branch``'s step? (Its answers are no verdict then.)"""
    return branch.step != context.step and not branch.rings_through_steps


def _keep_if_best(
    context: ResponseContext, branch: Branch, response: SipResponse, *, ours: bool
) -> None:
    """Keep ``response``, a branch's final answer (``ours``: made here, a timeout), as the
    call's best so far when it is (§16.7.6); a phone ringing through a hunt's steps keeps
    it as the best of those too. A timeout is only kept where nothing was said."""
    if branch.rings_through_steps and (
        context.through_best is None or (not ours and _better(response, context.through_best))
    ):
        context.through_best = response
        context.through_best_is_ours = ours
    if context.best is None or (not ours and _better(response, context.best)):
        context.best = response
        context.best_is_ours = ours


def _better(candidate: SipResponse, current: SipResponse) -> bool:
    """Is ``candidate`` a better final answer for the caller than ``current`` (§16.7.6)?"""
    a, b = candidate.status, current.status
    if (a >= 600) != (b >= 600):
        return a >= 600
    if a // 100 != b // 100:
        return a // 100 < b // 100
    if b == 408 and a != 408:
        return True  # anything a device actually said beats a timeout
    return a in _PREFERRED_4XX and b not in _PREFERRED_4XX


def _with_status(response: SipResponse, status: int) -> SipResponse:
    return SipResponse(status, None, response.headers(), response.body)


def transport_of(binding: Binding) -> str:
    return binding.transport if binding.transport in CONNECTION_ORIENTED else UDP


__all__ = ["ChallengeAnswer", "FlowTokens", "NameAddress", "Proxy", "ProxyPolicy", "new_row"]


def _media_relay_unavailable(request: SipRequest) -> SipResponse:
    """503 for a call whose media rtpengine did not set up, saying why."""
    return make_response(request, 503, headers=[_warning(MEDIA_RELAY_UNAVAILABLE)])


def _warning(text: str) -> tuple[str, str]:
    """A Warning header saying why the proxy answered as it did (RFC 3261 §20.43)."""
    return ("Warning", '399 officina "' + text.replace('"', "'") + '"')


def _number_in(uri: object) -> str:
    """The user part of a SIP URI (a member's extension number), empty for anything else."""
    return uri.user if isinstance(uri, SipUri) and uri.user else ""


def _rung_as_the_trunk(context: ResponseContext, leg: ProviderLeg) -> None:
    """``context``'s INVITE goes to a provider as the trunk sends a call: with its caller
    ID (answers go back to the caller with the From it sent) and the provider's challenge
    answered once (the caller keeps seeing its own CSeq)."""
    request = context.request
    caller_from = request.header("From") or ""
    leg.present(request)
    if request.header("From") != caller_from:
        context.caller_from = caller_from
    context.answer_challenge = leg.answer_challenge
    context.caller_cseq = request.cseq.number


def _from_outside(request: SipRequest, row: CallRow) -> DirectoryEntry:
    """A provider's caller as the desk's own call shows them: no extension's (id 0),
    as the desk's put-through of a menu's caller from outside."""
    from officina.pbx.selectors import DirectoryEntry

    return DirectoryEntry(
        extension_id=0, number=row.caller_number,
        display_name=request.from_.display_name or "", realm="", ha1_md5="", ha1_sha256="",
    )  # fmt: skip
