"""Calls in from and out through the SIP trunks of companies and spaces.

*In*: an INVITE from one of a provider's addresses (a peer trunk's listed addresses,
or the server a trunk registers with) is no extension's and carries no credentials;
its Request-URI (or To) names one of our numbers (DIDs), which routes it to an
extension, a ring group, an extension's voicemail or an auto-attendant menu (the
media desk answers; a key the caller presses has the desk call the choice and relay
the two legs), another way out of the
business hours of the company or the space it belongs to. A number we do not have
gets 404. The number's own forwarding comes next: *always* sends every call to its
target instead of the route (in and out of hours alike); *when not answered* rings the route for the
number's seconds, then goes to the target (before any forward or voicemail of the
extension rung). A target outside goes back out through the number's trunk, with
the number as caller ID and a Diversion header naming it, national and mobile
numbers only, on the minutes of the person the number rings (none for a ring
group's number).

*Out*: a member dials a number that is no extension nor group: read in the
trunk's country (``trunks.dialling``), sorted by what it costs, and let through
the toll-fraud guard (the classes the company allows this member, the minutes
left today) or refused with 403 and the reason in the call record. A member
whose companies have no trunk calls out through a trunk of their space when its
managers allow it, on the default classes and minutes. Let through, it goes to
the provider with an E.164 Request-URI and the trunk's number as caller ID
(P-Asserted-Identity and/or From, per trunk), as one branch of the proxy; the
provider's 401/407 is answered once with the trunk's credentials.

The trunks, numbers, permissions and hours are read into memory (``trunks.
selectors.trunk_snapshot``) at start-up and every few seconds after, in a worker
thread, with the providers' host names resolved there too: no SIP message waits
on the database or on DNS. Minutes talked today on finished calls are re-read with
them; the calls under way are counted live (``outside_minutes``), all of a member's
together, and hung up (BYE to both sides) when the member's minutes run out.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from officina.pbx.bindings import Binding
from officina.pbx.models import CallRecord
from officina.pbx.newest_read import NewestRead
from officina.pbx.outside_minutes import Charge, OutsideMinutes
from officina.pbx.placed_calls import ProviderLeg
from officina.pbx.proxy import new_row
from officina.pbx.selectors import DirectoryEntry, outbound_seconds_since, start_of_today
from officina.sip import NameAddress, SipRequest, SipResponse, SipUri
from officina.sip.digest import DigestClient
from officina.sip.rport import Peer
from officina.trunks.dialling import provider_number_forms, read_dialled
from officina.trunks.kinds import (
    FORWARD_OUTSIDE,
    NUMBER_FORWARD_CLASSES,
    CallClass,
    CallerIdHeader,
    NumberForward,
    RouteKind,
)
from officina.trunks.selectors import (
    CallOut,
    NumberPlan,
    TrunkPlan,
    TrunkSnapshot,
    trunk_snapshot,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from officina.pbx.actions import CallRow
    from officina.pbx.caller_names import CallerNames
    from officina.pbx.directory import Directory
    from officina.pbx.proxy import Proxy, Unanswered
    from officina.pbx.transaction_layer import PbxTransactions
    from officina.pbx.transports.base import Flow
    from officina.sip import ServerTransaction

logger = logging.getLogger("officina.pbx.trunk_calls")

REFRESH_SECONDS = 5.0
Outcome = CallRecord.Outcome
Direction = CallRecord.Direction

# What the caller's phone is told when the guard says no (the call record keeps the
# code; the pages say it in the member's language).
_REFUSAL_TEXT = {
    CallClass.NATIONAL: "national calls are not allowed for this extension",
    CallClass.MOBILE: "calls to mobiles are not allowed for this extension",
    CallClass.INTERNATIONAL: "international calls are not allowed for this extension",
    CallClass.PREMIUM: "premium-rate numbers are not allowed for this extension",
    CallClass.SATELLITE: "satellite numbers are not allowed for this extension",
}
DAILY_MINUTES_REFUSAL = CallRecord.RefusalReason.DAILY_MINUTES
_DAILY_MINUTES_TEXT = "the minutes allowed today for calls out are used up"


class Providers:
    """What the snapshot says, plus the providers' addresses resolved."""

    def __init__(
        self,
        snapshot: TrunkSnapshot | None = None,
        addresses: dict[int, tuple[str, ...]] | None = None,
        used_seconds: dict[int, float] | None = None,
    ) -> None:
        self.snapshot = snapshot or TrunkSnapshot()
        self.addresses = addresses or {}  # trunk id → the server's addresses
        self.used_seconds = used_seconds or {}  # extension id → seconds out today
        self.by_source: dict[str, int] = {}
        for trunk in self.snapshot.trunks.values():
            for address in (*trunk.peer_addresses, *self.addresses.get(trunk.trunk_id, ())):
                self.by_source.setdefault(address, trunk.trunk_id)


