"""Message-waiting indication (RFC 3842 over RFC 6665 events): phones subscribe to their
own mailbox's ``message-summary`` and are told, by NOTIFY, when messages wait.

    SUBSCRIBE sip:201@domain  Event: message-summary   (digest-authenticated; a member
        --> 200 (Expires)                                 subscribes to their own box)
        --> NOTIFY  Subscription-State: active;expires=N
                    Messages-Waiting: yes
                    Message-Account: sip:*97@domain
                    Voice-Message: 2/1 (0/0)            (new/saved)
    refresh SUBSCRIBE in the dialog --> 200 (+ NOTIFY);  Expires: 0 --> 200, NOTIFY terminated

The subscriptions themselves (bounds, dialog, NOTIFY) are ``subscriptions.py``'s. The
counts are read from the database every ``REFRESH`` seconds, for the
subscribed extensions only, in a worker thread: a message left, heard on the
web page or deleted from another process is announced within that time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from officina.pbx.subscriptions import Subscription, Subscriptions
from officina.sip import SipRequest, SipUri
from officina.voicemail.kinds import LISTEN_NUMBER
from officina.voicemail.selectors import unheard_counts

if TYPE_CHECKING:
    from officina.pbx.selectors import DirectoryEntry
    from officina.pbx.transaction_layer import PbxTransactions

logger = logging.getLogger("officina.pbx.mwi")

EVENT = "message-summary"
REFRESH = 2.0


class MessageWaiting(Subscriptions):
    event = EVENT
    content_type = "application/simple-message-summary"

    def __init__(self, layer: PbxTransactions, domain: str, clock: Callable[[], float]) -> None:
        super().__init__(layer, domain, clock)
        self.counts: dict[int, tuple[int, int]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def watched(self, request: SipRequest, entry: DirectoryEntry) -> int | None:
        uri = request.uri
        if not isinstance(uri, SipUri) or uri.user not in (entry.number, LISTEN_NUMBER):
            return None
        return entry.extension_id

    def forbidden_reason(self) -> str:
        return "Forbidden (not your mailbox)"

    def subscribed(self, subscription: Subscription) -> None:
        if subscription.extension_id in self.counts:
            self.notify(subscription)
        else:
            self._read_counts_soon()

    def body(self, subscription: Subscription, *, terminated: bool) -> bytes:
        new, saved = self.counts.get(subscription.extension_id, (0, 0))
        subscription.told = (new, saved)
        return (
            f"Messages-Waiting: {'yes' if new else 'no'}\r\n"
            f"Message-Account: sip:{LISTEN_NUMBER}@{self.domain}\r\n"
            f"Voice-Message: {new}/{saved} (0/0)\r\n"
        ).encode()

    def counts_read(self, counts: dict[int, tuple[int, int]]) -> None:
        """New counts from the database: tell every subscription whose box changed."""
        self.counts.update(counts)
        self.expire()
        for subscription in list(self.subscriptions.values()):
            if counts.get(subscription.extension_id, subscription.told) != subscription.told:
                self.notify(subscription)

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
