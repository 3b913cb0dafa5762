"""Where a member's forward may go, and what it is, for the member's pages and the PBX.

A target is a number of Officina the member may reach: an active extension, a ring
group, an auto-attendant menu, or a conference room (a meeting room's line only for
those who may book the meeting room, as for a call to it); or a number outside their
company's trunk may call, within the classes the company allows them (their minutes
left today are not asked: a forward is set for days).

:func:`judge_forward_target` is the one judgement. A save asks it of the database
(``StoredNumbers``, with the targets locked), the phone page and the API ask it of each
stored forward without locks (a forward saved long ago may name what is no longer
allowed: it is shown as not in force, and why), and the running PBX asks it of its own
copy in memory before each forward it would take (``officina.pbx.forwarding``), so a
forward the page says is not in force is one no call follows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Protocol, cast

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
    from officina.attendant.models import Menu
    from officina.pbx.models import Forwarding
    from officina.ringgroups.models import RingGroup
    from officina.trunks.selectors import CallOut, TrunkSnapshot

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


@dataclass(frozen=True, slots=True)
class RoomEntry:
    """A conference room as a forward's judge sees it: its name, and the members who
    may join it (a meeting room's line: who may book the meeting room; None: anyone)."""

    name: str
    may_join: frozenset[int] | None


class NumberBook(Protocol):
    """What each number of Officina is now, as :func:`judge_forward_target` asks it."""

    def extension_name(self, number: str) -> str | None:
        """The name of whoever holds the active extension ``number`` (the number when
        nobody does); None: no active extension has it."""
        ...

    def ring_group_name(self, number: str) -> str | None: ...

    def menu_name(self, number: str) -> str | None: ...

    def room(self, number: str) -> RoomEntry | None: ...

    def call_out(self, member_id: int, number: str) -> CallOut | None:
        """The toll-fraud guard's verdict on ``member_id`` calling ``number`` out, their
        minutes spent today not counted."""
        ...


class StoredNumbers:
    """The numbers as the database has them now, each read once (a list of people's
    forwarding names the same colleague or group many times); the trunks' rules too."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], object] = {}

    def _once(self, what: str, number: str, read: Callable[[str], object]) -> object:
        key = (what, number)
        if key not in self._seen:
            self._seen[key] = read(number)
        return self._seen[key]

    def extension_name(self, number: str) -> str | None:
        return cast("str | None", self._once("extension", number, _extension_name))

    def ring_group_name(self, number: str) -> str | None:
        found = self._once("group", number, lambda n: _name(ring_group_numbered(n)))
        return cast("str | None", found)

    def menu_name(self, number: str) -> str | None:
        return cast("str | None", self._once("menu", number, lambda n: _name(menu_numbered(n))))

    def room(self, number: str) -> RoomEntry | None:
        return cast("RoomEntry | None", self._once("room", number, _room_entry))

    def call_out(self, member_id: int, number: str) -> CallOut | None:
        return self._trunks.judge_call_out(member_id, number, 0.0)

    @cached_property
    def _trunks(self) -> TrunkSnapshot:
        # Nine queries: once for every forward a page or a list shows, not once each.
        return trunk_snapshot()


def _extension_name(number: str) -> str | None:
    extension = (
        Extension.objects.filter(number=number, is_active=True).select_related("member").first()
    )
    if extension is None:
        return None
    holder = extension.member
    return holder.display_name if holder else number


def _name(found: RingGroup | Menu | None) -> str | None:
    return found.name if found is not None else None


def _room_entry(number: str) -> RoomEntry | None:
    room = room_numbered(number)
    if room is None:
        return None
    may_join = None if room.resource is None else member_ids_who_may_book(room.resource)
    return RoomEntry(room.name, may_join)


def judge_forward_target(
    member_id: int | None, number: str, book: NumberBook, field: str = ""
) -> ForwardTarget:
    """What ``number`` is as a forward target of the member ``member_id`` (None for an
    extension no member holds: nothing outside, no meeting room's line), the numbers
    read in ``book``; or an input error saying why it cannot be one (on ``field``; lazy,
    so it is said in the reader's language)."""
    name = book.extension_name(number)
    if name is not None:
        return ForwardTarget(EXTENSION, number, name)
    name = book.ring_group_name(number)
    if name is not None:
        return ForwardTarget(RING_GROUP, number, name)
    name = book.menu_name(number)
    if name is not None:
        return ForwardTarget(MENU, number, name)
    room = book.room(number)
    if room is not None:
        if room.may_join is not None and (member_id is None or member_id not in room.may_join):
            raise OfficinaError.invalid_input(_formatted(MAY_NOT_JOIN, number=number), field=field)
        return ForwardTarget(ROOM, number, room.name)
    verdict = book.call_out(member_id, number) if member_id is not None else None
    if verdict is None:
        raise OfficinaError.invalid_input(_formatted(NOWHERE, number=number), field=field)
    if verdict.refusal and verdict.refusal != DAILY_MINUTES_REFUSAL:
        kind = CallClass(verdict.refusal).label
        raise OfficinaError.invalid_input(
            _formatted(CLASS_REFUSED, kind=kind, number=number), field=field
        )
    return ForwardTarget(OUTSIDE, number, readable(verdict.dialled.e164))


def forward_target(member: Member | None, number: str, field: str = "") -> ForwardTarget:
    """:func:`judge_forward_target` of ``member``'s ``number``, read in the database."""
    return judge_forward_target(member.pk if member else None, number, StoredNumbers(), field)


@dataclass(frozen=True, slots=True)
class StoredForward:
    """One case of a stored forwarding as it stands now: its number, what that number
    is as the member's target, or why it is not in force (``refusal``, translated when
    read; ``target`` is None then)."""

    number: str
    target: ForwardTarget | None
    refusal: str = ""

    @property
    def in_force(self) -> bool:
        return self.target is not None

    @property
    def said(self) -> str:
        """Where the forward goes, as the phone page says it, or that it does not."""
        if self.target is None:
            return _("to %(number)s: not in force. %(reason)s") % {
                "number": self.number,
                "reason": self.refusal,
            }
        return str(self.target)


def forwards_of(
    member: Member | None, forwarding: Forwarding | None, book: NumberBook | None = None
) -> dict[str, StoredForward]:
    """Each case of ``forwarding`` that is set → how it stands now as ``member``'s, judged
    as a save judges it (without its locks), in the phone page's order."""
    if forwarding is None:
        return {}
    book = book or StoredNumbers()
    member_id = member.pk if member else None
    found: dict[str, StoredForward] = {}
    forwards = {}
    for case in CASES:
        number = getattr(forwarding, case)
        if not number:
            continue
        if number not in found:
            try:
                found[number] = StoredForward(number, judge_forward_target(member_id, number, book))
            except OfficinaError as error:
                found[number] = StoredForward(number, None, str(error.message))
        forwards[case] = found[number]
    return forwards


def where_forwards_go(
    member: Member | None, forwarding: Forwarding | None
) -> list[tuple[str, StoredForward]]:
    """(the case, how it stands) for each case of ``forwarding`` that is set, as the
    phone page shows them; a forward no longer allowed is said not to be in force, and
    why."""
    return [
        (str(CASES[case]), forward) for case, forward in forwards_of(member, forwarding).items()
    ]


def _formatted(template: Promise, **values: object) -> Promise:
    """``template`` % ``values``, translated when read rather than now."""
    said = lazy(lambda: str(template) % {k: str(v) for k, v in values.items()}, str)()
    return cast("Promise", said)
