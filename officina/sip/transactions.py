"""SIP transactions (RFC 3261 §17, with the Accepted state of RFC 6026) as state tables.

Four machines, each a table {(state, input): (next state, actions)}; an input
missing from a table is ignored (e.g. a late 1xx in Completed).

INVITE client (ICT, §17.1.1 + RFC 6026 §7.2)
    Calling     Timer A -> resend, A doubles (unreliable only)   Timer B (64*T1) -> timeout
                1xx -> Proceeding, pass up     2xx -> Accepted, pass up, Timer M (64*T1)
                300-699 -> Completed, pass up, send ACK, Timer D (32 s unreliable / 0)
    Proceeding  1xx -> pass up, Timer C restarted   2xx -> Accepted   300-699 -> Completed
                Timer C (180 s, first started by the first 1xx) -> timeout reported (the TU
                CANCELs), then Timer B (64*T1) -> Terminated if no final response came
    Completed   300-699 again -> resend ACK      Timer D -> Terminated
    Accepted    2xx again -> pass up (the TU ACKs each one)   Timer M -> Terminated

non-INVITE client (NICT, §17.1.2)
    Trying      Timer E -> resend, E = min(2E, T2)   Timer F (64*T1) -> timeout
                1xx -> Proceeding, pass up   200-699 -> Completed, pass up, Timer K (T4 / 0)
    Proceeding  Timer E -> resend, E = T2    Timer F -> timeout   1xx -> pass up
                200-699 -> Completed, pass up, Timer K
    Completed   responses absorbed           Timer K -> Terminated

INVITE server (IST, §17.2.1 + RFC 6026 §7.1)
    Proceeding  INVITE again -> resend last provisional   TU 1xx -> send
                TU 2xx -> send, Accepted, Timer L (64*T1)
                TU 300-699 -> send, Completed, Timer G (T1, unreliable), Timer H (64*T1)
                TU 300-699 before any 1xx -> send, Completed, Timer H only (see below)
    Completed   INVITE again / Timer G -> resend final, G = min(2G, T2)
                ACK -> Confirmed, Timer I (T4 / 0)    Timer H -> timeout
    Confirmed   ACK again absorbed                    Timer I -> Terminated
    Accepted    INVITE again absorbed   TU 2xx again -> send   ACK -> pass up
                Timer L -> Terminated

non-INVITE server (NIST, §17.2.2)
    Trying      request again absorbed   TU 1xx -> send, Proceeding   TU final -> send, Completed
    Proceeding  request again -> resend last provisional   TU 1xx -> send   TU final -> Completed
    Completed   request again -> resend final             Timer J (64*T1 / 0) -> Terminated

Every state: a transport error reported by the caller -> Terminated, TU told.

A departure from §17.2.1: a final failure sent before any provisional response
starts no Timer G. The client has had no answer yet, so it is still in Calling
and retransmits its INVITE (Timer A) until one arrives, and each retransmission
gets the response again: nothing is lost. Timer G would instead send it up to
eleven times unasked towards the request's source, which for a challenge or a
refusal may be forged (a reflection towards a victim). After a 1xx the client
stops retransmitting, and Timer G is kept.

Matching (§17.1.3, §17.2.3) is done by `TransactionLayer` with dicts:
responses by (top Via branch, CSeq method); requests by (branch, sent-by,
method) with ACK mapped to INVITE, or, for RFC 2543 peers whose branch lacks
the magic cookie, by (Call-ID, From tag, CSeq number, top Via, Request-URI,
method). A CANCEL gets its own server transaction and is tied to the INVITE
server transaction with the same key.
"""

from __future__ import annotations

import heapq
import math
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from officina.sip.errors import LocalProtocolError, SipParseError
from officina.sip.message import SipRequest, SipResponse, make_response
from officina.sip.rport import Peer, response_peer, stamped_via

MAGIC_COOKIE = "z9hG4bK"
# Timers are kept in slots this fine (see `TransactionLayer._schedule`): a slot's
# transactions are looked at when it begins to fall due, and again at each later
# `handle_timer` within it.
TIMER_SLOTS_PER_SECOND = 100


