"""Busy lamps: the dialog event package (RFC 4235) for the extensions and ring groups of
one's company.

    SUBSCRIBE sip:202@domain  Event: dialog        (digest-authenticated; 202 is the
        --> 200 (Expires)                           subscriber's own, a colleague's, or
                                                    a ring group of their company)
        --> NOTIFY  Content-Type: application/dialog-info+xml
            <dialog-info version="0" state="full" entity="sip:202@domain">
              <dialog id="..." call-id="..." local-tag="..." remote-tag="..."
                      direction="recipient"><state>early</state>
                <local><identity>sip:202@domain</identity></local>
                <remote><identity>sip:201@domain</identity></remote>...

The proxy tells ``DialogEvents.changed`` when a call of a number is tried, rings
(early), is answered (confirmed) and ends (terminated); for a hunting group's person,
also terminated when the hunt stops ringing them and moves on. A new or refreshed
subscription gets the number's calls as they are now (``state="full"``); after that
each change is told alone (``state="partial"``, the one dialog that changed), the
``version`` one higher with every NOTIFY (§4.1). A NOTIFY the phone did not take (no
answer, an error) leaves it out of step: the next one is full again. An ended call is
told once, as terminated, and then forgotten.

A dialog is told from the watched number's side: ``local-tag`` is its phone's tag,
``remote-tag`` the other party's; for a call ringing on the watched extension that is
the early dialog a BLF key picks up with ``Replaces`` (§5, RFC 3891; ``pickup.py``).
Tags are told once known: the caller's at once, the callee's when a phone answers
the INVITE with one.

A ring group's number is a line of its own: lit while a call to the group rings
(trying, early), confirmed when one of its people answers, terminated when the call
ends.

Who may watch whom: a member watches their own extension, those of the people of
their companies and their companies' ring groups; the memberships are read every
``REFRESH`` seconds in a worker thread (a colleague who joined a moment ago may be
watched after that).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from officina.accounts.selectors import company_ids_of_members
from officina.pbx.subscriptions import Subscription, Subscriptions
from officina.sip import SipRequest, SipUri

if TYPE_CHECKING:
    from officina.pbx.directory import Directory
    from officina.pbx.ring_groups import RingGroups
    from officina.pbx.selectors import DirectoryEntry
    from officina.pbx.transaction_layer import PbxTransactions

logger = logging.getLogger("officina.pbx.dialog_events")

NAMESPACE = "urn:ietf:params:xml:ns:dialog-info"
REFRESH = 5.0
# The calls of one number told at once (a phone rings with a handful at most); beyond
# it the oldest is dropped, so a NOTIFY stays well inside a UDP datagram.
MAX_CALLS_PER_EXTENSION = 16

INITIATOR, RECIPIENT = "initiator", "recipient"
TRYING, EARLY, CONFIRMED, TERMINATED = "trying", "early", "confirmed", "terminated"
_ORDER = {TRYING: 0, EARLY: 1, CONFIRMED: 2, TERMINATED: 3}
FULL, PARTIAL = "full", "partial"
IN_STEP = "in step"  # ``Subscription.told``: the phone has every NOTIFY so far


@dataclass(slots=True)
class CallState:
    """One call of a watched number, from that number's side."""

    call_id: str
    direction: str
    state: str
    remote: str  # the other party's number
    local_tag: str = ""  # the watched side's tag
    remote_tag: str = ""  # the other party's


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
        ring_groups: RingGroups | None = None,
    ) -> None:
        super().__init__(layer, domain, clock)
        self.directory = directory
        self.ring_groups = ring_groups
        self.calls: dict[str, dict[str, CallState]] = {}  # number -> Call-ID -> state
        self.companies: dict[int, tuple[int, ...]] = {}  # member id -> their companies

    # ------------------------------------------------------------------ who may watch
    def watched(self, request: SipRequest, entry: DirectoryEntry) -> int | None:
        uri = request.uri
        if not isinstance(uri, SipUri) or not uri.user:
            return None
        if uri.user == entry.number:
            return entry.extension_id
        other = self.directory.entry(uri.user)
        if other is not None:
            return other.extension_id if self.colleagues(entry, other) else None
        group = self.ring_groups.plan(uri.user) if self.ring_groups is not None else None
        if group is None or entry.member_id is None:
            return None
        return 0 if group.company_id in self.companies.get(entry.member_id, ()) else None

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
        number: str,
        call_id: str,
        direction: str,
        state: str,
        remote: str = "",
        *,
        local_tag: str = "",
        remote_tag: str = "",
    ) -> None:
        """A call of ``number`` (an extension's, a ring group's) reached ``state``, or
        learnt a tag; its watchers are told."""
        if not number:
            return
        calls = self.calls.get(number)
        known = calls.get(call_id) if calls is not None else None
        if known is None:
            if state == TERMINATED:
                return  # never told as begun: nothing to end
            if calls is None:
                calls = self.calls[number] = {}
            if len(calls) >= MAX_CALLS_PER_EXTENSION:
                calls.pop(next(iter(calls)))
            known = calls[call_id] = CallState(
                call_id, direction, state, remote, local_tag, remote_tag
            )
        else:
            advanced = _ORDER[state] > _ORDER[known.state]
            tagged = (local_tag and not known.local_tag) or (remote_tag and not known.remote_tag)
            if not advanced and not tagged:
                return  # a later fork's "trying" after the call already rang, say
            if advanced:
                known.state = state
            if advanced and state == CONFIRMED:
                # The answered dialog is the one told from now on, not another fork's.
                known.local_tag = local_tag or known.local_tag
                known.remote_tag = remote_tag or known.remote_tag
            else:
                known.local_tag = known.local_tag or local_tag
                known.remote_tag = known.remote_tag or remote_tag
        assert calls is not None
        for subscription in self.watching_number(number):
            if subscription.told == IN_STEP:
                self.notify(subscription, body=self.document(subscription, [known], PARTIAL))
            else:
                self.notify(subscription)
        if known.state == TERMINATED:
            del calls[call_id]
            if not calls:
                del self.calls[number]

    def watching_number(self, number: str) -> list[Subscription]:
        return [s for s in self.subscriptions.values() if s.resource == number]

    def lost(self, subscription: Subscription) -> None:
        subscription.told = None

    def body(self, subscription: Subscription, *, terminated: bool) -> bytes:
        """The full state: every call of the number now (none once unsubscribed)."""
        calls = () if terminated else self.calls.get(subscription.resource, {}).values()
        subscription.told = IN_STEP
        return self.document(subscription, calls, FULL)

    def document(self, subscription: Subscription, calls: Iterable[CallState], state: str) -> bytes:
        """A dialog-info document of ``calls``; its version
        is the NOTIFY's place in the subscription (one higher each time, from 0)."""
        number = subscription.resource
        info = ElementTree.Element(
            "dialog-info",
            {
                "xmlns": NAMESPACE,
                "version": str(subscription.cseq),
                "state": state,
                "entity": self._uri(number),
            },
        )
        for call in calls:
            attributes = {"id": call.call_id, "call-id": call.call_id}
            if call.local_tag and call.remote_tag:
                # §4.1.1: the tags go together, or not at all.
                attributes |= {"local-tag": call.local_tag, "remote-tag": call.remote_tag}
            attributes["direction"] = call.direction
            dialog = ElementTree.SubElement(info, "dialog", attributes)
            ElementTree.SubElement(dialog, "state").text = call.state
            local = ElementTree.SubElement(dialog, "local")
            ElementTree.SubElement(local, "identity").text = self._uri(number)
            if call.remote:
                remote = ElementTree.SubElement(dialog, "remote")
                ElementTree.SubElement(remote, "identity").text = self._uri(call.remote)
        document: bytes = ElementTree.tostring(info, encoding="utf-8", xml_declaration=True)
        return document

    def _uri(self, number: str) -> str:
        return f"sip:{number}@{self.domain}"

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
