"""The registrar (RFC 3261 §10.3): a REGISTER from its first byte to its answer.

The server hands every REGISTER for this registrar (out of any dialog, not
routed elsewhere) to ``Registrar.receive``, which answers it without a server
transaction and remembers the answer for its retransmissions; a REGISTER
routed here through a preloaded Route comes to ``receive_on_transaction``.
Both ask ``Registrar.answer``:

1. whether the request can be answered at all (an unsupported Require: 420);
2. who sends it: digest authentication against the extension's credentials,
   failures limited per address and user, per user and per address, an
   unknown name or a wrong password looked up in the database once (an
   extension made, or a password changed, since the last refresh);
3. the bindings of its address of record added, refreshed or removed
   (``BindingUpdater``), and the 200 that lists them.

Changes land in the in-memory directory at once and reach the database a
moment later (the directory's write-behind).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from officina.pbx.bindings import Binding
from officina.pbx.malformed import error_response
from officina.pbx.tags import new_tag
from officina.pbx.transports.base import CONNECTION_ORIENTED, Flow
from officina.sip import (
    NameAddress,
    Peer,
    SipParseError,
    SipRequest,
    SipResponse,
    SipUri,
    make_response,
    response_peer,
    stamp_via,
)

if TYPE_CHECKING:
    from officina.pbx.auth import Gatekeeper
    from officina.pbx.directory import Directory
    from officina.pbx.selectors import DirectoryEntry
    from officina.pbx.transaction_layer import PbxTransactions, Sender
    from officina.sip import ServerTransaction

logger = logging.getLogger("officina.pbx.registrar")

SUPPORTED_EXTENSIONS = frozenset({"path", "outbound", "gruu", "100rel", "timer", "replaces"})

# How long the answer to a REGISTER is kept for its retransmissions: the lifetime of
# the transaction it stands for (Timer J = 64*T1), and a bound on memory: about
# 1 KB each, so 100 MB at most, which covers 15 s of the most this server answers
# (3,300 registrations a second, two answers each) and 32 s of anything less.
ANSWER_MEMORY = 32.0
MAX_REMEMBERED_ANSWERS = 100_000

# A REGISTER as its retransmissions repeat it: top Via branch (or Call-ID), CSeq
# number, and where it came from.
AnswerKey = tuple[str, int, Peer]


@dataclass(frozen=True, slots=True)
class RegistrarPolicy:
    min_expires: int = 60
    max_expires: int = 3600
    default_expires: int = 3600
    max_bindings_per_extension: int = 10


class Registrar:
    def __init__(
        self,
        directory: Directory,
        gatekeeper: Gatekeeper,
        layer: PbxTransactions,
        sender: Sender,
        stats: dict[str, int],
        policy: RegistrarPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.directory = directory
        self.gatekeeper = gatekeeper
        self.layer = layer
        self.sender = sender
        self.stats = stats  # the server's counters: errors are counted there
        self.clock = clock
        self.wall = wall
        self.bindings = BindingUpdater(directory, policy or RegistrarPolicy())
        self.answers = RememberedAnswers()

    def receive(
        self, request: SipRequest, flow: Flow, now: float, *, retried: bool = False
    ) -> None:
        """Answer a REGISTER without a server transaction, remembering the answer.

        RFC 3261 §8.2.7 lets a UAS answer statelessly. A REGISTER needs no more of
        its transaction than the absorption of retransmissions, so the response is
        remembered for the transaction's lifetime (Timer J, 64*T1) and a
        retransmission gets the very same bytes back, as its transaction would have
        sent them. That spares the busiest request of a PBX (every phone, every few
        minutes, twice with the challenge) a transaction object and its timers.

        A malformed Via or CSeq raises ``SipParseError``: without them there is no
        answer to remember, and the server answers statelessly.
        """
        source = Peer(flow.transport, flow.host, flow.port)
        stamp_via(request, source)
        key = (request.top_via.branch or request.call_id, request.cseq.number, source)
        remembered = self.answers.recall(key, now)
        if remembered is not None and not retried:
            peer, data = remembered
            if peer is not None and data is not None:
                self.sender.send(peer, data)  # only datagrams' answers are remembered
            # else: the first copy is still being looked up; it will be answered.
            return
        try:
            response = self.answer(request, flow, now, retried=retried)
            if isinstance(response, str):
                self._look_up_then_receive(response, request, flow, key, now)
                return
        except SipParseError as error:
            response = error_response(request, error)
        except Exception:
            self.stats["errors"] += 1
            logger.exception("REGISTER from %s:%s failed", flow.host, flow.port)
            response = make_response(request, 500)
        self._send(request, response, flow, key, now)

    def receive_on_transaction(
        self,
        request: SipRequest,
        transaction: ServerTransaction,
        flow: Flow,
        now: float,
        *,
        retried: bool = False,
    ) -> None:
        """A REGISTER routed here through a preloaded Route, answered on its transaction
        (which absorbs its retransmissions)."""
        answer = self.answer(request, flow, now, retried=retried)
        if isinstance(answer, str):

            def retry() -> None:
                self.receive_on_transaction(request, transaction, flow, self.clock(), retried=True)

            if not self.directory.look_up_then(answer, retry):
                retry()  # nothing to read (or being read): judged now, failures counted
        else:
            self.layer.respond(transaction, answer)

    def answer(
        self, request: SipRequest, flow: Flow, now: float, *, retried: bool
    ) -> SipResponse | str:
        """The answer to a REGISTER: a response or, as a string, a username to look up
        before trying again."""
        # The headers the registrar reads (To, Contact, Expires...) are parsed when read,
        # and a malformed one gets 400 then; the rest is not worth parsing on the path
        # every phone takes every few minutes.
        unsupported = [token for token in request.require if token not in SUPPORTED_EXTENSIONS]
        if unsupported:
            return make_response(request, 420, headers=[("Unsupported", ", ".join(unsupported))])
        verdict = self.gatekeeper.check(request, flow, now, proxy=False, retried=retried)
        if verdict.entry is not None:
            return self.bindings.update(request, flow, verdict.entry, self.wall())
        if verdict.look_up is not None:
            return verdict.look_up
        assert verdict.response is not None
        return verdict.response

    def _look_up_then_receive(
        self, username: str, request: SipRequest, flow: Flow, key: AnswerKey, now: float
    ) -> None:
        """An extension made, or a password changed, since the last refresh: answer once
        it is read from the database. Retransmissions meanwhile are absorbed, not looked
        up again."""
        started = self.directory.look_up_then(
            username, lambda: self.receive(request, flow, self.clock(), retried=True)
        )
        if started:
            self.answers.remember(key, now, None, None)
            return
        # Nothing to read, or that user is being read for another request: judged now,
        # so that guesses sent while a look-up is under way count as failures too.
        self.receive(request, flow, now, retried=True)

    def _send(
        self, request: SipRequest, response: SipResponse, flow: Flow, key: AnswerKey, now: float
    ) -> None:
        """Send the answer to a REGISTER, remembered for its retransmissions."""
        data = response.serialize()
        _branch, _cseq, source = key
        peer = response_peer(request.top_via, source)
        if flow.connection is None:
            self.answers.remember(key, now, peer, data)
            self.sender.send(peer, data)
        else:
            # Only datagrams are retransmitted (§17.1.2.2): over TCP and WebSocket,
            # nothing comes back for the memory to answer.
            self.answers.forget(key)
            flow.send(data)


class RememberedAnswers:
    """Answers to REGISTERs sent in the last ANSWER_MEMORY seconds, in the order sent,
    for their retransmissions (no peer and data yet: the extension is being looked up)."""

    def __init__(self, limit: int = MAX_REMEMBERED_ANSWERS) -> None:
        self.limit = limit
        self._answers: dict[AnswerKey, tuple[float, Peer | None, bytes | None]] = {}

    def __len__(self) -> int:
        return len(self._answers)

    def recall(self, key: AnswerKey, now: float) -> tuple[Peer | None, bytes | None] | None:
        self._forget_old(now)
        remembered = self._answers.get(key)
        if remembered is None:
            return None
        _deadline, peer, data = remembered
        return peer, data

    def remember(self, key: AnswerKey, now: float, peer: Peer | None, data: bytes | None) -> None:
        answers = self._answers
        answers.pop(key, None)  # re-inserted at the end: the dict stays in sending order
        if len(answers) >= self.limit:
            # Under a flood the oldest give way: they are the least likely to be
            # retransmitted (a client's retransmissions thin out as T1 doubles).
            del answers[next(iter(answers))]
        answers[key] = (now + ANSWER_MEMORY, peer, data)

    def forget(self, key: AnswerKey) -> None:
        self._answers.pop(key, None)

    def _forget_old(self, now: float) -> None:
        # Remembered in the order sent, so the expired ones are at the front.
        answers = self._answers
        while answers:
            oldest = next(iter(answers))
            if answers[oldest][0] > now:
                return
            del answers[oldest]


class BindingUpdater:
    """Steps 4 to 8 of §10.3: an authenticated REGISTER's contacts applied to the bindings
    of its address of record, and the 200 that lists them."""

    def __init__(self, directory: Directory, policy: RegistrarPolicy) -> None:
        self.directory = directory
        self.policy = policy

    def update(
        self, request: SipRequest, flow: Flow, entry: DirectoryEntry, wall: float
    ) -> SipResponse:
        """The final response to an authenticated REGISTER from ``entry``'s credentials."""
        to_uri = request.to.uri
        if not isinstance(to_uri, SipUri) or to_uri.user != entry.number:
            # A member may bind devices to their own extension only.
            return make_response(request, 403, "Forbidden (To does not match the credentials)")
        # "Contact: *" reads as no contacts; only then is the wildcard worth looking for.
        contacts = request.contacts
        if not contacts:
            if request.is_contact_wildcard:
                return self._remove_all(request, entry, wall)
            return self._ok(request, entry, wall)
        default = request.expires
        wanted: list[tuple[NameAddress, str, int]] = []
        for contact in contacts:
            expires = contact.expires
            if expires is None:
                expires = default if default is not None else self.policy.default_expires
            if 0 < expires < self.policy.min_expires:
                return make_response(
                    request, 423, headers=[("Min-Expires", str(self.policy.min_expires))]
                )
            # The key and the URI text are worked out once per contact: both serialise it.
            wanted.append((contact, binding_key(contact), min(expires, self.policy.max_expires)))
        call_id = request.call_id
        cseq = request.cseq.number
        stored = {b.binding_key: b for b in self.directory.live_bindings(entry.extension_id, wall)}
        for _contact, key, _expires in wanted:
            previous = stored.get(key)
            if previous is not None and previous.call_id == call_id and previous.cseq >= cseq:
                # An old REGISTER arriving after a newer one (RFC 3261 §10.3 step 7).
                return make_response(request, 500, "Out Of Order Registration")
        user_agent = request.header("User-Agent") or ""
        path = ", ".join(request.header_values("Path"))
        for contact, key, expires in wanted:
            if expires == 0:
                self.directory.remove_binding(entry.extension_id, key)
                stored.pop(key, None)
                continue
            previous = stored.get(key)
            binding = Binding(
                extension_id=entry.extension_id,
                binding_key=key,
                contact_uri=str(contact.uri),
                q=contact.q,
                transport=flow.transport,
                received_host=flow.host,
                received_port=flow.port,
                connection_key=flow.connection_key if flow.transport in CONNECTION_ORIENTED else "",
                node=self.directory.node,
                path=path,
                user_agent=user_agent[:255],
                instance_id=(contact.instance or "")[:255],
                reg_id=contact.reg_id,
                call_id=call_id,
                cseq=cseq,
                registered_at=previous.registered_at if previous is not None else wall,
                expires_at=wall + expires,
            )
            self.directory.save_binding(binding, previous)
            stored[key] = binding
        self._enforce_limit(entry.extension_id, wall)
        return self._ok(request, entry, wall)

    def _remove_all(self, request: SipRequest, entry: DirectoryEntry, wall: float) -> SipResponse:
        if request.expires != 0:
            return make_response(request, 400, "Bad Request (Contact * needs Expires: 0)")
        call_id, cseq = request.call_id, request.cseq.number
        for binding in self.directory.live_bindings(entry.extension_id, wall):
            if binding.call_id == call_id and binding.cseq >= cseq:
                continue
            self.directory.remove_binding(entry.extension_id, binding.binding_key)
        return self._ok(request, entry, wall)

    def _enforce_limit(self, extension_id: int, wall: float) -> None:
        live = self.directory.live_bindings(extension_id, wall)
        if len(live) <= self.policy.max_bindings_per_extension:
            return
        # Too many devices: the ones registered longest ago give way.
        oldest_first = sorted(live, key=lambda b: b.registered_at)
        for binding in oldest_first[: len(live) - self.policy.max_bindings_per_extension]:
            self.directory.remove_binding(extension_id, binding.binding_key)

    def _ok(self, request: SipRequest, entry: DirectoryEntry, wall: float) -> SipResponse:
        headers = [
            ("Contact", contact_value(binding, wall))
            for binding in self.directory.live_bindings(entry.extension_id, wall)
        ]
        if request.has_header("Supported"):
            supported = request.supported
            if "path" in supported:
                headers.extend(("Path", value) for value in request.header_values("Path"))
            if "outbound" in supported and any(c.reg_id is not None for c in request.contacts):
                # The UA learns that its flows are kept (RFC 5626 §6): keep-alives are
                # answered here (CRLF on streams, STUN on UDP) and its flow is used.
                headers.append(("Require", "outbound"))
        return make_response(request, 200, to_tag=new_tag(), headers=headers)


def binding_key(contact: NameAddress) -> str:
    """The identity of a binding: instance and reg-id (RFC 5626) or the contact URI."""
    instance = contact.instance
    if instance:
        return f"instance:{instance};reg-id={contact.reg_id or 0}"[:512]
    return str(contact.uri)[:512]


def contact_value(binding: Binding, wall: float) -> str:
    """A binding as the 200 OK lists it, with what RFC 5626 asks to be echoed."""
    value = f"<{binding.contact_uri}>;expires={max(0, int(binding.expires_at - wall))}"
    if binding.instance_id:
        value += f';+sip.instance="<{binding.instance_id}>"'
        if binding.reg_id is not None:
            value += f";reg-id={binding.reg_id}"
    return value