@dataclass(frozen=True, slots=True)
class TimerConfig:
    """RFC 3261 Table 4 base values, in seconds."""

    t1: float = 0.5
    t2: float = 4.0
    t4: float = 5.0
    timer_d: float = 32.0
    # Timer C (RFC 3261 §16.6 step 11): how long an INVITE client transaction waits for a
    # final response after a provisional one, restarted by each provisional.
    timer_c: float = 180.0

    @property
    def timeout(self) -> float:
        """64*T1: Timers B, F, H, J, L, M."""
        return 64 * self.t1


def new_branch() -> str:
    """A fresh RFC 3261 branch (magic cookie plus 64 random bits)."""
    return MAGIC_COOKIE + secrets.token_hex(8)


# --------------------------------------------------------------------- events
@dataclass(slots=True)
class Send:
    """Bytes the caller must send to `peer` (already serialized)."""

    data: bytes
    peer: Peer
    transaction: Transaction | None = None


@dataclass(slots=True)
class RequestReceived:
    """A new request (not ACK, not CANCEL) for the TU, with its server transaction."""

    request: SipRequest
    transaction: ServerTransaction
    source: Peer


@dataclass(slots=True)
class CancelReceived:
    """A CANCEL, with its own server transaction and the INVITE transaction it cancels
    (None when there is none: answer 481; otherwise answer 200 and 487 the INVITE)."""

    request: SipRequest
    transaction: ServerTransaction
    invite_transaction: ServerTransaction | None
    source: Peer


@dataclass(slots=True)
class AckReceived:
    """The ACK of a 2xx, which belongs to the dialog: `transaction` is the INVITE server
    transaction when it is still in the Accepted state (RFC 6026), else None. ACKs of
    3xx-6xx responses are absorbed by their transaction and never reported."""

    request: SipRequest
    transaction: ServerTransaction | None
    source: Peer


@dataclass(slots=True)
class ResponseReceived:
    response: SipResponse
    transaction: ClientTransaction


@dataclass(slots=True)
class StrayResponse:
    """A response matching no client transaction."""

    response: SipResponse
    source: Peer


@dataclass(slots=True)
class TransactionTimeout:
    """Timer B or F (no final response), or H (no ACK for our final response)."""

    transaction: Transaction


@dataclass(slots=True)
class TransportError:
    transaction: Transaction


@dataclass(slots=True)
class TransactionTerminated:
    transaction: Transaction


Event = (
    Send
    | RequestReceived
    | CancelReceived
    | AckReceived
    | ResponseReceived
    | StrayResponse
    | TransactionTimeout
    | TransportError
    | TransactionTerminated
)

# --------------------------------------------------------------------- tables
CALLING = "Calling"
TRYING = "Trying"
PROCEEDING = "Proceeding"
COMPLETED = "Completed"
CONFIRMED = "Confirmed"
ACCEPTED = "Accepted"
TERMINATED = "Terminated"

# inputs
PROVISIONAL = "1xx"
SUCCESS = "2xx"
FAILURE = "3xx-6xx"
REQUEST = "request"
ACK = "ACK"
TU_PROVISIONAL = "TU 1xx"
TU_SUCCESS = "TU 2xx"
TU_FAILURE = "TU 3xx-6xx"
TU_FIRST_FAILURE = "TU 3xx-6xx before any 1xx"
ERROR = "transport error"
TIMER_A, TIMER_B, TIMER_C, TIMER_D, TIMER_E = "A", "B", "C", "D", "E"
TIMER_F, TIMER_G = "F", "G"
TIMER_H, TIMER_I, TIMER_J, TIMER_K, TIMER_L, TIMER_M = "H", "I", "J", "K", "L", "M"

Table = dict[tuple[str, str], tuple[str, tuple[str, ...]]]

