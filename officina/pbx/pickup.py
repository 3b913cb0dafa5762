"""Call pickup: a colleague answers a call ringing on someone else's extension.

    *8        the call ringing longest on any extension of the picker's company
    **202     the call ringing on 202 (of the picker's company; anyone else's: 403)
    INVITE with Replaces: <Call-ID>;to-tag=<202's phone's tag>;from-tag=<caller's tag>
              what a BLF key sends (RFC 4235 §5 with RFC 3891): the early dialog its
              busy lamp was told of; allowed as **202 would be (anyone else: 403), one
              that names no ringing dialog of that call 481

The ringing call gets one more fork, as a ring group's next person or a follow-me
number would: the caller's INVITE, as it came, to the picker's phone that asked, with
``Answer-Mode: Auto`` (RFC 5373) and ``Call-Info: answer-after=0`` so that it answers
at once. The picker's phone answers it, the proxy cancels the other forks ("Call
completed elsewhere": the callee's phone stops ringing) and the caller talks to the
picker, end to end like any call. The picker's own INVITE (to ``**202``) sets up no
call of its own: it is answered ``480 Call Picked Up`` once the new fork is on its way,
or 480 ``Nothing To Pick Up`` when nothing rings there. The call's record says
``picked-up``, with the picker as the callee. A Replaces pickup is answered and
forked the same way: the picker's phone then answers the caller's own INVITE.
Without rtpengine a picker's phone of the other media kind than the caller's is rung
through a branch of the fork to the desk (``Proxy.also_ringing``), whose own call to
it carries the same Answer-Mode and Call-Info.

Which of the picker's phones asked (``sending_phones``): the registered binding whose
``+sip.instance`` the request's Contact names (RFC 5626), else whose contact its
Contact is (RFC 3261 §19.1.4), else that registered on the connection it came on (TCP,
TLS, WebSocket), else that is reached at the address it came from. When none of them
is, all the picker's phones ring: the request came through another proxy, or from a
phone that registered with another Contact than it calls with, or from one that did
not register at all (it authenticated for the call alone). Refusing the pickup there
would refuse a colleague who asked for the call; ringing all their phones still brings
it to them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from officina.sip import SipParseError, SipRequest, Uri, make_response, parse_uri
from officina.sip.replaces import parse_replaces
from officina.sip.rport import Peer

if TYPE_CHECKING:
    from officina.pbx.bindings import Binding
    from officina.pbx.proxy import Proxy, ResponseContext
    from officina.pbx.selectors import DirectoryEntry
    from officina.pbx.transports.base import Flow
    from officina.sip import ServerTransaction

PICK_UP_ANY = "*8"
PICK_UP_EXTENSION = "**"
NOT_YOUR_COMPANY = "Forbidden (not an extension of your company)"


class CallPickup:
    def __init__(
        self, proxy: Proxy, colleagues: Callable[[DirectoryEntry, DirectoryEntry], bool]
    ) -> None:
        self.proxy = proxy
        self.colleagues = colleagues

    def pick_up(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        picker: DirectoryEntry,
        dialled: str,
        wall: float,
    ) -> bool:
        """Take a dialled pickup code (False: ``dialled`` is none)."""
        layer = self.proxy.layer
        target: DirectoryEntry | None = None
        if dialled.startswith(PICK_UP_EXTENSION) and len(dialled) > len(PICK_UP_EXTENSION):
            target = self.proxy.directory.entry(dialled[len(PICK_UP_EXTENSION) :])
            if target is None or not self.colleagues(picker, target):
                layer.respond(server, make_response(request, 403, NOT_YOUR_COMPANY))
                return True
        elif dialled != PICK_UP_ANY:
            return False
        self._take(server, request, flow, picker, self.ringing(picker, target), wall)
        return True

    def replacing(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        picker: DirectoryEntry,
        wall: float,
    ) -> bool:
        """Take an INVITE whose Replaces names a call ringing here (False: it names none,
        and the INVITE goes on as a transfer's would). A Replaces that cannot be read
        raises ``SipParseError`` (400)."""
        value = request.header("Replaces")
        if value is None:
            return False
        replaces = parse_replaces(value)
        context = next(
            (
                context
                for context in self.proxy.contexts.values()
                if context.row.call_id == replaces.call_id and not context.finished
            ),
            None,
        )
        if context is None:
            return False
        layer = self.proxy.layer
        # The tags are the ringing phone's side (RFC 3891 §3): its To tag, the caller's From.
        ringing = [
            branch
            for branch in context.branches
            if branch.to_tag == replaces.to_tag and not branch.final_status
        ]
        if not ringing or replaces.from_tag != context.request.from_tag:
            reason = "Call/Transaction Does Not Exist (no such ringing dialog)"
            layer.respond(server, make_response(request, 481, reason))
            return True
        target = self.proxy.directory.by_id.get(ringing[0].binding.extension_id)
        if (
            target is None
            or target.extension_id == picker.extension_id
            or context.row.caller_id == picker.extension_id
            or not self.colleagues(picker, target)
        ):
            layer.respond(server, make_response(request, 403, NOT_YOUR_COMPANY))
            return True
        self._take(server, request, flow, picker, context, wall)
        return True

    def _take(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        picker: DirectoryEntry,
        context: ResponseContext | None,
        wall: float,
    ) -> None:
        """Ring the picker's phone that asked with the call of ``context`` (None: nothing
        rings), answering the picker's own INVITE."""
        layer = self.proxy.layer
        if context is None or context.as_received is None:
            layer.respond(server, make_response(request, 480, "Nothing To Pick Up"))
            return
        phones = self.proxy.reachable([picker], wall)
        asked = sending_phones(phones, request, flow)
        fork = context.as_received.copy()
        auto_answer = [
            ("Answer-Mode", "Auto"),
            ("Call-Info", f"<sip:{picker.number}@{picker.realm}>;answer-after=0"),
        ]
        for name, value in auto_answer:
            fork.set_header(name, value)
        # A phone of the other media kind than the caller's rings through the desk, whose
        # call to it asks it to answer at once too; the phone that asked, when it can be
        # rung, else the picker's others.
        ringing = []
        if asked:
            ringing = self.proxy.also_ringing(context, [asked], fork, picker.number, auto_answer)
        if not ringing:
            ringing = self.proxy.also_ringing(context, [phones], fork, picker.number, auto_answer)
        if not ringing:
            layer.respond(server, make_response(request, 480, "Nothing To Pick Up"))
            return
        context.picked_by = picker.extension_id
        layer.respond(server, make_response(request, 480, "Call Picked Up"))
        self.proxy.ring_also(context, ringing[0], fork)

    def ringing(
        self, picker: DirectoryEntry, target: DirectoryEntry | None
    ) -> ResponseContext | None:
        """The oldest call ringing on ``target`` (None: on any of the picker's colleagues)
        that the picker did not make."""
        by_id = self.proxy.directory.by_id
        for context in self.proxy.contexts.values():  # oldest first: insertion order
            if context.finished or context.answered or context.picked_by is not None:
                continue
            if context.row.caller_id == picker.extension_id:
                continue
            for branch in context.branches:
                if not branch.provisional or branch.final_status:
                    continue
                # A desk's branch rings the browsers of every member it stands for (a
                # ring group's step): the call rings on each of their extensions.
                for extension_id in self.proxy.extensions_rung(branch.binding):
                    if target is not None:
                        if extension_id == target.extension_id:
                            return context
                        continue
                    callee = by_id.get(extension_id)
                    if (
                        callee is not None
                        and extension_id != picker.extension_id
                        and self.colleagues(picker, callee)
                    ):
                        return context
        return None


