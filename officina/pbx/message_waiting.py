"""Message-waiting indication (RFC 3842 over RFC 6665 events): phones subscribe to their
own mailbox's ``message-summary`` and are told, by NOTIFY, when messages wait.

    SUBSCRIBE sip:201@domain  Event: message-summary   (digest-authenticated; a member
        --> 200 (Expires)                                 subscribes to their own box)
        --> NOTIFY  Subscription-State: active;expires=N
                    Messages-Waiting: yes
                    Message-Account: sip:*97@domain
                    Voice-Message: 2/1 (0/0)            (new/saved)
    refresh SUBSCRIBE in the dialog --> 200 (+ NOTIFY);  Expires: 0 --> 200, NOTIFY terminated

The counts are read from the database every ``REFRESH`` seconds, for the
subscribed extensions only, in a worker thread: a message left, heard on the
web page or deleted from another process is announced within that time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from officina.sip import SipParseError, SipRequest, SipUri, make_response, numbered_tags
from officina.sip.rport import Peer
from officina.voicemail.kinds import LISTEN_NUMBER
from officina.voicemail.selectors import unheard_counts

if TYPE_CHECKING:
    from officina.pbx.selectors import DirectoryEntry
    from officina.pbx.transaction_layer import PbxTransactions
    from officina.pbx.transports.base import Flow
    from officina.sip import ClientTransaction, ServerTransaction, SipResponse

logger = logging.getLogger("officina.pbx.mwi")

EVENT = "message-summary"
MIN_EXPIRES, MAX_EXPIRES, DEFAULT_EXPIRES = 60, 3600, 3600
REFRESH = 2.0
MAX_SUBSCRIPTIONS = 50_000  # a few per phone; beyond it new ones get 503


@dataclass(slots=True)
class Subscription:
    call_id: str
    local_tag: str
    extension_id: int
    target: str  # the subscriber's Contact
    peer: Peer
    from_header: str  # ours: the SUBSCRIBE's To with our tag
    to_header: str  # the SUBSCRIBE's From
    expires_at: float
    cseq: int = 0
    told: tuple[int, int] | None = None


class MessageWaiting:
    def __init__(self, layer: PbxTransactions, domain: str, clock: Callable[[], float]) -> None:
        self.layer = layer
        self.domain = domain
        self.clock = clock
        self.subscriptions: dict[str, Subscription] = {}
        self.counts: dict[int, tuple[int, int]] = {}
        self._tags = numbered_tags()
        self._tasks: set[asyncio.Task[None]] = set()
        self.notified = 0

    # ------------------------------------------------------------------ SUBSCRIBE
    def subscribe(
        self, request: SipRequest, server: ServerTransaction, flow: Flow, entry: DirectoryEntry
    ) -> None:
        """A new subscription from the authenticated ``entry``."""
        event = (request.header("Event") or "").split(";")[0].strip().lower()
        if event != EVENT:
            self.layer.respond(
                server, make_response(request, 489, headers=[("Allow-Events", EVENT)])
            )
            return
        uri = request.uri
        if not isinstance(uri, SipUri) or uri.user not in (entry.number, LISTEN_NUMBER):
            self.layer.respond(server, make_response(request, 403, "Forbidden (not your mailbox)"))
            return
        expires = _expires(request)
        if expires is None:
            self.layer.respond(server, make_response(request, 400, "Bad Request (Expires)"))
            return
        if 0 < expires < MIN_EXPIRES:
            self.layer.respond(
                server, make_response(request, 423, headers=[("Min-Expires", str(MIN_EXPIRES))])
            )
            return
        if len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
            self.layer.respond(server, make_response(request, 503))
            return
        contacts = request.contacts
        tag = self._tags.next()
        subscription = Subscription(
            call_id=request.call_id,
            local_tag=tag,
            extension_id=entry.extension_id,
            target=str(contacts[0].uri) if contacts else str(request.from_.uri),
            peer=self.layer.peer_for_flow(flow),
            from_header=f"{request.header('To')};tag={tag}",
            to_header=request.header("From") or "",
            expires_at=self.clock() + expires,
        )
        self._answer(server, request, subscription, expires, to_tag=tag)
        if expires == 0:
            self._notify(subscription, terminated=True)
            return
        self.subscriptions[subscription.call_id] = subscription
        if entry.extension_id in self.counts:
            self._notify(subscription)
        else:
            self._read_counts_soon()

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
        expires = _expires(request)
        if expires is None or 0 < expires < MIN_EXPIRES:
            self.layer.respond(server, make_response(request, 400, "Bad Request (Expires)"))
            return True
        subscription.expires_at = self.clock() + expires
        self._answer(server, request, subscription, expires, to_tag=None)
        if expires == 0:
            del self.subscriptions[subscription.call_id]
            self._notify(subscription, terminated=True)
        else:
            self._notify(subscription)
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
                headers=[("Expires", str(expires)), ("Contact", f"<sip:mwi@{host}:{port}>")],
            ),
        )

    # ------------------------------------------------------------------ NOTIFY
    def _notify(self, subscription: Subscription, *, terminated: bool = False) -> None:
        new, saved = self.counts.get(subscription.extension_id, (0, 0))
        subscription.told = (new, saved)
        subscription.cseq += 1
        left = max(int(subscription.expires_at - self.clock()), 0)
        state = "terminated;reason=timeout" if terminated else f"active;expires={left}"
        body = (
            f"Messages-Waiting: {'yes' if new else 'no'}\r\n"
            f"Message-Account: sip:{LISTEN_NUMBER}@{self.domain}\r\n"
            f"Voice-Message: {new}/{saved} (0/0)\r\n"
        ).encode()
        notify = SipRequest(
            "NOTIFY",
            subscription.target,
            [
                ("Max-Forwards", "70"),
                ("From", subscription.from_header),
                ("To", subscription.to_header),
                ("Call-ID", subscription.call_id),
                ("CSeq", f"{subscription.cseq} NOTIFY"),
                ("Event", EVENT),
                ("Subscription-State", state),
                ("Content-Type", "application/simple-message-summary"),
                ("Content-Length", str(len(body))),
            ],
            body,
        )

        def answered(_client: ClientTransaction, response: SipResponse) -> None:
            if response.status in (404, 405, 481, 489):  # the phone forgot it (RFC 6665 §4.2.2)
                self.subscriptions.pop(subscription.call_id, None)

        try:
            self.layer.forward(notify, subscription.peer, answered, lambda _client: None)
            self.notified += 1
        except SipParseError:
            self.subscriptions.pop(subscription.call_id, None)

    def counts_read(self, counts: dict[int, tuple[int, int]]) -> None:
        """New counts from the database: tell every subscription whose box changed."""
        self.counts.update(counts)
        now = self.clock()
        for subscription in list(self.subscriptions.values()):
            if subscription.expires_at <= now:
                del self.subscriptions[subscription.call_id]
                continue
            if counts.get(subscription.extension_id, subscription.told) != subscription.told:
                self._notify(subscription)

    def _read_counts_soon(self) -> None:
        # Held until done: the loop keeps only weak references to its tasks.
        task = asyncio.get_running_loop().create_task(self._read_counts())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read_counts(self) -> None:
        extensions = sorted({s.extension_id for s in self.subscriptions.values()})
        if not extensions:
            return
        loop = asyncio.get_running_loop()
        try:
            counts = await loop.run_in_executor(None, unheard_counts, extensions)
        except Exception:
            logger.exception("message counts not read")
            return
        self.counts_read(counts)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(REFRESH)
            await self._read_counts()


def _expires(request: SipRequest) -> int | None:
    value = request.header("Expires")
    if value is None:
        return DEFAULT_EXPIRES
    value = value.strip()
    if not value.isdigit() or len(value) > 10:
        return None
    return min(int(value), MAX_EXPIRES)
