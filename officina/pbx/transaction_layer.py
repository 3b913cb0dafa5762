"""The SIP core's transactions bound to the asyncio transports and the clock.

``officina.sip.transactions`` decides (state tables, Timers A-M, matching);
this module carries its decisions out: it writes ``Send`` events to the
transports, runs the core's timers and a few of the proxy's own on one clock,
and turns the core's events into calls on the proxy and registrar (the
transaction user, "TU"), which see a small API: answer a server transaction,
forward a request on a client transaction, cancel one, relay a response.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import logging
import time
from collections.abc import Callable
from functools import partial
from typing import Protocol

from officina.pbx.bindings import Binding
from officina.pbx.transports.base import CONNECTION_ORIENTED, UDP, Connection, Flow
from officina.sip import (
    STATELESS_BRANCH_PREFIX,
    SipParseError,
    SipRequest,
    SipResponse,
    SipUri,
    Via,
    make_response,
    parse_uri,
    proxy_branches,
)
from officina.sip.rport import Peer
from officina.sip.transactions import (
    AckReceived,
    CancelReceived,
    ClientTransaction,
    Event,
    RequestReceived,
    ResponseReceived,
    Send,
    ServerTransaction,
    StrayResponse,
    TransactionLayer,
    TransactionTerminated,
    TransactionTimeout,
    TransportError,
    make_cancel,
)

logger = logging.getLogger("officina.pbx.transactions")

# Bound on live transactions: beyond it new requests get 503 rather than memory.
MAX_TRANSACTIONS = 300_000
# Bound on the sources whose Peer is kept for reuse (below, ``_peer_of``): past it the
# table starts again, so a scan from many ports costs memory only up to here.
KNOWN_SOURCES = 4096

ResponseCallback = Callable[[ClientTransaction, SipResponse], None]
TimeoutCallback = Callable[[ClientTransaction], None]
# (a response, what sends it on) -> None: the rewriter sends it, now or later.
ResponseRewriter = Callable[[SipResponse, Callable[[SipResponse], None]], None]


class Sender(Protocol):
    """The transports as the layer needs them."""

    def send(self, peer: Peer, data: bytes) -> bool: ...

    def connection(self, key: str) -> Connection | None: ...

    def local_via(self, transport: str) -> tuple[str, int]: ...


class TransactionUser(Protocol):
    """The proxy and registrar, as the layer hands them requests."""

    def request(
        self, request: SipRequest, transaction: ServerTransaction, flow: Flow, now: float
    ) -> None: ...

    def cancel(self, invite: ServerTransaction) -> bool: ...

    def ack(self, request: SipRequest, flow: Flow, now: float) -> None: ...


class BranchOwner:
    """What a client transaction's ``context`` holds: who gets its responses and its
    timeout. ``forward`` makes one from two callbacks; the proxy, which forwards every
    call, has one object of its own per fork instead (``forward_owned``)."""

    __slots__ = ()

    def on_response(self, client: ClientTransaction, response: SipResponse) -> None:
        raise NotImplementedError

    def on_timeout(self, client: ClientTransaction) -> None:
        raise NotImplementedError


class _Callbacks(BranchOwner):
    __slots__ = ("_on_response", "_on_timeout")

    def __init__(self, on_response: ResponseCallback, on_timeout: TimeoutCallback) -> None:
        self._on_response = on_response
        self._on_timeout = on_timeout

    def on_response(self, client: ClientTransaction, response: SipResponse) -> None:
        self._on_response(client, response)

    def on_timeout(self, client: ClientTransaction) -> None:
        self._on_timeout(client)


class PbxTransactions:
    def __init__(
        self,
        sender: Sender,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.sender = sender
        self.clock = clock
        self.wall = wall
        # The PBX sends 100 Trying itself, and only for INVITEs it forwards: a challenge
        # (407) then needs one message instead of two.
        self.core = TransactionLayer(send_trying=False)
        self.tu: TransactionUser | None = None
        # The proxy's own timers (ring timeouts), on the same clock as the core's.
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._sequence = itertools.count()
        self.flows: dict[int, Flow] = {}  # id(server transaction) -> the flow it came on
        # id(server transaction) -> what its responses pass through before they are sent
        # (the SDP of a browser's call the PBX answers, rewritten by rtpengine).
        self.rewriters: dict[int, ResponseRewriter] = {}
        self._branches = proxy_branches()
        self._sources: dict[tuple[str, str, int], Peer] = {}

    # ------------------------------------------------------------------ input
    def receive(self, message: SipRequest | SipResponse, flow: Flow, now: float) -> None:
        events = self.core.receive(message, self._peer_of(flow), now)
        self._run(events, flow, now)

    def _peer_of(self, flow: Flow) -> Peer:
        """The source of a message, one Peer per address. A phone sends a call's every
        request and response from one address, and its transactions keep that Peer for
        up to 32 s after the call: made per message, each copy was one more object the
        garbage collector walked while the transactions lived."""
        address = (flow.transport, flow.host, flow.port)
        peer = self._sources.get(address)
        if peer is None:
            if len(self._sources) >= KNOWN_SOURCES:
                self._sources.clear()
            peer = self._sources[address] = Peer(*address)
        return peer

    def _run(self, events: list[Event], flow: Flow | None, now: float) -> None:
        for event in events:
            # Send comes first: it is by far the most frequent event.
            if isinstance(event, Send):
                if not self.sender.send(event.peer, event.data) and event.transaction:
                    self._run(self.core.transport_error(event.transaction, now), None, now)
            elif isinstance(event, ResponseReceived):
                owner = event.transaction.context
                if isinstance(owner, BranchOwner):
                    owner.on_response(event.transaction, event.response)
            elif isinstance(event, RequestReceived):
                assert flow is not None and self.tu is not None
                if len(self.core) > MAX_TRANSACTIONS:
                    self.respond(event.transaction, make_response(event.request, 503))
                    continue
                self.flows[id(event.transaction)] = flow
                self.tu.request(event.request, event.transaction, flow, now)
            elif isinstance(event, CancelReceived):
                assert self.tu is not None
                invite = event.invite_transaction
                if invite is None or invite.state != "Proceeding":
                    self.respond(event.transaction, make_response(event.request, 481))
                    continue
                self.respond(event.transaction, make_response(event.request, 200))
                if not self.tu.cancel(invite):
                    self.respond(invite, make_response(invite.request, 487))
            elif isinstance(event, AckReceived):
                assert flow is not None and self.tu is not None
                self.tu.ack(event.request, flow, now)
            elif isinstance(event, TransactionTimeout | TransportError):
                transaction = event.transaction
                owner = transaction.context
                if isinstance(owner, BranchOwner) and isinstance(transaction, ClientTransaction):
                    owner.on_timeout(transaction)
            elif isinstance(event, StrayResponse):
                self._stray(event.response)
            elif isinstance(event, TransactionTerminated):
                # Nothing is kept outside the transaction but the flow it came on.
                transaction = event.transaction
                self.flows.pop(id(transaction), None)
                self.rewriters.pop(id(transaction), None)
                # The branch's owner holds the call, whose branches hold this transaction:
                # left in place, that cycle outlives the call until a full collection of
                # the garbage collector (the call by then among the oldest objects, walked
                # again by every full collection). Cut here, the call is freed as soon as
                # nothing else holds it.
                transaction.context = None

    def _stray(self, response: SipResponse) -> None:
        """A 2xx to an INVITE whose client transaction is gone: relay it statelessly
        along the Via path (§16.7 step 2 of a stateless proxy), so the caller can ACK."""
        if not (200 <= response.status < 300 and response.cseq.method == "INVITE"):
            return
        vias = response.vias
        # Only a branch this process made: with any proxy's branch accepted, a forged 2xx
        # would have us send its body to whatever address its second Via names.
        if len(vias) < 2 or not self._branches.made(vias[0].branch):
            return
        response.pop_via()
        upstream = vias[1]
        host = upstream.received or upstream.host
        port = upstream.rport or upstream.port or 5060
        transport = upstream.transport
        self.sender.send(Peer(transport, host.strip("[]"), port), response.serialize())

    # ------------------------------------------------------------------ timers
    def call_later(self, delay: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (self.clock() + delay, next(self._sequence), action))

    def next_deadline(self) -> float | None:
        core = self.core.next_timer()
        own = self._timers[0][0] if self._timers else None
        if core is None:
            return own
        return core if own is None else min(core, own)

    def run_timers(self, now: float | None = None) -> None:
        moment = self.clock() if now is None else now
        self._run(self.core.handle_timer(moment), None, moment)
        timers = self._timers
        while timers and timers[0][0] <= moment:
            _deadline, _sequence, action = heapq.heappop(timers)
            try:
                action()
            except Exception:
                logger.exception("proxy timer failed")

    # ------------------------------------------------------------------ server side
    def flow_of(self, server: ServerTransaction) -> Flow | None:
        return self.flows.get(id(server))

    def respond(self, server: ServerTransaction, response: SipResponse) -> None:
        rewrite = self.rewriters.get(id(server)) if self.rewriters else None
        if rewrite is not None:
            if response.status >= 200:
                del self.rewriters[id(server)]
            rewrite(response, partial(self._respond_now, server))
            return
        self._respond_now(server, response)

    def _respond_now(self, server: ServerTransaction, response: SipResponse) -> None:
        if server.terminated:
            return
        now = self.clock()
        try:
            events = self.core.send_response(server, response, now)
        except Exception:
            logger.debug("response %s not sent on %r", response.status, server)
            return
        self._run(events, None, now)

    def relay_response(self, server: ServerTransaction, response: SipResponse) -> None:
        """Send a branch's response upstream without our Via (§16.7 step 3)."""
        response.pop_via()
        if server.terminated or (server.state == "Completed" and response.status < 300):
            if 200 <= response.status < 300:
                # A 2xx after the transaction ended still has to reach the caller.
                self.sender.send(server.response_peer, response.serialize())
            return
        self.respond(server, response)

    def drop(self, server: ServerTransaction) -> None:
        """Leave a request unanswered on purpose (rate-limited source); retransmissions
        of it are absorbed by its transaction until it times out."""

    # ------------------------------------------------------------------ client side
    def via(self, transport: str, branch: str) -> str:
        return str(self.our_via(transport, branch))

    def our_via(self, transport: str, branch: str) -> Via:
        """This server's Via for a request it sends on ``transport``: built rather than
        parsed from its text, so a request that carries it needs no parse to be matched."""
        host, port = self.sender.local_via(transport)
        return Via(transport, host, port, {"branch": branch, "rport": None})

    def new_branch(self) -> str:
        # Recognisable as ours (loop detection, stray 2xx relaying), and numbered rather
        # than random: no call into the system's random source per forwarded request.
        return self._branches.next()

    def forward(
        self,
        request: SipRequest,
        peer: Peer,
        on_response: ResponseCallback,
        on_timeout: TimeoutCallback,
    ) -> ClientTransaction:
        """Send ``request`` (which becomes the transaction's own) on a new client
        transaction, with our Via on top."""
        return self.forward_owned(request, peer, _Callbacks(on_response, on_timeout))

    def forward_owned(
        self, request: SipRequest, peer: Peer, owner: BranchOwner
    ) -> ClientTransaction:
        """``forward``, its responses and timeout going to ``owner``."""
        request.prepend_via(self.our_via(peer.transport, self.new_branch()))
        now = self.clock()
        transaction, events = self.core.send_request(request, peer, now)
        transaction.context = owner
        self._run(events, None, now)
        return transaction

    def cancel(self, client: ClientTransaction, reason: str | None) -> None:
        if client.state not in ("Calling", "Proceeding"):
            return
        cancel = make_cancel(client.request, reason)
        now = self.clock()
        try:
            _cancel_transaction, events = self.core.send_request(cancel, client.peer, now)
        except Exception:
            logger.debug("CANCEL not sent for %r", client)
            return
        self._run(events, None, now)

    def send_stateless(self, request: SipRequest, peer: Peer) -> None:
        """Forward outside transactions (the ACK of a 2xx). The branch is derived from
        the incoming one, so a retransmitted ACK keeps its branch (§16.11)."""
        incoming = f"{request.top_via.branch}|{request.call_id}".encode()
        digest = hashlib.blake2s(incoming, digest_size=8).hexdigest()
        request.prepend_via(self.our_via(peer.transport, f"{STATELESS_BRANCH_PREFIX}{digest}"))
        self.sender.send(peer, request.serialize())

    # ------------------------------------------------------------------ peers
    def peer_for_binding(self, binding: Binding) -> Peer | None:
        if binding.transport in CONNECTION_ORIENTED:
            connection = self.sender.connection(binding.connection_key)
            if connection is None:
                return None
            return Peer(connection.transport, *connection.remote)
        return udp_peer(binding)

    @staticmethod
    def peer_for_flow(flow: Flow) -> Peer:
        return Peer(flow.transport, flow.host, flow.port)