def sending_phones(
    devices: list[tuple[Binding, Peer]], request: SipRequest, flow: Flow
) -> list[tuple[Binding, Peer]]:
    """The phones among ``devices`` (one extension's) that sent ``request`` over ``flow``;
    none when it cannot be told (see the module's header).

    The tests go from what names one phone to what a proxy or a NAT in front may share
    among several: the first that holds for any device decides."""
    try:
        contacts = request.contacts
    except SipParseError:
        contacts = []  # told apart by where it came from alone
    contact = contacts[0] if len(contacts) == 1 else None
    instance = contact.instance if contact is not None else None
    source = Peer(flow.transport, flow.host, flow.port)
    tests: list[Callable[[Binding, Peer], bool]] = [
        lambda binding, _peer: bool(instance) and binding.instance_id == instance,
        lambda binding, _peer: contact is not None and _same_uri(binding.contact_uri, contact.uri),
        lambda binding, _peer: (
            bool(binding.connection_key) and binding.connection_key == flow.connection_key
        ),
        lambda _binding, peer: peer == source,
    ]
    for test in tests:
        sent = [(binding, peer) for binding, peer in devices if test(binding, peer)]
        if sent:
            return sent
    return []


def _same_uri(text: str, uri: Uri) -> bool:
    """Whether a binding's contact (as stored) is ``uri`` (RFC 3261 §19.1.4)."""
    try:
        return parse_uri(text) == uri
    except SipParseError:
        return False