ICT: Table = {
    (CALLING, TIMER_A): (CALLING, ("resend", "double A")),
    (CALLING, TIMER_B): (TERMINATED, ("timeout",)),
    (CALLING, PROVISIONAL): (PROCEEDING, ("stop A", "stop B", "pass up", "start C")),
    (CALLING, SUCCESS): (ACCEPTED, ("stop A", "stop B", "pass up", "start M")),
    (CALLING, FAILURE): (COMPLETED, ("stop A", "stop B", "pass up", "send ACK", "start D")),
    (CALLING, ERROR): (TERMINATED, ("transport error",)),
    (PROCEEDING, PROVISIONAL): (PROCEEDING, ("pass up", "start C")),
    (PROCEEDING, SUCCESS): (ACCEPTED, ("stop B", "stop C", "pass up", "start M")),
    (PROCEEDING, FAILURE): (COMPLETED, ("stop B", "stop C", "pass up", "send ACK", "start D")),
    (PROCEEDING, TIMER_C): (PROCEEDING, ("timeout", "start B")),
    (PROCEEDING, TIMER_B): (TERMINATED, ()),
    (PROCEEDING, ERROR): (TERMINATED, ("transport error",)),
    (COMPLETED, FAILURE): (COMPLETED, ("send ACK",)),
    (COMPLETED, TIMER_D): (TERMINATED, ()),
    (COMPLETED, ERROR): (TERMINATED, ("transport error",)),
    (ACCEPTED, SUCCESS): (ACCEPTED, ("pass up",)),
    (ACCEPTED, TIMER_M): (TERMINATED, ()),
}

NICT: Table = {
    (TRYING, TIMER_E): (TRYING, ("resend", "double E")),
    (TRYING, TIMER_F): (TERMINATED, ("timeout",)),
    (TRYING, PROVISIONAL): (PROCEEDING, ("pass up",)),
    (TRYING, SUCCESS): (COMPLETED, ("stop E", "stop F", "pass up", "start K")),
    (TRYING, FAILURE): (COMPLETED, ("stop E", "stop F", "pass up", "start K")),
    (TRYING, ERROR): (TERMINATED, ("transport error",)),
    (PROCEEDING, TIMER_E): (PROCEEDING, ("resend", "E at T2")),
    (PROCEEDING, TIMER_F): (TERMINATED, ("timeout",)),
    (PROCEEDING, PROVISIONAL): (PROCEEDING, ("pass up",)),
    (PROCEEDING, SUCCESS): (COMPLETED, ("stop E", "stop F", "pass up", "start K")),
    (PROCEEDING, FAILURE): (COMPLETED, ("stop E", "stop F", "pass up", "start K")),
    (PROCEEDING, ERROR): (TERMINATED, ("transport error",)),
    (COMPLETED, TIMER_K): (TERMINATED, ()),
}

IST: Table = {
    (PROCEEDING, REQUEST): (PROCEEDING, ("resend response",)),
    (PROCEEDING, TU_PROVISIONAL): (PROCEEDING, ("send response",)),
    (PROCEEDING, TU_SUCCESS): (ACCEPTED, ("send response", "start L")),
    (PROCEEDING, TU_FAILURE): (COMPLETED, ("send response", "start G", "start H")),
    (PROCEEDING, TU_FIRST_FAILURE): (COMPLETED, ("send response", "start H")),
    (PROCEEDING, ERROR): (TERMINATED, ("transport error",)),
    (COMPLETED, REQUEST): (COMPLETED, ("resend response",)),
    (COMPLETED, TIMER_G): (COMPLETED, ("resend response", "double G")),
    (COMPLETED, TIMER_H): (TERMINATED, ("timeout",)),
    (COMPLETED, ACK): (CONFIRMED, ("stop G", "stop H", "start I")),
    (COMPLETED, ERROR): (TERMINATED, ("transport error",)),
    (CONFIRMED, TIMER_I): (TERMINATED, ()),
    (ACCEPTED, TU_SUCCESS): (ACCEPTED, ("send response",)),
    (ACCEPTED, ACK): (ACCEPTED, ("pass ACK up",)),
    (ACCEPTED, TIMER_L): (TERMINATED, ()),
}