def resolve(host: str, port: int) -> tuple[str, ...]:
    """The IPv4/IPv6 addresses of ``host`` (blocking: from a worker thread)."""
    name = host[1:-1] if host.startswith("[") else host
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_DGRAM)
    except OSError:
        return ()
    return tuple(dict.fromkeys(str(info[4][0]) for info in infos))


def read_providers() -> Providers:
    snapshot = trunk_snapshot()
    addresses = {
        trunk.trunk_id: resolve(trunk.host, trunk.port) for trunk in snapshot.trunks.values()
    }
    return Providers(snapshot, addresses, outbound_seconds_since(start_of_today()))


class TrunkCalls:
    def __init__(
        self,
        proxy: Proxy,
        layer: PbxTransactions,
        directory: Directory,
        caller_names: CallerNames | None = None,
    ) -> None:
        self.proxy = proxy
        self.layer = layer
        self.directory = directory
        self.caller_names = caller_names
        self.providers = Providers()
        self.minutes = OutsideMinutes(
            layer.clock, layer.call_later,
            lambda extension_id: self.providers.used_seconds.get(extension_id, 0.0),
        )  # fmt: skip
        self._clients: dict[int, tuple[str, str, DigestClient]] = {}
        self._read = NewestRead(read_providers, self._keep)

    def load(self) -> None:
        """Read trunks, numbers and permissions (synchronous: from a worker thread)."""
        if self._read():
            self.minutes.replan()

    async def run_refresh(self, every: float = REFRESH_SECONDS) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(every)
            try:
                if await loop.run_in_executor(None, self._read):
                    self.minutes.replan()
            except Exception:
                logger.exception("could not read the trunks; keeping the last copy")

    def _keep(self, providers: Providers) -> None:
        self.providers = providers

    def provider_at(self, host: str) -> TrunkPlan | None:
        trunk_id = self.providers.by_source.get(host)
        return self.providers.snapshot.trunks.get(trunk_id) if trunk_id is not None else None

    def peer_of(self, trunk: TrunkPlan) -> Peer | None:
        addresses = self.providers.addresses.get(trunk.trunk_id, ())
        return Peer("UDP", addresses[0], trunk.port) if addresses else None

    # ------------------------------------------------------------------ calls in
    def call_in(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        now: float,
        wall: float,
    ) -> bool:
        """Take an INVITE that comes from a provider's address (False: it does not)."""
        trunk = self.provider_at(flow.host)
        if trunk is None:
            return False
        snapshot = self.providers.snapshot
        number = None
        for uri in (request.uri, request.to.uri):
            if isinstance(uri, SipUri) and uri.user:
                for e164 in provider_number_forms(uri.user, trunk.country):
                    found = snapshot.numbers.get(e164)
                    if found is not None and found.trunk_id == trunk.trunk_id:
                        number = found
                        break
            if number is not None:
                break
        from_uri = request.from_.uri
        sender = from_uri.user if isinstance(from_uri, SipUri) and from_uri.user else ""
        forms = provider_number_forms(sender, trunk.country) if sender else []
        caller_number = forms[0] if forms else sender
        dialled = request.uri.user if isinstance(request.uri, SipUri) else ""
        row = new_row(request, None, caller_number, number.e164 if number else dialled or "", wall)
        row.direction = Direction.INBOUND
        if number is None:
            self.proxy.fail(server, request, row, 404, Outcome.NOT_FOUND)
            return True
        kind, target = number.route_kind, number.route_target
        schedule = snapshot.schedule_of(number)
        if (
            number.after_hours_kind
            and schedule is not None
            and not schedule.is_open(datetime.fromtimestamp(wall, tz=ZoneInfo("UTC")))
        ):
            kind, target = number.after_hours_kind, number.after_hours_target
        # A number that rings one person is theirs: sent on outside, it spends their minutes.
        holder = (
            self.directory.entry(target)
            if kind in (RouteKind.EXTENSION, RouteKind.VOICEMAIL)
            else None
        )
        if number.forward_when == NumberForward.ALWAYS:
            row.outcome = Outcome.FORWARDED
            row.ended_at = row.started_at
            self.proxy.records.add(row)
            self._forward_number(number, trunk, holder, "unconditional", server, request, flow, row)
            return True
        unanswered = None
        # Voicemail and a menu answer at once: nothing is left unanswered to forward.
        if number.forward_when == NumberForward.NO_ANSWER and kind not in (
            RouteKind.VOICEMAIL,
            RouteKind.MENU,
        ):

            def forward(
                server: ServerTransaction, request: SipRequest, flow: Flow, row: CallRow
            ) -> None:
                self._forward_number(number, trunk, holder, "no-answer", server, request, flow, row)

            unanswered = (float(number.forward_seconds), forward)
        self._ring(server, request, flow, row, kind, target, now, wall, unanswered)
        return True

    def _ring(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        row: CallRow,
        kind: str,
        target: str,
        now: float,
        wall: float,
        unanswered: tuple[float, Unanswered] | None = None,
    ) -> None:
        """Ring where a number routes its calls (a RouteKind and its target)."""
        if kind == RouteKind.VOICEMAIL:
            self._to_voicemail(server, request, flow, row, target)
            return
        if kind == RouteKind.MENU:
            self._to_menu(server, request, flow, row, target)
            return
        self.proxy.route(server, request, flow, row, None, target, now, wall, unanswered)

    def _forward_number(
        self,
        number: NumberPlan,
        trunk: TrunkPlan,
        holder: DirectoryEntry | None,
        reason: str,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        ended: CallRow,
    ) -> None:
        """Send a call to ``number`` on to where the number forwards it; ``ended`` is the
        record of the leg that ends here (written as forwarded). Outside, the number's
        owner (its company or space, whose trunk it goes through) pays it, as its record
        says, within the classes every person may call; it also spends the daily minutes
        of ``holder`` (the person the number rings; None: a ring group's number, which
        rings no one person, and no company has a daily limit of its own)."""
        request.add_header(
            "Diversion", f"<sip:{number.e164}@{trunk.host}>;reason={reason};counter=1", first=True
        )
        now, wall = self.layer.clock(), self.layer.wall()
        leg = new_row(request, None, ended.caller_number, number.forward_target, wall)
        leg.direction = Direction.INBOUND
        if number.forward_kind != FORWARD_OUTSIDE:
            kind, target = number.forward_kind, number.forward_target
            self._ring(server, request, flow, leg, kind, target, now, wall)
            return
        dialled = read_dialled(number.forward_target, trunk.country)
        peer = self.peer_of(trunk)
        if dialled is None or peer is None:
            self.proxy.fail(server, request, leg, 503, Outcome.FAILED)
            return
        leg.direction = Direction.OUTBOUND
        leg.callee_number = dialled.e164
        if dialled.call_class not in NUMBER_FORWARD_CLASSES:
            # Checked when it was set; the trunk's country may have changed since.
            self.proxy.refuse(
                server, request, leg, dialled.call_class, _REFUSAL_TEXT[dialled.call_class]
            )
            return
        charge = None
        if holder is not None and holder.member_id is not None:
            allowance = self.providers.snapshot.allowance(number.company_id, holder.member_id)
            daily_seconds = allowance.daily_minutes * 60
            if self.minutes.spent(holder.extension_id) >= daily_seconds:
                self.proxy.refuse(server, request, leg, DAILY_MINUTES_REFUSAL, _DAILY_MINUTES_TEXT)
                return
            charge = Charge(holder.extension_id, daily_seconds)
        leg.charged_company_id, leg.charged_space_id = number.company_id, number.space_id
        self.proxy.ring_out(
            server, request, flow, leg, _provider_binding(trunk, dialled.e164, peer), peer,
            self._provider_leg(trunk, dialled.e164, number.e164), now, charge=charge,
        )  # fmt: skip

    def _to_voicemail(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        row: CallRow,
        extension: str,
    ) -> None:
        callee = self.directory.entry(extension)
        unanswered = self.proxy.unanswered
        if callee is None or unanswered is None:
            self.proxy.fail(server, request, row, 480, Outcome.UNREGISTERED)
            return
        row.callee_id = callee.extension_id
        if not unanswered.take_unanswered(server, request, row.caller_number, callee, flow):
            self.proxy.fail(server, request, row, 480, Outcome.UNREGISTERED)
            return
        self.proxy.answered_here(row, "voicemail")

    def _to_menu(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        row: CallRow,
        number: str,
    ) -> None:
        desk = self.proxy.unanswered
        if desk is None or not desk.take_menu(server, request, row.caller_number, number, flow):
            self.proxy.fail(server, request, row, 480, Outcome.UNREGISTERED)
            return
        self.proxy.answered_here(row)

    def name_caller(self, request: SipRequest, caller_number: str, callee: DirectoryEntry) -> None:
        """Show the callee's phones who is calling from outside, as their company's
        address book knows the number."""
        outsider = DirectoryEntry(
            extension_id=0, number=caller_number, display_name=request.from_.display_name or "",
            realm="", ha1_md5="", ha1_sha256="",
        )  # fmt: skip
        named = self.named_for(outsider, callee)
        if named is not outsider:
            sender = request.from_
            request.set_header(
                "From", str(NameAddress(sender.uri_text, named.display_name, dict(sender.params)))
            )

    def named_for(self, outsider: DirectoryEntry, callee: DirectoryEntry) -> DirectoryEntry:
        """``outsider``, a caller from outside, by the name ``callee``'s company's address
        book gives their number (``outsider`` itself when the book does not know it)."""
        if self.caller_names is None:
            return outsider
        shown = self.caller_names.display_name(outsider, callee)
        return outsider if shown is None else replace(outsider, display_name=shown)

    # ------------------------------------------------------------------ calls out
    def call_out(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        caller: DirectoryEntry,
        row: CallRow,
        now: float,
    ) -> bool:
        """Send a member's call to a number outside through their company's trunk, or
        refuse it; False when what they dialled is no telephone number (or they have no
        trunk), which leaves the proxy's 404."""
        if caller.member_id is None:
            return False
        verdict = self.judge_call_out(caller.member_id, caller.extension_id, row.callee_number)
        if verdict is None:
            return False
        trunk, dialled = verdict.trunk, verdict.dialled
        row.direction = Direction.OUTBOUND
        row.callee_number = dialled.e164
        if verdict.refusal == DAILY_MINUTES_REFUSAL:
            self.proxy.refuse(server, request, row, DAILY_MINUTES_REFUSAL, _DAILY_MINUTES_TEXT)
            return True
        if verdict.refusal:
            self.proxy.refuse(
                server, request, row, dialled.call_class, _REFUSAL_TEXT[dialled.call_class]
            )
            return True
        peer = self.peer_of(trunk)
        if peer is None:
            self.proxy.fail(server, request, row, 503, Outcome.FAILED)
            return True
        provider = _provider_binding(trunk, dialled.e164, peer)
        self.proxy.ring_out(
            server, request, flow, row, provider, peer, self._provider_leg(trunk, dialled.e164),
            now, charge=Charge(caller.extension_id, verdict.daily_seconds),
        )  # fmt: skip
        return True

    def judge_call_out(self, member_id: int, extension_id: int, number: str) -> CallOut | None:
        """The toll-fraud guard's verdict on a call out of the member's, with the minutes
        they have spent today counted up to now, their calls under way included."""
        spent = self.minutes.spent(extension_id)
        return self.providers.snapshot.judge_call_out(member_id, number, spent)

    def follow_me_branch(
        self, member: DirectoryEntry, number: str
    ) -> tuple[Binding, Peer, ProviderLeg, Charge] | None:
        """The provider's branch ringing ``member``'s own number outside (follow-me), as
        a call out of theirs, on their minutes: None when they have no trunk, the number
        is none, or the guard would refuse it (its class, their minutes left today). The
        ``ProviderLeg`` puts the company's caller ID on the INVITE that rings it."""
        if member.member_id is None:
            return None
        verdict = self.judge_call_out(member.member_id, member.extension_id, number)
        if verdict is None or verdict.refusal:
            return None
        trunk, dialled = verdict.trunk, verdict.dialled
        peer = self.peer_of(trunk)
        if peer is None:
            return None
        return (
            _provider_binding(trunk, dialled.e164, peer),
            peer,
            self._provider_leg(trunk, dialled.e164),
            Charge(member.extension_id, verdict.daily_seconds),
        )

    def _provider_leg(self, trunk: TrunkPlan, callee: str, number: str = "") -> ProviderLeg:
        """How ``trunk`` sends a call to ``callee``: with the company's ``number`` (else
        the trunk's caller ID) presented, the provider's challenge answered."""
        return ProviderLeg(
            present=lambda request: self._present(request, trunk, callee, number),
            answer_challenge=self._challenge_answer(trunk),
        )

    @staticmethod
    def _present(request: SipRequest, trunk: TrunkPlan, callee: str, number: str = "") -> None:
        """The company's number (``number``, else the trunk's caller ID) as the caller's,
        where the trunk wants it."""
        number = number or trunk.presented_number
        if not number:
            return
        identity = f"sip:{number}@{trunk.host}"
        if trunk.caller_id_header in (CallerIdHeader.PAI, CallerIdHeader.BOTH):
            request.set_header("P-Asserted-Identity", f"<{identity}>")
        if trunk.caller_id_header in (CallerIdHeader.FROM, CallerIdHeader.BOTH):
            sender = request.from_
            request.set_header(
                "From", str(NameAddress(identity, sender.display_name, dict(sender.params)))
            )

    def _challenge_answer(
        self, trunk: TrunkPlan
    ) -> Callable[[SipRequest, SipResponse], SipRequest | None]:
        def answer(sent: SipRequest, response: SipResponse) -> SipRequest | None:
            client = self.digest_client(trunk)
            return client.authorize(sent, response) if client is not None else None

        return answer

    def digest_client(self, trunk: TrunkPlan) -> DigestClient | None:
        """The trunk's credentials (kept, with their nonce counts, while unchanged)."""
        if not trunk.username or not trunk.password:
            return None
        kept = self._clients.get(trunk.trunk_id)
        if kept is None or kept[:2] != (trunk.username, trunk.password):
            kept = (trunk.username, trunk.password, DigestClient(trunk.username, trunk.password))
            self._clients[trunk.trunk_id] = kept
        return kept[2]


def _provider_binding(trunk: TrunkPlan, e164: str, peer: Peer) -> Binding:
    """The provider as the proxy's one branch for a call to ``e164``."""
    return Binding(
        extension_id=0, binding_key=f"trunk:{trunk.trunk_id}",
        contact_uri=f"sip:{e164}@{_host_port(trunk)}", q=None, transport="UDP",
        received_host=peer.host, received_port=peer.port, connection_key="", node="",
        path="", user_agent=f"trunk {trunk.name}"[:255], instance_id="", reg_id=None,
        call_id="", cseq=0, registered_at=0.0, expires_at=0.0, udp_peer=peer,
    )  # fmt: skip


def _host_port(trunk: TrunkPlan) -> str:
    return trunk.host if trunk.port == 5060 else f"{trunk.host}:{trunk.port}"
