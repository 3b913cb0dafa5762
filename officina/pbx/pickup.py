"""Call pickup: a colleague answers a call ringing on someone else's extension.

    *8        the call ringing longest on any extension of the picker's company
    **202     the call ringing on 202 (of the picker's company; anyone else's: 403)

The ringing call gets one more fork, as a ring group's next person or a follow-me
number would: the caller's INVITE, as it came, to the picker's phones, with
``Answer-Mode: Auto`` (RFC 5373) and ``Call-Info: answer-after=0`` so that they answer
at once. The picker's phone answers it, the proxy cancels the other forks ("Call
completed elsewhere": the callee's phone stops ringing) and the caller talks to the
picker, end to end like any call. The picker's own INVITE (to ``**202``) sets up no
call of its own: it is answered ``480 Call Picked Up`` once the new fork is on its way,
or 480 ``Nothing To Pick Up`` when nothing rings there. The call's record says
``picked-up``, with the picker as the callee.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from officina.sip import SipRequest, make_response

if TYPE_CHECKING:
    from officina.pbx.proxy import Proxy, ResponseContext
    from officina.pbx.selectors import DirectoryEntry
    from officina.sip import ServerTransaction

PICK_UP_ANY = "*8"
PICK_UP_EXTENSION = "**"


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
                reason = "Forbidden (not an extension of your company)"
                layer.respond(server, make_response(request, 403, reason))
                return True
        elif dialled != PICK_UP_ANY:
            return False
        context = self.ringing(picker, target)
        devices = self.proxy.reachable([picker], wall) if context is not None else []
        if context is None or context.as_received is None or not devices:
            layer.respond(server, make_response(request, 480, "Nothing To Pick Up"))
            return True
        fork = context.as_received.copy()
        fork.set_header("Answer-Mode", "Auto")
        fork.set_header("Call-Info", f"<sip:{picker.number}@{picker.realm}>;answer-after=0")
        context.picked_by = picker.extension_id
        layer.respond(server, make_response(request, 480, "Call Picked Up"))
        self.proxy.ring_also(context, devices, fork)
        return True

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
                extension_id = branch.binding.extension_id
                if not branch.provisional or branch.final_status:
                    continue
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
