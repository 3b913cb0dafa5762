"""The SIP server: bytes from the transports in, through the SIP core, to the registrar
and the proxy, and bytes back out.

``SipServer.receive(data, flow)`` is the whole interface the transports use,
which is also how the tests drive it (with an in-memory transport). Nothing
here blocks: the database is reached through the directory's write-behind
and the call-record writer, both in worker threads.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from officina.pbx.auth import Gatekeeper, Verdict
from officina.pbx.cdr import CallRecordWriter
from officina.pbx.directory import Directory
from officina.pbx.proxy import FlowTokens, Proxy, ProxyPolicy
from officina.pbx.ratelimit import FailureLimiter
from officina.pbx.registrar import Registrar, RegistrarPolicy
from officina.pbx.transaction_layer import PbxTransactions, Sender
from officina.pbx.transports.base import Connection, Flow
from officina.sip import (
    Peer,
    SipParseError,
    SipRequest,
    SipResponse,
    SipUri,
    is_keepalive,
    is_proxy_branch,
    make_response,
    parse_message,
    response_peer,
    stamp_via,
)
from officina.sip.digest import DigestServer
from officina.sip.stun import binding_answer
from officina.sip.transactions import ServerTransaction

logger = logging.getLogger("officina.pbx.server")

ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE, PRACK, REFER, NOTIFY, MESSAGE"
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


# How long the answer to a REGISTER is kept for its retransmissions: the lifetime of
# the transaction it stands for (Timer J = 64*T1), and a bound on memory: about
# 1 KB each, so 100 MB at most, which covers 15 s of the most this server answers
# (3,300 registrations a second, two answers each) and 32 s of anything less.
ANSWER_MEMORY = 32.0
MAX_REMEMBERED_ANSWERS = 100_000


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
        self.gatekeeper = Gatekeeper(directory, self.digest, self.limiter, wall)
        self.registrar = Registrar(directory, config.registrar)
        self.tokens = FlowTokens(config.secret)
        self.proxy = Proxy(
            directory, self.layer, records, self.tokens, self.record_route, config.proxy
        )
        self.local_hosts: set[str] = set()
        self.stats = {"received": 0, "unparseable": 0, "errors": 0, "keepalives": 0}
        self._fetching: set[str] = set()
        # Answers to REGISTERs sent in the last ANSWER_MEMORY seconds, for their
        # retransmissions (no data yet: the extension is being looked up).
        self._answers: dict[tuple[str, int, Peer], tuple[float, Peer | None, bytes | None]] = {}
        self.max_remembered_answers = MAX_REMEMBERED_ANSWERS

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
            if isinstance(message, SipRequest) and _is_registration(message):
                self._register_statelessly(message, flow, now)
                return
            self.layer.receive(message, flow, now)
        except SipParseError as error:
            # A header the transaction layer needed (Via, CSeq...) is malformed.
            if isinstance(message, SipRequest) and message.method != "ACK":
                self._send_stateless_error(message, error.status, str(error), flow)

    def _register_statelessly(
        self, request: SipRequest, flow: Flow, now: float, *, retried: bool = False
    ) -> None:
        """Answer a REGISTER without a server transaction, remembering the answer.

        RFC 3261 §8.2.7 lets a UAS answer statelessly. A REGISTER needs no more of
        its transaction than the absorption of retransmissions, so the response is
        remembered for the transaction's lifetime (Timer J, 64*T1) and a
        retransmission gets the very same bytes back, as its transaction would have
        sent them. That spares the busiest request of a PBX (every phone, every few
        minutes, twice with the challenge) a transaction object and its timers.
        """
        source = Peer(flow.transport, flow.host, flow.port)
        stamp_via(request, source)
        key = (request.top_via.branch or request.call_id, request.cseq.number, source)
        self._forget_old_answers(now)
        remembered = self._answers.get(key)
        if remembered is not None and not retried:
            _deadline, peer, data = remembered
            if peer is not None and data is not None:
                self.sender.send(peer, data)  # only datagrams' answers are remembered
            # else: the first copy is still being looked up; it will be answered.
            return
        try:
            response = self._registration_answer(request, flow, now, retried=retried)
            if isinstance(response, str):
                self._look_up_then_register(response, request, flow, key, now)
                return
        except SipParseError as error:
            response = make_response(request, error.status, _reason(error.status, str(error)))
        except Exception:
            self.stats["errors"] += 1
            logger.exception("REGISTER from %s:%s failed", flow.host, flow.port)
            response = make_response(request, 500)
        if response is None:
            self._answers.pop(key, None)
            return  # a rate-limited source: not answered at all
        self._send_register_answer(request, response, flow, key, now)

    def _send_register_answer(
        self,
        request: SipRequest,
        response: SipResponse,
        flow: Flow,
        key: tuple[str, int, Peer],
        now: float,
    ) -> None:
        """Send the answer to a REGISTER, remembered for its retransmissions."""
        data = response.serialize()
        _branch, _cseq, source = key
        peer = response_peer(request.top_via, source)
        if flow.connection is None:
            self._remember_answer(key, now, peer, data)
            self.sender.send(peer, data)
        else:
            # Only datagrams are retransmitted (§17.1.2.2): over TCP and WebSocket,
            # nothing comes back for the memory to answer.
            self._answers.pop(key, None)
            flow.send(data)

    def _look_up_then_register(
        self,
        username: str,
        request: SipRequest,
        flow: Flow,
        key: tuple[str, int, Peer],
        now: float,
    ) -> None:
        """An extension made since the last refresh: answer once it is read from the
        database. Retransmissions meanwhile are absorbed, not looked up again."""
        started = self._look_up_then(
            username, lambda: self._register_statelessly(request, flow, self.clock(), retried=True)
        )
        if started:
            self._remember_answer(key, now, None, None)
            return
        self._send_register_answer(request, make_response(request, 403), flow, key, now)

    def _remember_answer(
        self, key: tuple[str, int, Peer], now: float, peer: Peer | None, data: bytes | None
    ) -> None:
        answers = self._answers
        answers.pop(key, None)  # re-inserted at the end: the dict stays in sending order
        if len(answers) >= self.max_remembered_answers:
            # Under a flood the oldest give way: they are the least likely to be
            # retransmitted (a client's retransmissions thin out as T1 doubles).
            del answers[next(iter(answers))]
        answers[key] = (now + ANSWER_MEMORY, peer, data)

    def _forget_old_answers(self, now: float) -> None:
        # Remembered in the order sent, so the expired ones are at the front.
        answers = self._answers
        while answers:
            oldest = next(iter(answers))
            if answers[oldest][0] > now:
                return
            del answers[oldest]

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

    def _send_stateless_error(
        self, request: SipRequest, status: int, reason: str, flow: Flow
    ) -> None:
        try:
            response = make_response(request, status, _reason(status, reason))
            flow.send(response.serialize())
        except SipParseError:
            return

    # ------------------------------------------------------------------ transaction user
    def request(
        self, request: SipRequest, transaction: ServerTransaction, flow: Flow, now: float
    ) -> None:
        try:
            self._dispatch(request, transaction, flow, now)
        except SipParseError as error:
            self.layer.respond(
                transaction, make_response(request, error.status, _reason(error.status, str(error)))
            )
        except Exception:
            self.stats["errors"] += 1
            logger.exception("%s from %s:%s failed", request.method, flow.host, flow.port)
            self.layer.respond(transaction, make_response(request, 500))

    def cancel(self, invite: ServerTransaction) -> bool:
        return self.proxy.cancel(invite)

    def ack(self, request: SipRequest, flow: Flow, now: float) -> None:
        """The ACK of a 2xx: end to end, along the Route set."""
        try:
            token = self._pop_own_routes(request)
            self.proxy.in_dialog(None, request, flow, self.wall(), token)
        except SipParseError:
            return

    def _dispatch(
        self, request: SipRequest, transaction: ServerTransaction, flow: Flow, now: float
    ) -> None:
        method = request.method
        to_tag = request.to_tag
        if request.has_header("Route"):
            token = self._pop_own_routes(request)
            if to_tag is not None or request.has_header("Route") or token is not None:
                self.proxy.in_dialog(transaction, request, flow, self.wall(), token)
                return
        elif to_tag is not None:
            if method == "OPTIONS" and self._is_for_us(request):
                self._answer_options(transaction, request)
                return
            # A dialog we are not in (our routes were dropped, or it never passed here).
            self.layer.respond(transaction, make_response(request, 481))
            return
        if method == "REGISTER":
            self._register(request, transaction, flow, now)
        elif method == "INVITE":
            self._invite(request, transaction, flow, now)
        elif method == "OPTIONS":
            self._answer_options(transaction, request)
        elif method in ("BYE", "UPDATE", "PRACK"):
            self.layer.respond(transaction, make_response(request, 481))
        elif method in _OUT_OF_DIALOG_REFUSED:
            self.layer.respond(transaction, make_response(request, 405, headers=[("Allow", ALLOW)]))
        else:
            self.layer.respond(transaction, make_response(request, 501, headers=[("Allow", ALLOW)]))

    # ------------------------------------------------------------------ registrar
    def _registration_answer(
        self, request: SipRequest, flow: Flow, now: float, *, retried: bool
    ) -> SipResponse | str | None:
        """The answer to a REGISTER: a response; None to stay silent (a rate-limited
        source); or, as a string, an unknown username to look up before trying again."""
        problem = self.registrar.precheck(request)
        if problem is not None:
            return problem
        verdict = self.gatekeeper.check(request, flow, now, proxy=False, retried=retried)
        if verdict.entry is not None:
            return self.registrar.handle(request, flow, verdict.entry, self.wall())
        if verdict.unknown_user is not None:
            return verdict.unknown_user
        return verdict.response

    def _register(
        self, request: SipRequest, transaction: ServerTransaction, flow: Flow, now: float
    ) -> None:
        """A REGISTER routed to us through a preloaded Route: on its transaction."""
        self._register_on(request, transaction, flow, now, retried=False)

    def _register_again(
        self, request: SipRequest, transaction: ServerTransaction, flow: Flow, now: float
    ) -> None:
        self._register_on(request, transaction, flow, now, retried=True)

    def _register_on(
        self,
        request: SipRequest,
        transaction: ServerTransaction,
        flow: Flow,
        now: float,
        *,
        retried: bool,
    ) -> None:
        answer = self._registration_answer(request, flow, now, retried=retried)
        if isinstance(answer, str):
            self._look_up_then_answer(answer, request, transaction, flow, self._register_again)
        elif answer is None:
            self.layer.drop(transaction)
        else:
            self.layer.respond(transaction, answer)

    # ------------------------------------------------------------------ proxy
    def _invite(
        self, request: SipRequest, transaction: ServerTransaction, flow: Flow, now: float
    ) -> None:
        if request.max_forwards == 0:
            self.layer.respond(transaction, make_response(request, 483))
            return
        if _loops_through_us(request):
            self.layer.respond(transaction, make_response(request, 482))
            return
        verdict = self.gatekeeper.check(request, flow, now, proxy=True)
        if self._settle(verdict, request, transaction, flow, now, self._invite_again):
            assert verdict.entry is not None
            self.proxy.invite(transaction, request, flow, verdict.entry, now, self.wall())

    def _invite_again(
        self, request: SipRequest, transaction: ServerTransaction, flow: Flow, now: float
    ) -> None:
        verdict = self.gatekeeper.check(request, flow, now, proxy=True, retried=True)
        if self._settle(verdict, request, transaction, flow, now, None):
            assert verdict.entry is not None
            self.proxy.invite(transaction, request, flow, verdict.entry, now, self.wall())

    def _settle(
        self,
        verdict: Verdict,
        request: SipRequest,
        transaction: ServerTransaction,
        flow: Flow,
        now: float,
        again: Callable[[SipRequest, ServerTransaction, Flow, float], None] | None,
    ) -> bool:
        """True when authenticated; otherwise answer, drop, or look the user up first."""
        if verdict.entry is not None:
            return True
        if verdict.response is not None:
            self.layer.respond(transaction, verdict.response)
            return False
        if verdict.unknown_user is not None and again is not None:
            self._look_up_then_answer(verdict.unknown_user, request, transaction, flow, again)
            return False
        self.layer.drop(transaction)
        return False

    def _look_up_then_answer(
        self,
        username: str,
        request: SipRequest,
        transaction: ServerTransaction,
        flow: Flow,
        again: Callable[[SipRequest, ServerTransaction, Flow, float], None],
    ) -> None:
        """An extension made since the last refresh, on a transaction: retry once it is
        read from the database."""
        if not self._look_up_then(
            username, lambda: again(request, transaction, flow, self.clock())
        ):
            self.layer.respond(transaction, make_response(request, 403))

    def _look_up_then(self, username: str, then: Callable[[], None]) -> bool:
        """Read an extension from the database in a worker thread, then call ``then``.

        False, and nothing started, for a name that cannot be an extension or one
        already being looked up (a flood of made-up names costs no queries).
        """
        if username in self._fetching or not username.isdigit() or len(username) > 16:
            return False
        self._fetching.add(username)

        async def fetch() -> None:
            try:
                await self.directory.fetch_entry(username)
            except Exception:
                logger.exception("could not look extension %s up", username)
            finally:
                self._fetching.discard(username)
            then()

        asyncio.get_running_loop().create_task(fetch())
        return True

    # ------------------------------------------------------------------ routing helpers
    def record_route(self, transport: str, token: str) -> str:
        host, port = self.sender.local_via(transport)
        if transport == "UDP":
            return f"<sip:{token}@{host}:{port};lr>"
        return f"<sip:{token}@{host}:{port};transport={transport.lower()};lr>"

    def _pop_own_routes(self, request: SipRequest) -> str | None:
        """Remove the Route entries that name this server; return the flow token of the
        last one (it faces where the request goes)."""
        # Fast path: phones send our Record-Route values back verbatim, so the token can
        # be read from the text without parsing addresses and URIs.
        values = request.split_header("Route")
        token: str | None = None
        for value in values:
            user = _route_user(value)
            if user is None or self.tokens.read(user) is None:
                break
            token = user
        else:
            request.remove_header("Route")
            return token
        token = None
        routes = request.routes
        ours = 0
        for route in routes:
            uri = route.uri
            if not isinstance(uri, SipUri):
                break
            if uri.user and self.tokens.read(uri.user) is not None:
                token = uri.user
            elif uri.host not in self.local_hosts:
                break
            ours += 1
        if ours == len(routes):
            request.remove_header("Route")
        else:
            for _ in range(ours):
                request.pop_route()
        return token

    def _is_for_us(self, request: SipRequest) -> bool:
        uri = request.uri
        return isinstance(uri, SipUri) and (uri.user is None or uri.host in self.local_hosts)

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
        self.proxy.forget_old_dialogs(self.wall())


def _is_registration(request: SipRequest) -> bool:
    """A REGISTER for this registrar: out of any dialog and not routed elsewhere."""
    return (
        request.method == "REGISTER" and request.to_tag is None and not request.has_header("Route")
    )


def _route_user(value: str) -> str | None:
    """The user part of a Route value written as ``<sip:user@...>``, else None."""
    if not value.startswith("<sip:"):
        return None
    at = value.find("@", 5)
    return value[5:at] if at > 5 else None


def _loops_through_us(request: SipRequest) -> bool:
    """A request that already passed through here with a branch of ours (§16.3 step 4).

    Only requests with several Vias can loop; looking costs a Via parse, so it is
    done only then.
    """
    values = request.header_values("Via")
    if len(values) == 1 and "," not in values[0]:
        return False
    return any(is_proxy_branch(via.branch) for via in request.vias[1:])


def _reason(status: int, detail: str) -> str:
    base = {400: "Bad Request", 413: "Request Entity Too Large", 513: "Message Too Large"}
    phrase = base.get(status, "Bad Request")
    clean = "".join(c for c in detail if c.isprintable())[:80]
    return f"{phrase} ({clean})" if clean else phrase


_ECHOED = ("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq")
_CSEQ = re.compile(r"[0-9]{1,10}[ \t]+[A-Za-z]+")


def salvage_error_response(data: bytes, status: int, detail: str) -> bytes | None:
    """A stateless error response to a request the parser refused, built from the header
    lines a response must echo (RFC 3261 §8.2.6), when they can be found at all."""
    head, _, _ = data[:8192].partition(b"\r\n\r\n")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.split("\r\n")
    if not lines or not lines[0].endswith(" SIP/2.0") or lines[0].startswith("SIP/"):
        return None
    if lines[0].startswith("ACK "):
        return None  # never answer an ACK
    echoed: list[str] = []
    seen: set[str] = set()
    for line in lines[1:]:
        name, colon, _value = line.partition(":")
        key = name.strip().lower()
        if not colon or key not in _ECHOED or any(c in line for c in "\r\n\x00"):
            continue
        if key == "cseq" and _CSEQ.fullmatch(_value.strip()) is None:
            return None  # a response the client could not match is no use
        if key in ("via", "v"):
            seen.add("via")
        elif len(key) == 1:
            seen.add({"f": "from", "t": "to", "i": "call-id"}[key])
        else:
            seen.add(key)
        echoed.append(line)
    if not {"via", "from", "to", "call-id", "cseq"} <= seen or len(echoed) > 64:
        return None
    response = SipResponse(status, _reason(status, detail))
    start = response.start_line()
    return ("\r\n".join([start, *echoed, "Content-Length: 0"]) + "\r\n\r\n").encode()
