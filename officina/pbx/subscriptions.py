"""Subscriptions to events of an extension (RFC 6665): what every event package the PBX
serves shares, from the SUBSCRIBE to the NOTIFYs.

    SUBSCRIBE sip:201@domain  Event: <package>     (digest-authenticated; the package
        --> 200 (Expires)                           says whose events the phone may watch)
        --> NOTIFY  Subscription-State: active;expires=N   (the state now)
        ... NOTIFY whenever the package says the watched extension changed
    refresh SUBSCRIBE in the dialog --> 200 (+ NOTIFY);  Expires: 0 --> 200, NOTIFY terminated

A package (message-waiting, dialog state) subclasses ``Subscriptions`` and names its
event, its body and who may watch what; the bounds, the dialog and the NOTIFY's
headers are here, once.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from officina.sip import SipParseError, SipRequest, SipUri, make_response, numbered_tags
from officina.sip.rport import Peer

if TYPE_CHECKING:
    from officina.pbx.selectors import DirectoryEntry
    from officina.pbx.transaction_layer import PbxTransactions
    from officina.pbx.transports.base import Flow
    from officina.sip import ClientTransaction, ServerTransaction, SipResponse

MIN_EXPIRES, MAX_EXPIRES, DEFAULT_EXPIRES = 60, 3600, 3600


@dataclass(slots=True)
class Subscription:
    call_id: str
    local_tag: str
    subscriber_id: int  # the extension that subscribed
    extension_id: int  # the extension whose events it watches (0: a number of no extension)
    target: str  # the subscriber's Contact
    peer: Peer
    from_header: str  # ours: the SUBSCRIBE's To with our tag
    to_header: str  # the SUBSCRIBE's From
    expires_at: float
    cseq: int = 0
    resource: str = ""  # the number it watches, as subscribed (the Request-URI's user)
    told: object = None  # what the last NOTIFY said, for packages that tell only changes


class Subscriptions:
    """The subscriptions to one event package, by Call-ID."""

    event: ClassVar[str]
    content_type: ClassVar[str]
    # A few per phone for a mailbox; beyond the total new ones get 503.
    max_subscriptions: ClassVar[int] = 50_000
    # Per subscribing extension (a desk phone's keys, its side-car); beyond it 403.
    max_per_subscriber: ClassVar[int] = 10

    def __init__(self, layer: PbxTransactions, domain: str, clock: Callable[[], float]) -> None:
        self.layer = layer
        self.domain = domain
        self.clock = clock
        self.subscriptions: dict[str, Subscription] = {}
        self.per_subscriber: Counter[int] = Counter()
        self._tags = numbered_tags()
        self.notified = 0

    # ------------------------------------------------------------------ the package's part
    def watched(self, request: SipRequest, entry: DirectoryEntry) -> int | None:
        """The extension whose events ``entry`` asks for (0: a number that is no
        extension, which the package serves by ``Subscription.resource``), or None when
        it may not."""
        raise NotImplementedError

    def forbidden_reason(self) -> str:
        return "Forbidden"

    def body(self, subscription: Subscription, *, terminated: bool) -> bytes:
        raise NotImplementedError

    def subscribed(self, subscription: Subscription) -> None:
        """A new subscription is kept: tell it the state now."""
        self.notify(subscription)

    def lost(self, subscription: Subscription) -> None:
        """A NOTIFY of ``subscription`` was not taken (no answer, or refused with a
        status that leaves the subscription alive): a package that tells only changes
        tells everything next time."""

    # ------------------------------------------------------------------ SUBSCRIBE
    def subscribe(
        self, request: SipRequest, server: ServerTransaction, flow: Flow, entry: DirectoryEntry
    ) -> None:
        """A new subscription from the authenticated ``entry``."""
        accept = request.header("Accept")
        if accept is not None and not _accepts(accept, self.content_type):
            self.layer.respond(
                server, make_response(request, 406, headers=[("Accept", self.content_type)])
            )
            return
        extension_id = self.watched(request, entry)
        if extension_id is None:
            self.layer.respond(server, make_response(request, 403, self.forbidden_reason()))
            return
        expires = expires_asked(request)
        if expires is None:
            self.layer.respond(server, make_response(request, 400, "Bad Request (Expires)"))
            return
        if 0 < expires < MIN_EXPIRES:
            self.layer.respond(
                server, make_response(request, 423, headers=[("Min-Expires", str(MIN_EXPIRES))])
            )
            return
        if expires and len(self.subscriptions) >= self.max_subscriptions:
            self.layer.respond(server, make_response(request, 503))
            return
        if expires and self.per_subscriber[entry.extension_id] >= self.max_per_subscriber:
            self.layer.respond(
                server,
                make_response(
                    request,
                    403,
                    f"Forbidden (at most {self.max_per_subscriber} subscriptions per phone)",
                ),
            )
            return
        contacts = request.contacts
        uri = request.uri
        tag = self._tags.next()
        subscription = Subscription(
            call_id=request.call_id,
            local_tag=tag,
            subscriber_id=entry.extension_id,
            extension_id=extension_id,
            target=str(contacts[0].uri) if contacts else str(request.from_.uri),
            peer=self.layer.peer_for_flow(flow),
            from_header=f"{request.header('To')};tag={tag}",
            to_header=request.header("From") or "",
            expires_at=self.clock() + expires,
            resource=uri.user if isinstance(uri, SipUri) and uri.user else "",
        )
        self._answer(server, request, subscription, expires, to_tag=tag)
        if expires == 0:
            self.notify(subscription, terminated=True)
            return
        self._forget(request.call_id)  # a new subscription in the same Call-ID replaces it
        self.subscriptions[subscription.call_id] = subscription
        self.per_subscriber[entry.extension_id] += 1
        self.subscribed(subscription)

    def in_dialog(self, request: SipRequest, server: ServerTransaction) -> bool:
        """A refresh (or end) of one of our subscriptions; False when it is not ours."""
        subscription = self.subscriptions.get(request.call_id)
        if subscription is None or request.to_tag != subscription.local_tag:
            return False
        if request.method != "SUBSCRIBE":
            self.layer.respond(
                server, make_response(request, 405, headers=[("Allow", "SUBSCRIBE")])
            )
            return True
        expires = expires_asked(request)
        if expires is None or 0 < expires < MIN_EXPIRES:
            self.layer.respond(server, make_response(request, 400, "Bad Request (Expires)"))
            return True
        subscription.expires_at = self.clock() + expires
        self._answer(server, request, subscription, expires, to_tag=None)
        if expires == 0:
            self._forget(subscription.call_id)
            self.notify(subscription, terminated=True)
        else:
            self.notify(subscription)
        return True

    def _answer(
        self,
        server: ServerTransaction,
        request: SipRequest,
        subscription: Subscription,
        expires: int,
        *,
        to_tag: str | None,
    ) -> None:
        host, port = self.layer.sender.local_via(subscription.peer.transport)
        self.layer.respond(
            server,
            make_response(
                request,
                200,
                to_tag=to_tag,
                headers=[("Expires", str(expires)), ("Contact", f"<sip:events@{host}:{port}>")],
            ),
        )

    def _forget(self, call_id: str) -> None:
        gone = self.subscriptions.pop(call_id, None)
        if gone is not None:
            self.per_subscriber[gone.subscriber_id] -= 1
            if self.per_subscriber[gone.subscriber_id] <= 0:
                del self.per_subscriber[gone.subscriber_id]

    def expire(self) -> None:
        """Forget the subscriptions their phones did not refresh in time."""
        now = self.clock()
        for subscription in list(self.subscriptions.values()):
            if subscription.expires_at <= now:
                self._forget(subscription.call_id)

    def watching(self, extension_id: int) -> list[Subscription]:
        return [s for s in self.subscriptions.values() if s.extension_id == extension_id]

    # ------------------------------------------------------------------ NOTIFY
    def notify(
        self, subscription: Subscription, *, terminated: bool = False, body: bytes | None = None
    ) -> None:
        """Send a NOTIFY: ``body`` when the package made it, else ``self.body``'s."""
        if body is None:
            body = self.body(subscription, terminated=terminated)
        subscription.cseq += 1
        left = max(int(subscription.expires_at - self.clock()), 0)
        state = "terminated;reason=timeout" if terminated else f"active;expires={left}"
        notify = SipRequest(
            "NOTIFY",
            subscription.target,
            [
                ("Max-Forwards", "70"),
                ("From", subscription.from_header),
                ("To", subscription.to_header),
                ("Call-ID", subscription.call_id),
                ("CSeq", f"{subscription.cseq} NOTIFY"),
                ("Event", self.event),
                ("Subscription-State", state),
                ("Content-Type", self.content_type),
                ("Content-Length", str(len(body))),
            ],
            body,
        )

        def answered(_client: ClientTransaction, response: SipResponse) -> None:
            if response.status in (404, 405, 481, 489):  # the phone forgot it (RFC 6665 §4.2.2)
                self._forget(subscription.call_id)
            elif response.status >= 300:
                self.lost(subscription)

        try:
            self.layer.forward(
                notify, subscription.peer, answered, lambda _client: self.lost(subscription)
            )
            self.notified += 1
        except SipParseError:
            self._forget(subscription.call_id)