NIST: Table = {
    (TRYING, TU_PROVISIONAL): (PROCEEDING, ("send response",)),
    (TRYING, TU_SUCCESS): (COMPLETED, ("send response", "start J")),
    (TRYING, TU_FAILURE): (COMPLETED, ("send response", "start J")),
    (TRYING, ERROR): (TERMINATED, ("transport error",)),
    (PROCEEDING, REQUEST): (PROCEEDING, ("resend response",)),
    (PROCEEDING, TU_PROVISIONAL): (PROCEEDING, ("send response",)),
    (PROCEEDING, TU_SUCCESS): (COMPLETED, ("send response", "start J")),
    (PROCEEDING, TU_FAILURE): (COMPLETED, ("send response", "start J")),
    (PROCEEDING, ERROR): (TERMINATED, ("transport error",)),
    (COMPLETED, REQUEST): (COMPLETED, ("resend response",)),
    (COMPLETED, ERROR): (TERMINATED, ("transport error",)),
    (COMPLETED, TIMER_J): (TERMINATED, ()),
}


_TU_INPUT = {PROVISIONAL: TU_PROVISIONAL, SUCCESS: TU_SUCCESS, FAILURE: TU_FAILURE}


def _response_input(status: int) -> str:
    if status < 200:
        return PROVISIONAL
    if status < 300:
        return SUCCESS
    return FAILURE


# --------------------------------------------------------------------- transactions
class Transaction:
    """State shared by the four machines. `context` is free for the TU (e.g. a proxy branch)."""

    __slots__ = (
        "_intervals",
        "_layer",
        "_table",
        "_timers",
        "context",
        "key",
        "kind",
        "peer",
        "reliable",
        "request",
        "state",
    )

    def __init__(
        self,
        layer: TransactionLayer,
        kind: str,
        table: Table,
        state: str,
        request: SipRequest,
        peer: Peer,
        key: tuple[Any, ...],
    ) -> None:
        self._layer = layer
        self.kind = kind
        self._table = table
        self.state = state
        self.request = request
        self.peer = peer
        self.reliable = peer.reliable
        self.key = key
        self._timers: dict[str, float] = {}
        self._intervals: dict[str, float] = {}
        self.context: Any = None

    @property
    def is_invite(self) -> bool:
        return self.kind in ("ICT", "IST")

    @property
    def terminated(self) -> bool:
        return self.state == TERMINATED

    def next_deadline(self) -> float | None:
        return min(self._timers.values()) if self._timers else None

    def __repr__(self) -> str:
        return f"<{self.kind} {self.request.method} {self.state} {self.key[0]}>"

    # The table runner: look up (state, input), switch state, run the actions.
    def _step(self, event: str, now: float, out: list[Event], message: Any = None) -> None:
        entry = self._table.get((self.state, event))
        if entry is None:
            return
        self.state, actions = entry
        for action in actions:
            _ACTIONS[action](self, now, out, message)
        if self.state == TERMINATED:
            self._timers.clear()
            self._layer._remove(self, out)

    def _start(self, name: str, duration: float, now: float, out: list[Event]) -> None:
        if duration <= 0:
            self._step(name, now, out)
            return
        deadline = now + duration
        self._timers[name] = deadline
        self._layer._schedule(deadline, self, name)

    def _fire(self, name: str, deadline: float, now: float, out: list[Event]) -> None:
        if self._timers.get(name) != deadline:
            return  # cancelled or restarted since it was scheduled
        del self._timers[name]
        self._step(name, now, out)


class ClientTransaction(Transaction):
    """ICT or NICT. `last_response` is the latest response passed up."""

    __slots__ = ("_data", "last_response")

    def __init__(self, layer: TransactionLayer, request: SipRequest, peer: Peer, key: Any) -> None:
        invite = request.method == "INVITE"
        super().__init__(
            layer,
            "ICT" if invite else "NICT",
            ICT if invite else NICT,
            CALLING if invite else TRYING,
            request,
            peer,
            key,
        )
        self._data = request.serialize()
        self.last_response: SipResponse | None = None

    def _begin(self, now: float, out: list[Event]) -> None:
        out.append(Send(self._data, self.peer, self))
        config = self._layer.config
        if self.kind == "ICT":
            if not self.reliable:
                self._intervals[TIMER_A] = config.t1
                self._start(TIMER_A, config.t1, now, out)
            self._start(TIMER_B, config.timeout, now, out)
        else:
            if not self.reliable:
                self._intervals[TIMER_E] = config.t1
                self._start(TIMER_E, config.t1, now, out)
            self._start(TIMER_F, config.timeout, now, out)


