"""Click-to-call, the web's side: a signed-in member asks for a call from their own
extension to a colleague, a company or a contact; the SIP process places it
(``third_party_calls.py``) once it is checked here.

The checks, in order: the member's own active extension (nobody calls from another's);
the target is an extension or a telephone number; a number outside goes through the
toll-fraud guard's judgement (``TrunkSnapshot.judge_call_out``), the very one the PBX
makes when the member dials it, so a refused target is told at once and no phone rings.
The PBX routes the call as the member's own dialled call afterwards, and would refuse
it the same way. How often a member may ask is the views' and the API's business
(``ClickToCallThrottle``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from asgiref.sync import async_to_sync, sync_to_async
from django.utils.translation import gettext_lazy as _
from ninja.throttling import SimpleRateThrottle

from officina.core.errors import ErrorCode, OfficinaError
from officina.pbx.access import access_own_extension_by_member
from officina.pbx.call_requests import (
    CallState,
    NoSuchCall,
    ask_progress,
    ask_to_end,
    ask_to_place,
    new_ticket,
)
from officina.pbx.models import CallRecord
from officina.pbx.selectors import (
    extension_number_exists,
    outbound_seconds_since,
    start_of_today,
)
from officina.ringgroups.selectors import ring_group_numbers
from officina.trunks.selectors import trunk_snapshot

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.utils.functional import Promise

    from officina.accounts.models import Member

# What people type between digits; what is left must be digits, "+" only in front.
_SEPARATORS = re.compile(r"[\s\-./()]")
_TARGET = re.compile(r"\+?[0-9]{1,24}")
_TICKET = re.compile(r"[0-9a-f]{32}")
NAME_MAX_LENGTH = 60

# Calls a member may ask for a minute: a person clicks a few; a script, many.
CALLS_PER_MINUTE = "6/m"


class ClickToCallThrottle(SimpleRateThrottle):
    """django-ninja's throttle, per member (the API's token or the page's session)."""

    scope = "click-to-call"

    def __init__(self) -> None:
        super().__init__(CALLS_PER_MINUTE)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        member_id = getattr(request.user, "pk", None)
        if member_id is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": member_id}


def check_throttle(request: HttpRequest) -> None:
    if not ClickToCallThrottle().allow_request(request):
        raise OfficinaError(
            _("You have asked for many calls in a minute: please wait a moment."),
            ErrorCode.RATE_LIMITED,
        )


@dataclass(frozen=True, slots=True)
class PlacedCall:
    ticket: str
    state: CallState


def clean_target(text: str) -> str:
    number = _SEPARATORS.sub("", text)
    if not _TARGET.fullmatch(number):
        raise OfficinaError.invalid_input(
            _("Give an extension or a telephone number: digits, with + in front for abroad."),
            field="target",
        )
    return number


def check_may_call(member: Member, extension_id: int, number: str) -> None:
    """Refuse a number outside that the toll-fraud guard would refuse when dialled."""
    if extension_number_exists(number) or number in ring_group_numbers():
        return
    used = outbound_seconds_since(start_of_today()).get(extension_id, 0.0)
    verdict = trunk_snapshot().judge_call_out(member.pk, number, used)
    if verdict is None or not verdict.refusal:
        return  # a number the PBX may still know (a menu, a room), or a call it lets out
    reason = CallRecord.RefusalReason(verdict.refusal).label
    raise OfficinaError(
        _("You may not call %(number)s: %(reason)s.")
        % {"number": verdict.dialled.e164, "reason": reason},
        ErrorCode.PERMISSION_DENIED,
    )


def check_click_to_call(member: Member, target: str, target_name: str = "") -> PlacedCall:
    """Ask the PBX to ring ``member``'s phones and connect them to ``target``."""
    extension = access_own_extension_by_member(member)
    number = clean_target(target)
    if number == extension.number:
        raise OfficinaError.invalid_input(_("That is your own extension."), field="target")
    check_may_call(member, extension.pk, number)
    ticket = new_ticket()
    state = async_to_sync(ask_to_place)(
        ticket, extension.number, number, target_name[:NAME_MAX_LENGTH] or number
    )
    if state is None:
        raise OfficinaError(
            _("The phone system is not answering: try again in a moment."), ErrorCode.CONFLICT
        )
    if state is not CallState.RINGING:
        raise OfficinaError(state_message(state), ErrorCode.CONFLICT, state=str(state))
    return PlacedCall(ticket, state)


async def check_call_progress(member: Member, ticket: str, known: str) -> CallState:
    """The state of the member's call ``ticket`` once it is no longer ``known``: a long
    wait, so on the event loop (an async view) rather than holding a request thread."""
    extension = await sync_to_async(access_own_extension_by_member)(member)
    if not _TICKET.fullmatch(ticket) or known not in set(CallState):
        raise OfficinaError(_("No such call."), ErrorCode.NOT_FOUND)
    state = await ask_progress(ticket, extension.number, known)
    if state is None:
        raise OfficinaError(
            _("The phone system is not answering: try again in a moment."), ErrorCode.CONFLICT
        )
    return state


async def check_end_call(member: Member, ticket: str) -> CallState:
    """End the member's call ``ticket``: ``cancelled`` while a phone rings, ``hung-up``
    once answered (both phones get a BYE), or the state of a call already over. Another
    member's call, or none (or one over long enough to be forgotten), is "No such
    call."."""
    extension = await sync_to_async(access_own_extension_by_member)(member)
    if not _TICKET.fullmatch(ticket):
        raise OfficinaError(_("No such call."), ErrorCode.NOT_FOUND)
    try:
        state = await ask_to_end(ticket, extension.number)
    except NoSuchCall:
        raise OfficinaError(_("No such call."), ErrorCode.NOT_FOUND) from None
    if state is None:
        raise OfficinaError(
            _("The phone system is not answering: try again in a moment."), ErrorCode.CONFLICT
        )
    return state


_MESSAGES: dict[CallState, Promise] = {
    CallState.RINGING: _("Your phone is ringing: answer it, and the call goes on to %(name)s."),
    CallState.NO_DEVICE: _(
        "None of your phones is connected: open the browser phone, or register a phone "
        "on the Phone page, and try again."
    ),
    CallState.NO_MEDIA_BRIDGE: _(
        "Only your browser phone is connected, and the phone system has no media bridge "
        "to put a call through from it: register a phone on the Phone page, and try again."
    ),
    CallState.CONNECTING: _("Calling %(name)s…"),
    CallState.CONNECTED: _("You are talking with %(name)s."),
    CallState.DECLINED: _("Your phone refused the call."),
    CallState.NO_ANSWER: _("No answer."),
    CallState.BUSY: _("%(name)s is busy."),
    CallState.REFUSED: _("The phone system did not let this call out."),
    CallState.UNKNOWN: _("%(name)s is not a number the phone system knows."),
    CallState.FAILED: _("The call could not be made."),
    CallState.ENDED: _("The call has ended."),
    CallState.CANCELLED: _("You cancelled the call."),
    CallState.HUNG_UP: _("You ended the call."),
}


def state_message(state: CallState, name: str = "") -> str:
    """What the member is told of their call, in the active language."""
    return str(_MESSAGES[state]) % {"name": name or _("the other party")}


__all__ = [
    "ClickToCallThrottle",
    "PlacedCall",
    "check_call_progress",
    "check_click_to_call",
    "check_end_call",
    "check_throttle",
    "state_message",
]