class NotifiesInTurn:
    """The NOTIFYs we send in one dialog, one at a time: each goes once the one before
    has its final answer (or had none in 64*T1). Two in flight over UDP can arrive in
    the other order, and the phone must then refuse the earlier one, its CSeq now the
    lower (RFC 3261 §12.2.2): a transferor would hear of "180 Ringing" after the
    transfer's "200 OK", or never of the end. The desk relays a browser's NOTIFYs as
    they come, and a browser sends the last a moment after the one before."""

    def __init__(self) -> None:
        self._out = False  # a NOTIFY is waiting for its answer
        self._waiting: deque[Callable[[], None]] = deque()

    def send(
        self,
        send: Callable[[Callable[[SipResponse | None], None]], None],
        on_answer: Callable[[SipResponse | None], None],
    ) -> None:
        """``send`` the NOTIFY (it gets who takes the final answer, or None for none)
        now, or after those before it; ``on_answer`` then gets that answer."""

        taken = False

        def answered(answer: SipResponse | None) -> None:
            nonlocal taken
            if taken:  # a late answer after the wait gave up, say
                return
            taken = True
            self._out = False
            on_answer(answer)
            self._next()

        self._waiting.append(lambda: send(answered))
        self._next()

    def _next(self) -> None:
        if not self._out and self._waiting:
            self._out = True
            self._waiting.popleft()()


def event_of(request: SipRequest) -> str:
    """The event package a SUBSCRIBE names, without its parameters."""
    return (request.header("Event") or "").split(";")[0].strip().lower()


def expires_asked(request: SipRequest) -> int | None:
    """The Expires a SUBSCRIBE asks for, capped; None when it cannot be read."""
    value = request.header("Expires")
    if value is None:
        return DEFAULT_EXPIRES
    value = value.strip()
    if not value.isdigit() or len(value) > 10:
        return None
    return min(int(value), MAX_EXPIRES)


def _accepts(accept: str, content_type: str) -> bool:
    kinds = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    major = content_type.split("/")[0]
    return bool(kinds & {content_type, f"{major}/*", "*/*", ""})
