"""Where a member's forward may go, and what it is, for the member's pages.

A target is a number of Officina the member may reach: an active extension, a ring
group, an auto-attendant menu, or a conference room (a meeting room's line only for
those who may book the meeting room, as for a call to it); or a number outside their
company's trunk may call, within the classes the company allows them (their minutes
left today are not asked: a forward is set for days). The one judgement the phone page,
the API and the feature codes ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from officina.attendant.selectors import menu_numbered
from officina.bookings.access import member_ids_who_may_book
from officina.conferences.selectors import room_numbered
from officina.contacts.phone_numbers import readable
from officina.core.errors import OfficinaError
from officina.pbx.models import Extension
from officina.ringgroups.selectors import ring_group_numbered
from officina.trunks.kinds import DAILY_MINUTES_REFUSAL, CallClass
from officina.trunks.selectors import trunk_snapshot

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from officina.accounts.models import Member
    from officina.pbx.models import Forwarding

EXTENSION, RING_GROUP, MENU, ROOM, OUTSIDE = "extension", "ring_group", "menu", "room", "outside"
NOWHERE = gettext_lazy(
    "%(number)s is no extension, ring group, menu or conference room here, nor a number "
    "your company's trunk can call."
)
MAY_NOT_JOIN = gettext_lazy(
    "Only who may book its meeting room may forward calls to conference room %(number)s."
)
# Each case of a member's forwarding as the phone page names it.
CASES = {
    "always": gettext_lazy("Every call"),
    "busy": gettext_lazy("When you are busy"),
    "no_answer": gettext_lazy("When you do not answer"),
    "unregistered": gettext_lazy("When none of your phones is connected"),
    "follow_me": gettext_lazy("Follow-me"),
}
CLASS_REFUSED = gettext_lazy(
    "Your company does not let you call %(kind)s numbers: calls cannot go to %(number)s."
)


@dataclass(frozen=True, slots=True)
class ForwardTarget:
    """What a forward's number is: ``kind`` (one of the five above), the number as
    dialled, and the name to show (the person's, group's, menu's or room's; a number
    outside as read internationally)."""

    kind: str
    number: str
    name: str

    def __str__(self) -> str:
        """Where the forward goes, as the phone page says it."""
        said = {
            EXTENSION: _("to %(number)s — %(name)s"),
            RING_GROUP: _("to ring group %(number)s — %(name)s"),
            MENU: _("to menu %(number)s — %(name)s"),
            ROOM: _("to conference room %(number)s — %(name)s"),
            OUTSIDE: _("to the outside number %(name)s"),
        }[self.kind]
        return said % {"number": self.number, "name": self.name}


def forward_target(member: Member | None, number: str, field: str = "") -> ForwardTarget:
    """What ``number`` is as a forward target of ``member`` (None for an extension no
    member holds: nothing outside, no meeting room's line), or an input error saying why
    it cannot be one (on ``field``; lazy, so a feature code says it in the member's
    language)."""
    extension = Extension.objects.filter(number=number, is_active=True).first()
    if extension is not None:
        holder = extension.member
        return ForwardTarget(EXTENSION, number, holder.display_name if holder else number)
    group = ring_group_numbered(number)
    if group is not None:
        return ForwardTarget(RING_GROUP, number, group.name)
    menu = menu_numbered(number)
    if menu is not None:
        return ForwardTarget(MENU, number, menu.name)
    room = room_numbered(number)
    if room is not None:
        if room.resource is not None and (
            member is None or member.pk not in member_ids_who_may_book(room.resource)
        ):
            raise OfficinaError.invalid_input(_formatted(MAY_NOT_JOIN, number=number), field=field)
        return ForwardTarget(ROOM, number, room.name)
    verdict = (
        trunk_snapshot().judge_call_out(member.pk, number, 0.0) if member is not None else None
    )
    if verdict is None:
        raise OfficinaError.invalid_input(_formatted(NOWHERE, number=number), field=field)
    if verdict.refusal and verdict.refusal != DAILY_MINUTES_REFUSAL:
        kind = CallClass(verdict.refusal).label
        raise OfficinaError.invalid_input(
            _formatted(CLASS_REFUSED, kind=kind, number=number), field=field
        )
    return ForwardTarget(OUTSIDE, number, readable(verdict.dialled.e164))


def forwards_of(
    member: Member | None, forwarding: Forwarding | None
) -> dict[str, tuple[str, ForwardTarget | None]]:
    """Each case of ``forwarding`` that is set → (its number, what that number is now as
    ``member``'s target; None: nothing, a menu removed since, say), in the phone page's
    order."""
    if forwarding is None:
        return {}
    found: dict[str, ForwardTarget | None] = {}
    forwards = {}
    for case in CASES:
        number = getattr(forwarding, case)
        if not number:
            continue
        if number not in found:
            try:
                found[number] = forward_target(member, number)
            except OfficinaError:
                found[number] = None
        forwards[case] = (number, found[number])
    return forwards


def said_of(number: str, target: ForwardTarget | None) -> str:
    """Where a forward to ``number`` goes, as the phone page says it."""
    if target is None:
        return _("to %(number)s, which nothing answers now") % {"number": number}
    return str(target)


def where_forwards_go(
    member: Member | None, forwarding: Forwarding | None
) -> list[tuple[str, str]]:
    """(the case, where it goes) for each case of ``forwarding`` that is set, as the
    phone page says them; a target that is nothing any more (a menu removed since) is
    said to be so."""
    return [
        (str(CASES[case]), said_of(number, target))
        for case, (number, target) in forwards_of(member, forwarding).items()
    ]


def _formatted(template: Promise, **values: object) -> Promise:
    """``template`` % ``values``, translated when read rather than now."""
    said = lazy(lambda: str(template) % {k: str(v) for k, v in values.items()}, str)()
    return cast("Promise", said)
