"""Busy lamps: the dialog event package (RFC 4235) for the extensions of one's company.

    SUBSCRIBE sip:202@domain  Event: dialog        (digest-authenticated; 202 is the
        --> 200 (Expires)                           subscriber's own or a colleague's)
        --> NOTIFY  Content-Type: application/dialog-info+xml
            <dialog-info version="0" state="full" entity="sip:202@domain">
              <dialog id="..." call-id="..." direction="recipient"><state>early</state>...

The proxy tells ``DialogEvents.changed`` when a call of an extension is tried, rings
(early), is answered (confirmed) and ends (terminated); every subscription watching
that extension gets a NOTIFY with the extension's calls as they are now (full state:
simple to read for a desk phone's key, and a lost NOTIFY is repaired by the next one).
An ended call is in one NOTIFY, as terminated, and then forgotten.

Who may watch whom: a member watches their own extension and those of the people of
their companies; the memberships are read every ``REFRESH`` seconds in a worker thread
(a colleague who joined a moment ago may be watched after that).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from officina.accounts.selectors import company_ids_of_members
from officina.pbx.subscriptions import Subscription, Subscriptions
from officina.sip import SipRequest, SipUri

if TYPE_CHECKING:
    from officina.pbx.directory import Directory
    from officina.pbx.selectors import DirectoryEntry
    from officina.pbx.transaction_layer import PbxTransactions

logger = logging.getLogger("officina.pbx.dialog_events")

NAMESPACE = "urn:ietf:params:xml:ns:dialog-info"
REFRESH = 5.0
# The calls of one extension told at once (a phone rings with a handful at most); beyond
# it the oldest is dropped, so a NOTIFY stays well inside a UDP datagram.
MAX_CALLS_PER_EXTENSION = 16

INITIATOR, RECIPIENT = "initiator", "recipient"
TRYING, EARLY, CONFIRMED, TERMINATED = "trying", "early", "confirmed", "terminated"
_ORDER = {TRYING: 0, EARLY: 1, CONFIRMED: 2, TERMINATED: 3}


@dataclass(slots=True)
class CallState:
    call_id: str
    direction: str
    state: str
    remote: str  # the other party's number


class DialogEvents(Subscriptions):
    event = "dialog"
    content_type = "application/dialog-info+xml"
    # A desk phone with a side-car watches up to a hundred or so colleagues.
    max_per_subscriber = 200

    def __init__(
        self,
        layer: PbxTransactions,
        domain: str,
        clock: Callable[[], float],
        directory: Directory,
    ) -> None:
        super().__init__(layer, domain, clock)
        self.directory = directory
        self.calls: dict[int, dict[str, CallState]] = {}  # extension id -> Call-ID -> state
        self.companies: dict[int, tuple[int, ...]] = {}  # member id -> their companies

    # ------------------------------------------------------------------ who may watch
    def watched(self, request: SipRequest, entry: DirectoryEntry) -> int | None:
        uri = request.uri
        if not isinstance(uri, SipUri) or not uri.user:
            return None
        if uri.user == entry.number:
            return entry.extension_id
        other = self.directory.entry(uri.user)
        if other is None or not self.colleagues(entry, other):
            return None
        return other.extension_id

    def colleagues(self, entry: DirectoryEntry, other: DirectoryEntry) -> bool:
        """Whether the members of the two extensions share a company."""
        if entry.member_id is None or other.member_id is None:
            return False
        mine = self.companies.get(entry.member_id, ())
        theirs = self.companies.get(other.member_id, ())
        return bool(set(mine) & set(theirs))

    def forbidden_reason(self) -> str:
        return "Forbidden (not an extension of your company)"

    # ------------------------------------------------------------------ calls
    def changed(
        self,
        call_id: str,
        extension_id: int | None,
        direction: str,
        state: str,
        remote: str = "",
    ) -> None:
        """A call of ``extension_id`` reached ``state``; its watchers are told."""
        if not extension_id:
            return
        calls = self.calls.get(extension_id)
        known = calls.get(call_id) if calls is not None else None
        if known is not None and _ORDER[state] <= _ORDER[known.state]:
            return  # a later fork's "trying" after the call already rang, say
        if known is None:
            if state == TERMINATED:
                return  # never told as begun: nothing to end
            if calls is None:
                calls = self.calls[extension_id] = {}
            if len(calls) >= MAX_CALLS_PER_EXTENSION:
                calls.pop(next(iter(calls)))
            calls[call_id] = CallState(call_id, direction, state, remote)
        else:
            known.state = state
        assert calls is not None
        for subscription in self.watching(extension_id):
            self.notify(subscription)
        if state == TERMINATED:
            del calls[call_id]
            if not calls:
                del self.calls[extension_id]

    def body(self, subscription: Subscription, *, terminated: bool) -> bytes:
        entry = self.directory.by_id.get(subscription.extension_id)
        number = entry.number if entry is not None else ""
        info = ElementTree.Element(
            "dialog-info",
            {
                "xmlns": NAMESPACE,
                "version": str(subscription.cseq),  # one higher with every NOTIFY
                "state": "full",
                "entity": f"sip:{number}@{self.domain}",
            },
        )
        calls = () if terminated else self.calls.get(subscription.extension_id, {}).values()
        for call in calls:
            dialog = ElementTree.SubElement(
                info,
                "dialog",
                {"id": call.call_id, "call-id": call.call_id, "direction": call.direction},
            )
            ElementTree.SubElement(dialog, "state").text = call.state
            if call.remote:
                remote = ElementTree.SubElement(dialog, "remote")
                ElementTree.SubElement(remote, "identity").text = f"sip:{call.remote}@{self.domain}"
        document: bytes = ElementTree.tostring(info, encoding="utf-8", xml_declaration=True)
        return document

    # ------------------------------------------------------------------ memberships
    def _read_companies(self) -> dict[int, tuple[int, ...]]:
        members = [e.member_id for e in list(self.directory.by_id.values()) if e.member_id]
        return company_ids_of_members(members)

    async def load(self) -> None:
        loop = asyncio.get_running_loop()
        self.companies = await loop.run_in_executor(None, self._read_companies)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(REFRESH)
            self.expire()
            try:
                await self.load()
            except Exception:
                logger.exception("companies of members not read")