class ServerTransaction(Transaction):
    """IST or NIST. `response_peer` is where responses go (RFC 3261 §18.2.2, RFC 3581);
    `status` is the last status sent (None before the first response)."""

    __slots__ = ("_last_data", "response_peer", "source", "status")

    def __init__(
        self, layer: TransactionLayer, request: SipRequest, source: Peer, key: Any, to: Peer
    ) -> None:
        invite = request.method == "INVITE"
        super().__init__(
            layer,
            "IST" if invite else "NIST",
            IST if invite else NIST,
            PROCEEDING if invite else TRYING,
            request,
            source,
            key,
        )
        self.source = source
        self.response_peer = to
        self.status: int | None = None
        self._last_data: bytes | None = None


# --------------------------------------------------------------------- actions
def _resend(tx: Transaction, now: float, out: list[Event], message: Any) -> None:
    assert isinstance(tx, ClientTransaction)
    out.append(Send(tx._data, tx.peer, tx))


def _doubler(name: str, cap: bool) -> Callable[[Transaction, float, list[Event], Any], None]:
    def action(tx: Transaction, now: float, out: list[Event], message: Any) -> None:
        config = tx._layer.config
        interval = tx._intervals[name] * 2
        if cap:
            interval = min(interval, config.t2)
        tx._intervals[name] = interval
        tx._start(name, interval, now, out)

    return action


def _e_at_t2(tx: Transaction, now: float, out: list[Event], message: Any) -> None:
    tx._intervals[TIMER_E] = tx._layer.config.t2
    tx._start(TIMER_E, tx._layer.config.t2, now, out)


def _stopper(name: str) -> Callable[[Transaction, float, list[Event], Any], None]:
    def action(tx: Transaction, now: float, out: list[Event], message: Any) -> None:
        tx._timers.pop(name, None)

    return action


def _starter(
    name: str, duration: Callable[[TimerConfig, bool], float]
) -> Callable[[Transaction, float, list[Event], Any], None]:
    def action(tx: Transaction, now: float, out: list[Event], message: Any) -> None:
        seconds = duration(tx._layer.config, tx.reliable)
        if name == TIMER_G:
            if tx.reliable:
                return
            tx._intervals[TIMER_G] = seconds
        tx._start(name, seconds, now, out)

    return action


def _pass_up(tx: Transaction, now: float, out: list[Event], message: Any) -> None:
    assert isinstance(tx, ClientTransaction)
    tx.last_response = message
    out.append(ResponseReceived(message, tx))


def _send_ack(tx: Transaction, now: float, out: list[Event], message: Any) -> None:
    assert isinstance(tx, ClientTransaction)
    response = message if message is not None else tx.last_response
    assert response is not None
    out.append(Send(make_ack_for_failure(tx.request, response).serialize(), tx.peer, tx))


def _send_response(tx: Transaction, now: float, out: list[Event], message: Any) -> None:
    assert isinstance(tx, ServerTransaction)
    tx.status = message.status
    tx._last_data = message.serialize()
    out.append(Send(tx._last_data, tx.response_peer, tx))
    if message.status >= 200:
        # The transaction lives on for retransmissions (up to 64*T1) with only the bytes
        # to resend; the request's parsed headers are dropped (they parse again if read).
        tx.request._cache.clear()


def _resend_response(tx: Transaction, now: float, out: list[Event], message: Any) -> None:
    assert isinstance(tx, ServerTransaction)
    if tx._last_data is not None:
        out.append(Send(tx._last_data, tx.response_peer, tx))


def _pass_ack_up(tx: Transaction, now: float, out: list[Event], message: Any) -> None:
    assert isinstance(tx, ServerTransaction)
    out.append(AckReceived(message, tx, tx.source))


def _timeout(tx: Transaction, now: float, out: list[Event], message: Any) -> None:
    out.append(TransactionTimeout(tx))


def _transport_error(tx: Transaction, now: float, out: list[Event], message: Any) -> None:
    out.append(TransportError(tx))


