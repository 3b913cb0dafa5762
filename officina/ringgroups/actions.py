"""Set up the ring groups and business hours of a company or a space, and say whether
one is available for a group's calls.

``check_*`` validate everything first and change nothing on an error.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from officina.accounts.selectors import owner_field, owner_people_ids
from officina.core.errors import ErrorCode, OfficinaError
from officina.pbx.selectors import extension_number_exists
from officina.trunks.actions import (
    hold_owner_for_adding,
    hold_route_targets,
    refuse_if_routed_to,
)
from officina.trunks.kinds import RouteKind

from .kinds import (
    MAX_LISTED_MEMBERS,
    NAME_MAX_LENGTH,
    NUMBER_MAX_DIGITS,
    NUMBER_MIN_DIGITS,
    RING_SECONDS_MAX,
    RING_SECONDS_MIN,
    RingStrategy,
    RingTargets,
)
from .models import BusinessHours, HoursException, OpeningPeriod, RingGroup, RingGroupMember
from .selectors import number_is_a_ring_group

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.accounts.selectors import PhoneOwner


@dataclass
class RingGroupInput:
    name: str
    number: str
    strategy: str = RingStrategy.RING_ALL
    targets: str = RingTargets.LISTED
    ring_seconds: int = 15
    member_ids: list[int] = field(default_factory=list)  # in ringing order
    in_hours_only: bool = False
    out_of_hours_number: str = ""


def _check(owner: PhoneOwner, data: RingGroupInput, group: RingGroup | None) -> RingGroupInput:
    name = " ".join(data.name.split())
    if not name:
        raise OfficinaError.invalid_input(_("Give the group a name."), field="name")
    if len(name) > NAME_MAX_LENGTH or any(ord(c) < 32 for c in name):
        raise OfficinaError.invalid_input(
            _("At most %(limit)s characters, on one line.") % {"limit": NAME_MAX_LENGTH},
            field="name",
        )
    number = data.number.strip()
    if not (number.isascii() and number.isdigit()) or not (
        NUMBER_MIN_DIGITS <= len(number) <= NUMBER_MAX_DIGITS
    ):
        raise OfficinaError.invalid_input(
            _("The number is %(min)s to %(max)s digits.")
            % {"min": NUMBER_MIN_DIGITS, "max": NUMBER_MAX_DIGITS},
            field="number",
        )
    if extension_number_exists(number) or number_is_a_ring_group(number, except_group=group):
        raise OfficinaError.invalid_input(
            _("%(number)s is already taken: choose another number.") % {"number": number},
            field="number",
        )
    if data.strategy not in RingStrategy.values:
        raise OfficinaError.invalid_input(_("Unknown way of ringing."), field="strategy")
    if data.targets not in RingTargets.values:
        raise OfficinaError.invalid_input(_("Unknown choice of whom to ring."), field="targets")
    if not RING_SECONDS_MIN <= data.ring_seconds <= RING_SECONDS_MAX:
        raise OfficinaError.invalid_input(
            _("Between %(min)s and %(max)s seconds.")
            % {"min": RING_SECONDS_MIN, "max": RING_SECONDS_MAX},
            field="ring_seconds",
        )
    member_ids = list(dict.fromkeys(data.member_ids))
    if len(member_ids) > MAX_LISTED_MEMBERS:
        raise OfficinaError.invalid_input(
            _("At most %(count)s people in a group.") % {"count": MAX_LISTED_MEMBERS},
            field="members",
        )
    if not set(member_ids) <= owner_people_ids(owner):
        message = (
            _("Only members of %(owner)s can be in its groups.")
            if owner_field(owner) == "space"
            else _("Only people of %(company)s can be in its groups.")
        )
        raise OfficinaError.invalid_input(
            message % {"owner": owner.name, "company": owner.name}, field="members"
        )
    if data.targets == RingTargets.LISTED and not member_ids:
        raise OfficinaError.invalid_input(_("List at least one person."), field="members")
    elsewhere = check_out_of_hours_number(number, data.out_of_hours_number)
    return RingGroupInput(
        name,
        number,
        data.strategy,
        data.targets,
        data.ring_seconds,
        member_ids,
        data.in_hours_only,
        elsewhere,
    )


def check_out_of_hours_number(number: str, out_of_hours_number: str) -> str:
    """Where the group ``number`` sends calls out of hours, as saved ("" for nowhere): an
    extension or another group. Asked after ``hold_route_targets`` locked that group, so
    it is still there when the save commits."""
    elsewhere = out_of_hours_number.strip()
    if elsewhere and (
        elsewhere == number
        or not (extension_number_exists(elsewhere) or number_is_a_ring_group(elsewhere))
    ):
        raise OfficinaError.invalid_input(
            _("Out of hours, calls go to an extension or another ring group's number."),
            field="out_of_hours_number",
        )
    return elsewhere


def hold_ring_group_for_change(
    group: RingGroup | None, data: RingGroupInput, *, seen_by: PhoneOwner | None
) -> None:
    """Row-lock, until the transaction ends, ``group`` (None: a group being made) and the
    group ``data`` sends calls to out of hours (``hold_route_targets``), and refuse the
    change of a group removed meanwhile (saving it would make it again, without its
    people) or renumbered away from a number calls are routed to (``refuse_if_routed_to``,
    naming what ``seen_by`` may see: None for the admin's staff). ``group.number`` is set
    to the number it has now. Whatever saves a group asks this first, inside the
    transaction that saves it: the page, the API and the admin."""
    groups, _menus = hold_route_targets(
        [data.out_of_hours_number], group_id=group.pk if group is not None else None
    )
    if group is None:
        return
    if group.pk not in groups:
        raise OfficinaError(
            _("This ring group was removed meanwhile: nothing was saved."), ErrorCode.NOT_FOUND
        )
    group.number = groups[group.pk]
    if data.number.strip() != group.number:
        refuse_if_routed_to(RouteKind.RING_GROUP, group.number, seen_by=seen_by, field="number")


def hold_and_check_ring_group(
    owner: PhoneOwner, data: RingGroupInput, group: RingGroup | None, *, seen_by: PhoneOwner | None
) -> RingGroupInput:
    """``data`` as ``owner``'s group ``group`` (None: a new one) is saved with it, once
    ``hold_ring_group_for_change`` has locked what the save depends on; inside the
    transaction that saves it. A new group's owner is held first
    (``hold_owner_for_adding``): its removal does not take a group made meanwhile. The
    admin asks this while validating its form, in the transaction of its change view,
    with ``seen_by=None``."""
    if group is None:
        hold_owner_for_adding(owner)
    hold_ring_group_for_change(group, data, seen_by=seen_by)
    return _check(owner, data, group)


def check_save_ring_group(
    owner: PhoneOwner, data: RingGroupInput, group: RingGroup | None = None
) -> RingGroup:
    """Create a ring group of ``owner`` (a company or a space) or change ``group``; the
    listed people keep whether they were available."""
    try:
        with transaction.atomic():
            # Checked once the group it overflows to, and the group itself, are locked:
            # neither is removed or renumbered before this is saved.
            clean = hold_and_check_ring_group(owner, data, group, seen_by=owner)
            if group is None:
                group = RingGroup(**{owner_field(owner): owner})
            group.name = clean.name
            group.number = clean.number
            group.strategy = clean.strategy
            group.targets = clean.targets
            group.ring_seconds = clean.ring_seconds
            group.in_hours_only = clean.in_hours_only
            group.out_of_hours_number = clean.out_of_hours_number
            group.save()
            was_available = dict(
                RingGroupMember.objects.filter(group=group).values_list("member_id", "available")
            )
            RingGroupMember.objects.filter(group=group).delete()
            RingGroupMember.objects.bulk_create(
                [
                    RingGroupMember(
                        group=group,
                        member_id=member_id,
                        position=position,
                        available=was_available.get(member_id, True),
                    )
                    for position, member_id in enumerate(clean.member_ids, start=1)
                ]
            )
    except IntegrityError:
        raise OfficinaError.invalid_input(
            _("%(number)s was just taken: choose another number.")
            % {"number": data.number.strip()},
            field="number",
        ) from None
    return group


def hold_ring_group_for_removal(group: RingGroup, *, seen_by: PhoneOwner | None) -> bool:
    """Row-lock ``group`` until the transaction ends and refuse (a conflict naming what
    ``seen_by`` may see, ``refuse_if_routed_to``) while calls are routed to it; False
    when it is gone already. Whatever removes a group asks this first, inside its
    transaction: a route saved meanwhile waits for the removal (``hold_route_targets``)."""
    groups, _menus = hold_route_targets([], group_id=group.pk)
    if group.pk not in groups:
        return False
    refuse_if_routed_to(RouteKind.RING_GROUP, groups[group.pk], seen_by=seen_by)
    return True


def check_delete_ring_group(group: RingGroup, *, seen_by: PhoneOwner | None) -> None:
    """Remove ``group``, unless calls are routed to it (a number, a menu's key, another
    group out of hours); the refusal names what ``seen_by`` may see (the group's owner
    on its pages, everything for the admin's staff: None)."""
    with transaction.atomic():
        if hold_ring_group_for_removal(group, seen_by=seen_by):
            group.delete()


def check_set_availability(member: Member, group: RingGroup, *, available: bool) -> None:
    """Say whether ``member`` takes ``group``'s calls (do not disturb when not)."""
    updated = RingGroupMember.objects.filter(group=group, member=member).update(available=available)
    if not updated:
        raise OfficinaError(_("You are not in this group."), ErrorCode.NOT_FOUND)


@dataclass
class BusinessHoursInput:
    time_zone: str = "Europe/Rome"
    italian_holidays: bool = True
    # Monday (0) to Sunday (6): up to two periods each (the gap between them is a break).
    weekly: list[list[tuple[time, time]]] = field(default_factory=lambda: [[] for _ in range(7)])


def check_save_business_hours(owner: PhoneOwner, data: BusinessHoursInput) -> BusinessHours:
    """Set the time zone, holidays and weekly hours of ``owner`` (a company or a space;
    its exceptions stay)."""
    try:
        ZoneInfo(data.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise OfficinaError.invalid_input(
            _("“%(name)s” is not a time zone name such as Europe/Rome.")
            % {"name": data.time_zone[:60]},
            field="time_zone",
        ) from None
    if len(data.weekly) != 7:
        raise OfficinaError.invalid_input(_("Give the hours of the seven days."), field="weekly")
    for weekday, periods in enumerate(data.weekly):
        ordered = sorted(periods)
        for opens, closes in ordered:
            if opens >= closes:
                raise OfficinaError.invalid_input(
                    _("A period must close after it opens."), field=f"day_{weekday}"
                )
        for (_opens, closes), (next_opens, _closes) in itertools.pairwise(ordered):
            if next_opens < closes:
                raise OfficinaError.invalid_input(
                    _("The periods of a day must not overlap."), field=f"day_{weekday}"
                )
    with transaction.atomic():
        owned: dict[str, Any] = {owner_field(owner): owner}
        hours, _created = BusinessHours.objects.update_or_create(
            **owned,
            defaults={"time_zone": data.time_zone, "italian_holidays": data.italian_holidays},
        )
        OpeningPeriod.objects.filter(hours=hours).delete()
        OpeningPeriod.objects.bulk_create(
            [
                OpeningPeriod(hours=hours, weekday=weekday, opens=opens, closes=closes)
                for weekday, periods in enumerate(data.weekly)
                for opens, closes in periods
            ]
        )
    return hours


def check_add_hours_exception(
    owner: PhoneOwner,
    day: date,
    *,
    opens: time | None = None,
    closes: time | None = None,
    note: str = "",
) -> HoursException:
    """Close ``owner`` on ``day`` (no times) or open it only from ``opens`` to ``closes``;
    replaces an exception already set for that day."""
    if (opens is None) != (closes is None):
        raise OfficinaError.invalid_input(
            _("Give both times, or none to close all day."), field="closes"
        )
    if opens is not None and closes is not None and opens >= closes:
        raise OfficinaError.invalid_input(_("A period must close after it opens."), field="closes")
    note = " ".join(note.split())[:80]
    with transaction.atomic():
        owned: dict[str, Any] = {owner_field(owner): owner}
        hours, _created = BusinessHours.objects.get_or_create(**owned)
        exception, _created = HoursException.objects.update_or_create(
            hours=hours, day=day, defaults={"opens": opens, "closes": closes, "note": note}
        )
    return exception


def do_remove_hours_exception(owner: PhoneOwner, exception_id: int) -> None:
    HoursException.objects.filter(
        **{f"hours__{owner_field(owner)}": owner}, pk=exception_id
    ).delete()
