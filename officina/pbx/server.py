"""The SIP server: bytes from the transports in, through the SIP core, to the registrar
and the proxy, and bytes back out.

``SipServer.receive(data, flow)`` is the whole interface the transports use,
which is also how the tests drive it (with an in-memory transport). Nothing
here blocks: the database is reached through the directory's write-behind
and the call-record writer, both in worker threads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from officina.pbx.auth import Gatekeeper, Verdict
from officina.pbx.browser_credentials import credential_key
from officina.pbx.cdr import CallRecordWriter
from officina.pbx.directory import Directory
from officina.pbx.malformed import error_response, salvage_error_response
from officina.pbx.proxy import FlowTokens, Proxy, ProxyPolicy
from officina.pbx.ratelimit import FailureLimiter
from officina.pbx.registrar import Registrar, RegistrarPolicy
from officina.pbx.relay import RelayPolicy
from officina.pbx.routes import OwnRoutes
from officina.pbx.subscriptions import event_of
from officina.pbx.transaction_layer import PbxTransactions, Sender
from officina.pbx.transfers import Transfers
from officina.pbx.transports.base import Connection, Flow
from officina.sip import (
    ServerTransaction,
    SipParseError,
    SipRequest,
    SipResponse,
    is_keepalive,
    is_proxy_branch,
    make_response,
    parse_message,
)
from officina.sip.digest import DigestServer
from officina.sip.stun import binding_answer

if TYPE_CHECKING:
    from officina.pbx.dialog_events import DialogEvents
    from officina.pbx.media.desk import MediaDesk
    from officina.pbx.message_waiting import MessageWaiting
    from officina.pbx.subscriptions import Subscriptions
    from officina.pbx.third_party_calls import ThirdPartyCalls
    from officina.pbx.trunk_calls import TrunkCalls

logger = logging.getLogger("officina.pbx.server")

ALLOW = (
    "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE, PRACK, REFER, SUBSCRIBE, NOTIFY, "
    "MESSAGE"
)
SERVER_NAME = "Officina PBX"
# Requests the proxy relays inside a dialog; outside one they have nowhere to go here.
_OUT_OF_DIALOG_REFUSED = frozenset({"SUBSCRIBE", "PUBLISH", "MESSAGE", "REFER", "NOTIFY", "INFO"})


@dataclass(frozen=True, slots=True)
class ServerConfig:
    realm: str
    secret: bytes
    node: str = ""
    registrar: RegistrarPolicy = field(default_factory=RegistrarPolicy)
    proxy: ProxyPolicy = field(default_factory=ProxyPolicy)
    digest_algorithms: tuple[str, ...] = ("SHA-256", "MD5")


class SipServer:
    def __init__(
        self,
        config: ServerConfig,
        directory: Directory,
        sender: Sender,
        records: CallRecordWriter,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.directory = directory
        self.sender = sender
        self.records = records
        self.clock = clock
        self.wall = wall
        self.layer = PbxTransactions(sender, clock=clock, wall=wall)
        self.layer.tu = self
        self.limiter = FailureLimiter()
        self.digest = DigestServer(
            config.realm,
            config.secret,
            algorithms=config.digest_algorithms,
            # SIPp, and phones like it, put the server's address rather than the
            # Request-URI in the digest-uri. Refusing them buys little here: a captured
            # Authorization cannot be replayed anyway, since every nonce-count is
            # accepted once.
            check_uri=False,
        )
        self.gatekeeper = Gatekeeper(
            directory, self.digest, wall, browser_key=credential_key(config.secret)
        )
        self.stats = {"received": 0, "unparseable": 0, "errors": 0, "keepalives": 0}
        self.registrar = Registrar(
            directory,
            self.gatekeeper,
            self.layer,
            sender,
            self.stats,
            policy=config.registrar,
            clock=clock,
            wall=wall,
        )
        self.tokens = FlowTokens(config.secret)
        self.routes = OwnRoutes(sender, self.tokens)
        self.relay = RelayPolicy(self.routes, self.tokens)
        self.proxy = Proxy(
            directory, self.layer, records, self.tokens, self.routes.record_route, config.proxy
        )
        self.proxy.transfers = Transfers(directory, self.routes)
        self.media: MediaDesk | None = None
        self.message_waiting: MessageWaiting | None = None
        # The event packages phones may subscribe to, by event name.
        self.event_packages: dict[str, Subscriptions] = {}
        self.trunks: TrunkCalls | None = None
        self.third_party: ThirdPartyCalls | None = None

    def attach_third_party(self, calls: ThirdPartyCalls) -> None:
        """Click-to-calls the PBX places itself: the member's leg's requests come to
        ``calls``, and the second leg enters the proxy as the member's own INVITE."""
        self.third_party = calls

    def attach_trunks(self, trunks: TrunkCalls) -> None:
        """Calls from the providers' addresses come in through ``trunks``, and calls to
        numbers outside go out through them."""
        self.trunks = trunks
        self.proxy.trunks = trunks

    def attach_media(self, desk: MediaDesk, message_waiting: MessageWaiting) -> None:
        """Calls nobody answers go to ``desk`` (voicemail), and so do requests in its
        dialogs; phones subscribe to their mailbox with ``message_waiting``."""
        self.media = desk
        self.message_waiting = message_waiting
        self.event_packages[message_waiting.event] = message_waiting
        self.proxy.unanswered = desk

    def attach_dialog_events(self, dialog_events: DialogEvents) -> None:
        """Phones watch the calls of their company's extensions (busy lamps) through
        ``dialog_events``, which the proxy tells of every call's state."""
        self.event_packages[dialog_events.event] = dialog_events
        self.proxy.dialog_events = dialog_events

    # ------------------------------------------------------------------ transports
    def receive(self, data: bytes, flow: Flow) -> None:
        self.stats["received"] += 1
        if not data or (data[0] in (13, 10) and is_keepalive(data)):
            return
        if data[0] < 4 and flow.connection is None:
            # STUN, the UDP keep-alive of SIP Outbound (RFC 5626 §4.4.2): answered with
            # the address seen, never parsed as SIP nor counted against the source.
            answer = binding_answer(data, flow.host, flow.port)
            if answer is not None:
                self.stats["keepalives"] += 1
                flow.send(answer)
            return
        now = self.clock()
        try:
            message = parse_message(data)
        except SipParseError as error:
            self.stats["unparseable"] += 1
            self._answer_unparseable(data, error, flow, now)
            return
        self._receive(message, flow, now)

    def receive_message(self, message: SipRequest | SipResponse, flow: Flow) -> None:
        self.stats["received"] += 1
        self._receive(message, flow, self.clock())

    def _receive(self, message: SipRequest | SipResponse, flow: Flow, now: float) -> None:
        try:
            if isinstance(message, SipRequest) and is_registration(message):
                self.registrar.receive(message, flow, now)
                return
            self.layer.receive(message, flow, now)
        except SipParseError as error:
            # A header the transaction layer needed (Via, CSeq...) is malformed.
            if isinstance(message, SipRequest) and message.method != "ACK":
                self._send_stateless_error(message, error, flow)

    def connection_lost(self, connection: Connection) -> None:
        self.directory.drop_connection(connection.key)

    def _answer_unparseable(
        self, data: bytes, error: SipParseError, flow: Flow, now: float
    ) -> None:
        """Answer a broken request when enough of it is readable, else drop it."""
        if self.limiter.blocked(flow.host, now):
            return
        self.limiter.failed(flow.host, now)
        response = salvage_error_response(data, error.status, str(error))
        if response is not None:
            flow.send(response)

    @staticmethod
    def _send_stateless_error(request: SipRequest, error: SipParseError, flow: Flow) -> None:
        try:
            flow.send(error_response(request, error).serialize())
        except SipParseError:
            return

    # ------------------------------------------------------------------ transaction user
    def request(
        self, request: SipRequest, transaction: ServerTransaction, flow: Flow, now: float
    ) -> None:
        try:
            self._dispatch(request, transaction, flow, now)
        except SipParseError as error:
            self.layer.respond(transaction, error_response(request, error))
        except Exception:
            self.stats["errors"] += 1
            logger.exception("%s from %s:%s failed", request.method, flow.host, flow.port)
            self.layer.respond(transaction, make_response(request, 500))

    def cancel(self, invite: ServerTransaction) -> bool:
        bridges = self.proxy.browser_bridges
        if bridges is not None and bridges.cancel(invite):
            return True
        return self.proxy.cancel(invite)

    def ack(self, request: SipRequest, flow: Flow, now: float) -> None:
        """The ACK of a 2xx: end to end, along the Route set."""
        try:
            decision = self.relay.decide(request, flow.host, now)
            if decision.peer is not None:
                self.proxy.in_dialog(None, request, decision.peer, self.wall())
            elif decision.refused:
                return
            elif self.media is not None and self.media.ack(request):
                return  # a call the PBX answered itself
            elif self.proxy.browser_bridges is not None and self.proxy.browser_bridges.ack(request):
                return  # a browser's call the desk bridges
            elif self.third_party is not None:
                self.third_party.ack(request)  # a re-INVITE of a click-to-call's member
        except SipParseError:
            return

    def _dispatch(
        self, request: SipRequest, transaction: ServerTransaction, flow: Flow, now: float
    ) -> None:
        method = request.method
        to_tag = request.to_tag
        if to_tag is not None or request.has_header("Route"):
            decision = self.relay.decide(request, flow.host, now)
            if decision.refused:
                if decision.response is None:
                    self.layer.drop(transaction)
                else:
                    self.layer.respond(transaction, decision.response)
                return
            if decision.peer is not None:
                self.proxy.in_dialog(transaction, request, decision.peer, self.wall())
                return
        if to_tag is not None:
            if self.media is not None and self.media.in_dialog(request, transaction):
                return  # a call the PBX answered itself (voicemail)
            bridges = self.proxy.browser_bridges
            if bridges is not None and bridges.in_dialog(request, transaction):
                return  # a browser's call the desk bridges to plain phones
            if self.third_party is not None and self.third_party.in_dialog(request, transaction):
                return  # a click-to-call the PBX placed itself
            if any(
                package.in_dialog(request, transaction) for package in self.event_packages.values()
            ):
                return
            if method == "OPTIONS" and self.routes.addressed_to_us(request):
                self._answer_options(transaction, request)
                return
            # A dialog we are not in (our routes were dropped, or it never passed here).
            self.layer.respond(transaction, make_response(request, 481))
            return
        if method == "REGISTER":
            self.registrar.receive_on_transaction(request, transaction, flow, now)
        elif method == "INVITE":
            self._invite(request, transaction, flow, now)
        elif method == "OPTIONS":
            self._answer_options(transaction, request)
        elif method == "SUBSCRIBE" and self.event_packages:
            self._subscribe(request, transaction, flow, now)
        elif method in ("BYE", "UPDATE", "PRACK"):
            self.layer.respond(transaction, make_response(request, 481))
        elif method in _OUT_OF_DIALOG_REFUSED:
            self.layer.respond(transaction, make_response(request, 405, headers=[("Allow", ALLOW)]))
        else:
            self.layer.respond(transaction, make_response(request, 501, headers=[("Allow", ALLOW)]))

    # ------------------------------------------------------------------ proxy
    def _invite(
        self, request: SipRequest, transaction: ServerTransaction, flow: Flow, now: float
    ) -> None:
        if request.max_forwards == 0:
            self.layer.respond(transaction, make_response(request, 483))
            return
        bridges = self.proxy.browser_bridges
        if bridges is not None and bridges.take_branch(transaction, request, flow):
            return  # our own fork to the desk, for a member's phones of the other media kind
        if _loops_through_us(request):
            self.layer.respond(transaction, make_response(request, 482))
            return
        # The second leg of a click-to-call, from this process itself: the member's own call.
        caller = self.third_party.caller_on(flow) if self.third_party is not None else None
        if caller is not None:
            self.proxy.invite(transaction, request, flow, caller, now, self.wall())
            return
        # A provider's call to one of our numbers: it has no credentials of ours to show.
        if self.trunks is not None and self.trunks.call_in(
            transaction, request, flow, now, self.wall()
        ):
            return
        verdict = self.gatekeeper.check(request, flow, now, proxy=True)
        self._follow_verdict(verdict, request, transaction, flow, now)

    def _follow_verdict(
        self,
        verdict: Verdict,
        request: SipRequest,
        transaction: ServerTransaction,
        flow: Flow,
        now: float,
    ) -> None:
        """Forward an INVITE whose caller is authenticated; otherwise answer it, or read
        the caller from the database (an extension made, or a password changed, since the
        last refresh) and judge it once more."""
        if verdict.entry is not None:
            self.proxy.invite(transaction, request, flow, verdict.entry, now, self.wall())
        elif verdict.look_up is not None:

            def judge_again() -> None:
                moment = self.clock()
                again = self.gatekeeper.check(request, flow, moment, proxy=True, retried=True)
                self._follow_verdict(again, request, transaction, flow, moment)

            if not self.directory.look_up_then(verdict.look_up, judge_again):
                judge_again()  # nothing to read (or being read): judged now, failures counted
        else:
            assert verdict.response is not None  # a verdict is exactly one of the three
            self.layer.respond(transaction, verdict.response)

    def _subscribe(
        self,
        request: SipRequest,
        transaction: ServerTransaction,
        flow: Flow,
        now: float,
        *,
        retried: bool = False,
    ) -> None:
        """A phone subscribing to events (its mailbox, colleagues' calls): authenticated
        like a registration."""
        verdict = self.gatekeeper.check(request, flow, now, proxy=False, retried=retried)
        if verdict.entry is not None:
            package = self.event_packages.get(event_of(request))
            if package is None:
                allowed = ", ".join(self.event_packages)
                self.layer.respond(
                    transaction, make_response(request, 489, headers=[("Allow-Events", allowed)])
                )
                return
            package.subscribe(request, transaction, flow, verdict.entry)
        elif verdict.look_up is not None:

            def judge_again() -> None:
                self._subscribe(request, transaction, flow, self.clock(), retried=True)

            if not self.directory.look_up_then(verdict.look_up, judge_again):
                judge_again()
        else:
            assert verdict.response is not None
            self.layer.respond(transaction, verdict.response)

    # ------------------------------------------------------------------ answered here
    def _answer_options(self, transaction: ServerTransaction, request: SipRequest) -> None:
        request.validate()  # we are its UAS: a malformed one gets 400 (raised to `request`)
        self.layer.respond(
            transaction,
            make_response(
                request,
                200,
                to_tag=self.gatekeeper.tag() if request.to_tag is None else None,
                headers=[
                    ("Allow", ALLOW),
                    ("Accept", "application/sdp"),
                    ("Supported", "path, outbound"),
                    ("Server", SERVER_NAME),
                ],
            ),
        )

    # ------------------------------------------------------------------ housekeeping
    def tick(self, now: float | None = None) -> None:
        self.layer.run_timers(now)

    def maintenance(self) -> None:
        now = self.clock()
        self.limiter.forget_refilled(now)
        self.gatekeeper.limits.forget_refilled(now)
        self.relay.forget_refilled(now)
        self.proxy.forget_old_dialogs(self.wall())


def is_registration(request: SipRequest) -> bool:
    """A REGISTER for this registrar: out of any dialog and not routed elsewhere."""
    return (
        request.method == "REGISTER" and request.to_tag is None and not request.has_header("Route")
    )


def _loops_through_us(request: SipRequest) -> bool:
    """A request that already passed through here with a branch of ours (§16.3 step 4).

    Only requests with several Vias can loop; looking costs a Via parse, so it is
    done only then.
    """
    values = request.header_values("Via")
    if len(values) == 1 and "," not in values[0]:
        return False
    return any(is_proxy_branch(via.branch) for via in request.vias[1:])