_ACTIONS: dict[str, Callable[[Transaction, float, list[Event], Any], None]] = {
    "resend": _resend,
    "double A": _doubler(TIMER_A, cap=False),
    "double E": _doubler(TIMER_E, cap=True),
    "double G": _doubler(TIMER_G, cap=True),
    "E at T2": _e_at_t2,
    "stop A": _stopper(TIMER_A),
    "stop B": _stopper(TIMER_B),
    "stop C": _stopper(TIMER_C),
    "stop E": _stopper(TIMER_E),
    "stop F": _stopper(TIMER_F),
    "stop G": _stopper(TIMER_G),
    "stop H": _stopper(TIMER_H),
    "start B": _starter(TIMER_B, lambda c, reliable: c.timeout),
    "start C": _starter(TIMER_C, lambda c, reliable: c.timer_c),
    "start D": _starter(TIMER_D, lambda c, reliable: 0.0 if reliable else c.timer_d),
    "start G": _starter(TIMER_G, lambda c, reliable: c.t1),
    "start H": _starter(TIMER_H, lambda c, reliable: c.timeout),
    "start I": _starter(TIMER_I, lambda c, reliable: 0.0 if reliable else c.t4),
    "start J": _starter(TIMER_J, lambda c, reliable: 0.0 if reliable else c.timeout),
    "start K": _starter(TIMER_K, lambda c, reliable: 0.0 if reliable else c.t4),
    "start L": _starter(TIMER_L, lambda c, reliable: c.timeout),
    "start M": _starter(TIMER_M, lambda c, reliable: c.timeout),
    "pass up": _pass_up,
    "send ACK": _send_ack,
    "send response": _send_response,
    "resend response": _resend_response,
    "pass ACK up": _pass_ack_up,
    "timeout": _timeout,
    "transport error": _transport_error,
}

# Every action named in a table exists (checked once at import).
for _table in (ICT, NICT, IST, NIST):
    for _state, _actions in _table.values():
        for _action in _actions:
            assert _action in _ACTIONS, _action


# --------------------------------------------------------------------- request builders
_ACK_COPY = frozenset({"call-id", "from", "route", "max-forwards"})


def make_ack_for_failure(invite: SipRequest, response: SipResponse) -> SipRequest:
    """The ACK a client transaction sends for a 300-699 response (RFC 3261 §17.1.1.3)."""
    ack = SipRequest.__new__(SipRequest)
    ack._raw = None
    ack._cache = {}
    ack._body = b""
    ack._method = "ACK"
    ack._uri = invite._uri
    ack._uri_text = invite._uri_text
    entries = []
    via_done = False
    for entry in invite._entries:
        if entry[0] == "via" and not via_done:
            via_done = True
            top = invite.top_via
            entries.append(("via", f"Via: {top}", 3))
        elif entry[0] in _ACK_COPY:
            entries.append(entry)
    entries.append(("to", f"To: {response.to}", 2))
    entries.append(("cseq", f"CSeq: {invite.cseq.number} ACK", 4))
    entries.append(("content-length", "Content-Length: 0", 14))
    ack._entries = entries
    return ack


def make_cancel(invite: SipRequest, reason: str | None = None) -> SipRequest:
    """A CANCEL for a client INVITE (RFC 3261 §9.1): same Request-URI, Call-ID, From, To,
    CSeq number, top Via and Route set. `reason` is a Reason header value (RFC 3326)."""
    headers = [("Via", str(invite.top_via))]
    for name, key in (("Max-Forwards", "max-forwards"), ("From", "from"), ("To", "to")):
        value = invite.header(key)
        if value is not None:
            headers.append((name, value))
    headers.append(("Call-ID", invite.call_id))
    headers.append(("CSeq", f"{invite.cseq.number} CANCEL"))
    for value in invite.header_values("route"):
        headers.append(("Route", value))
    if reason:
        headers.append(("Reason", reason))
    return SipRequest("CANCEL", invite.uri_text, headers)


# --------------------------------------------------------------------- the layer
def server_key(request: SipRequest, method: str | None = None) -> tuple[Any, ...]:
    """§17.2.3 matching key of a request (ACK maps to INVITE)."""
    via = request.top_via
    if method is None:
        method = "INVITE" if request.method == "ACK" else request.method
    branch = via.branch
    if branch is not None and len(branch) > 7 and branch.startswith(MAGIC_COOKIE):
        return (branch, via.host.lower(), via.port, method)
    # RFC 2543 peers: the INVITE and its ACK/CANCEL share all of these.
    return (
        "2543",
        request.call_id,
        request.from_tag,
        request.cseq.number,
        str(via),
        request.uri_text,
        method,
    )