def udp_peer(binding: Binding) -> Peer:
    """Where a device registered over UDP is reached.

    When the Contact names the address the REGISTER came from, its port is
    trusted (a device may listen on another port than it sends from). When it
    names any other host, the device is behind NAT (or gave an unreachable
    address): requests go back to where its REGISTER came from, through the
    pinhole it keeps open with its re-registrations.
    """
    if binding.udp_peer is not None:
        return binding.udp_peer
    peer = peer_for_target(
        Peer(UDP, binding.received_host, binding.received_port), binding.contact_uri
    )
    binding.udp_peer = peer
    return peer


def peer_for_target(peer: Peer, target: str) -> Peer:
    """Where a device reached at ``peer`` is reached once it names ``target`` as its
    Contact (a registration, or a target refresh in a dialog, RFC 3261 §12.2): over UDP,
    at ``target``'s port when ``target`` names ``peer``'s host (a device may listen on
    another port than it sends from); at ``peer`` otherwise (behind NAT, the pinhole it
    sends from). Over a connection, on that connection."""
    if peer.transport != UDP:
        return peer
    try:
        uri = parse_uri(target)
    except SipParseError:
        return peer
    if isinstance(uri, SipUri) and uri.host.strip("[]") == peer.host.strip("[]"):
        return Peer(UDP, peer.host, uri.port or 5060)
    return peer