class TransactionLayer:
    """All transactions of one SIP element; bytes and time go through the caller.

    Every method returns the events to act upon, in order: `Send` bytes to
    peers, and notifications for the transaction user (TU).
    """

    def __init__(self, config: TimerConfig | None = None, *, send_trying: bool = True) -> None:
        self.config = config if config is not None else TimerConfig()
        self.send_trying = send_trying
        self._clients: dict[tuple[Any, ...], ClientTransaction] = {}
        self._servers: dict[tuple[Any, ...], ServerTransaction] = {}
        # Timers in slots of 1/TIMER_SLOTS_PER_SECOND s (see `_schedule`): slot -> the
        # transactions with a timer due in it, and the numbers of the slots in use.
        self._slots: dict[int, list[Transaction]] = {}
        self._slot_heap: list[int] = []

    # -------------------------------------------------------------- client side
    def send_request(
        self, request: SipRequest, peer: Peer, now: float
    ) -> tuple[ClientTransaction, list[Event]]:
        """Start a client transaction for `request` (it must carry a fresh top-Via branch)."""
        if request.method == "ACK":
            raise LocalProtocolError("ACK has no client transaction: use send_stateless()")
        branch = request.top_via.branch
        if branch is None or not branch.startswith(MAGIC_COOKIE):
            raise LocalProtocolError("client requests need an RFC 3261 branch")
        key = (branch, request.cseq.method)
        if key in self._clients:
            raise LocalProtocolError(f"a client transaction with branch {branch} exists")
        tx = ClientTransaction(self, request, peer, key)
        self._clients[key] = tx
        out: list[Event] = []
        tx._begin(now, out)
        return tx, out

    @staticmethod
    def send_stateless(message: SipRequest | SipResponse, peer: Peer) -> list[Event]:
        """Send outside any transaction (ACK for 2xx, stateless forwarding)."""
        return [Send(message.serialize(), peer, None)]

    # -------------------------------------------------------------- server side
    def send_response(
        self, tx: ServerTransaction, response: SipResponse, now: float
    ) -> list[Event]:
        """Send a TU response through its server transaction."""
        if tx.state == TERMINATED:
            raise LocalProtocolError("the transaction is terminated")
        out: list[Event] = []
        event = _TU_INPUT[_response_input(response.status)]
        if event == TU_FAILURE and tx.kind == "IST" and tx._last_data is None:
            event = TU_FIRST_FAILURE
        before = tx.state
        tx._step(event, now, out, response)
        if not out and before == tx.state:
            raise LocalProtocolError(f"cannot send {response.status} in state {before}")
        return out

    def respond(self, tx: ServerTransaction, status: int, now: float, **kwargs: Any) -> list[Event]:
        """Shortcut: build a response to the transaction's request and send it."""
        return self.send_response(tx, make_response(tx.request, status, **kwargs), now)

    # -------------------------------------------------------------- input
    def receive(self, message: SipRequest | SipResponse, source: Peer, now: float) -> list[Event]:
        """Feed a parsed message received from `source`.

        Raises SipParseError when a header needed for matching is malformed
        (answer `error.status` to a request, drop a response).
        """
        out: list[Event] = []
        if isinstance(message, SipResponse):
            via = message.top_via
            client = self._clients.get((via.branch or "", message.cseq.method))
            if client is None:
                out.append(StrayResponse(message, source))
            else:
                client._step(_response_input(message.status), now, out, message)
            return out

        key = server_key(message)
        tx = self._servers.get(key)
        method = message.method
        if tx is not None:
            if method == "ACK":
                if tx.kind == "IST":
                    tx._step(ACK, now, out, message)
                    return out
            else:
                tx._step(REQUEST, now, out, message)
                return out
        if method == "ACK":
            # Matches no INVITE transaction: the ACK of a 2xx, for the TU.
            out.append(AckReceived(message, None, source))
            return out

        stamped = stamped_via(message.top_via, source)
        if stamped is not None:
            message.replace_top_via(stamped)
        tx = ServerTransaction(self, message, source, key, response_peer(message.top_via, source))
        self._servers[key] = tx
        if method == "CANCEL":
            invite = self._servers.get(server_key(message, "INVITE"))
            out.append(CancelReceived(message, tx, invite, source))
            return out
        if method == "INVITE" and self.send_trying:
            tx._step(TU_PROVISIONAL, now, out, make_response(message, 100))
        out.append(RequestReceived(message, tx, source))
        return out

    def transport_error(self, tx: Transaction, now: float) -> list[Event]:
        """Tell the layer that sending for `tx` failed (connection refused, ICMP...)."""
        out: list[Event] = []
        tx._step(ERROR, now, out)
        return out

    # -------------------------------------------------------------- timers
    # A call leaves about eleven timers behind, most stopped before they are due and the
    # rest due 5 to 32 s later: at a thousand calls a second a heap of single timers holds
    # a quarter of a million entries, each push and pop a walk down it, and each entry a
    # tuple the garbage collector walks until it is popped. A transaction instead goes
    # into the list of the slot its deadline falls in (its `_timers` keep the deadlines);
    # only the slots' numbers are in a heap, one entry per slot.
    def _schedule(self, deadline: float, tx: Transaction, name: str) -> None:
        slot = math.floor(deadline * TIMER_SLOTS_PER_SECOND)
        waiting = self._slots.get(slot)
        if waiting is None:
            self._slots[slot] = [tx]
            heapq.heappush(self._slot_heap, slot)
        else:
            waiting.append(tx)

    def next_timer(self) -> float | None:
        """The earliest deadline (absolute, same clock as `now`), or None."""
        heap = self._slot_heap
        while heap:
            slot = heap[0]
            earliest: float | None = None
            for tx in self._slots[slot]:
                for deadline in tx._timers.values():
                    if math.floor(deadline * TIMER_SLOTS_PER_SECOND) == slot and (
                        earliest is None or deadline < earliest
                    ):
                        earliest = deadline
            if earliest is not None:
                return earliest
            heapq.heappop(heap)  # only stopped or restarted timers were in it
            del self._slots[slot]
        return None

    def handle_timer(self, now: float) -> list[Event]:
        """Fire every timer due at `now`, earliest first."""
        out: list[Event] = []
        heap = self._slot_heap
        last = math.floor(now * TIMER_SLOTS_PER_SECOND)
        due: list[tuple[float, int, Transaction, str]] = []
        while heap and heap[0] <= last:
            slot = heapq.heappop(heap)
            waiting = self._slots.pop(slot)
            later: list[Transaction] = []
            for tx in waiting:
                for name, deadline in tx._timers.items():
                    if deadline <= now:
                        due.append((deadline, len(due), tx, name))
                    elif slot == last and math.floor(deadline * TIMER_SLOTS_PER_SECOND) == slot:
                        later.append(tx)  # this slot's timer, due later within it
            if later:
                self._slots[slot] = later
                heapq.heappush(heap, slot)
                break
        # A transaction listed twice (two timers, or one restarted) is fired once per
        # timer: `_fire` skips a deadline that is no longer the timer's.
        due.sort()
        for deadline, _order, tx, name in due:
            tx._fire(name, deadline, now, out)
        return out

    # -------------------------------------------------------------- bookkeeping
    def _remove(self, tx: Transaction, out: list[Event]) -> None:
        table: dict[tuple[Any, ...], Any] = (
            self._clients if isinstance(tx, ClientTransaction) else self._servers
        )
        if table.get(tx.key) is tx:
            del table[tx.key]
            out.append(TransactionTerminated(tx))

    def find_server(
        self, request: SipRequest, method: str | None = None
    ) -> ServerTransaction | None:
        try:
            return self._servers.get(server_key(request, method))
        except SipParseError:
            return None

    @property
    def client_transactions(self) -> Iterable[ClientTransaction]:
        return self._clients.values()

    @property
    def server_transactions(self) -> Iterable[ServerTransaction]:
        return self._servers.values()

    def __len__(self) -> int:
        return len(self._clients) + len(self._servers)
