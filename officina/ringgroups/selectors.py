"""Reads of ring groups: a company's groups, a member's places in them, and the plans the
PBX holds in memory to ring them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from officina.accounts.selectors import (
    company_ids_of_members,
    owned_by_any,
    owner_field,
    space_ids_of_members,
)

from .business_hours import Period, Schedule
from .models import BusinessHours, RingGroup, RingGroupMember

if TYPE_CHECKING:
    from collections.abc import Iterable

    from officina.accounts.models import Member
    from officina.accounts.selectors import PhoneOwner


def owner_ring_groups(owner: PhoneOwner) -> QuerySet[RingGroup]:
    """The ring groups of a company or of a space."""
    return RingGroup.objects.filter(**{owner_field(owner): owner}).prefetch_related(
        Prefetch(
            "members",
            queryset=RingGroupMember.objects.select_related("member").order_by("position", "id"),
        )
    )


def ring_group_of_owner(owner: PhoneOwner, group_id: int) -> RingGroup | None:
    return owner_ring_groups(owner).filter(pk=group_id).first()


def ring_group_numbered(number: str) -> RingGroup | None:
    """The ring group whose extension is ``number``, if any."""
    return RingGroup.objects.filter(number=number).first()


def number_is_a_ring_group(number: str, *, except_group: RingGroup | None = None) -> bool:
    groups = RingGroup.objects.filter(number=number)
    if except_group is not None:
        groups = groups.exclude(pk=except_group.pk)
    return groups.exists()


def lock_ring_groups(
    numbers: Iterable[str], *, group_id: int | None = None, owners: Iterable[PhoneOwner] = ()
) -> dict[int, str]:
    """Row-lock, until the transaction ends, the ring groups numbered ``numbers``, the
    group ``group_id`` and every group of ``owners``, by id (one order for every caller,
    so two never wait for each other); their id → number as they are now. A no-op lock
    on SQLite, whose write transactions are serialised already."""
    groups = RingGroup.objects.select_for_update().filter(
        Q(number__in=list(numbers)) | Q(pk=group_id) | owned_by_any(owners)
    )
    return dict(groups.order_by("pk").values_list("pk", "number"))


def ring_groups_overflowing_to(number: str) -> list[tuple[str, int | None, int | None]]:
    """(number, its company's id, its space's id) of the groups whose calls go to
    ``number`` out of hours."""
    groups = RingGroup.objects.filter(out_of_hours_number=number).order_by("number")
    return list(groups.values_list("number", "company_id", "space_id"))


def ring_group_numbers() -> set[str]:
    return set(RingGroup.objects.values_list("number", flat=True))


def my_places(member: Member, owner: PhoneOwner) -> dict[int, RingGroupMember]:
    """group id → the member's place in it, for the groups of a company or a space."""
    places = RingGroupMember.objects.filter(
        member=member, **{f"group__{owner_field(owner)}": owner}
    )
    return {place.group_id: place for place in places}


def is_listed_in(member: Member, group: RingGroup) -> bool:
    return RingGroupMember.objects.filter(group=group, member=member).exists()


def my_ring_group_places(member: Member) -> list[RingGroupMember]:
    """The member's places in the ring groups of their companies and of the spaces they
    belong to, with each group and its owner, by the group's name."""
    return list(
        RingGroupMember.objects.filter(member=member)
        .filter(
            Q(group__company__memberships__member=member)
            | Q(group__space__memberships__member=member)
        )
        .select_related("group", "group__company", "group__space")
        .order_by("group__name", "group_id")
        .distinct()
    )


@dataclass(frozen=True, slots=True)
class RingGroupPlan:
    """What the PBX needs to ring a group, read once and held in memory."""

    group_id: int
    company_id: int | None  # exactly one of the two
    number: str
    name: str
    strategy: str
    targets: str
    ring_seconds: int
    # Listed members who are available, in their order (the listed targets).
    available_member_ids: tuple[int, ...]
    # Everyone of the company, or every member of the space, by id (the targets when it
    # rings whoever is present).
    owner_member_ids: tuple[int, ...]
    # The owner's hours when the group follows them (None: it rings at any hour), and
    # where calls go when it is closed ("" for nowhere).
    schedule: Schedule | None = None
    out_of_hours_number: str = ""
    space_id: int | None = None


def _schedule_of(hours: BusinessHours) -> Schedule:
    weekly: list[list[Period]] = [[] for _ in range(7)]
    for period in hours.periods.all():
        weekly[period.weekday].append((period.opens, period.closes))
    closed: set[date] = set()
    special: dict[date, tuple[Period, ...]] = {}
    for exception in hours.exceptions.all():
        if exception.opens is None or exception.closes is None:
            closed.add(exception.day)
        else:
            special[exception.day] = ((exception.opens, exception.closes),)
    return Schedule(
        zone=ZoneInfo(hours.time_zone),
        weekly=tuple(tuple(sorted(day)) for day in weekly),
        italian_holidays=hours.italian_holidays,
        closed_days=frozenset(closed),
        special_days=special,
    )


def _hours_with_details() -> QuerySet[BusinessHours]:
    return BusinessHours.objects.prefetch_related("periods", "exceptions")


def owner_business_hours(owner: PhoneOwner) -> BusinessHours | None:
    """The business hours of a company or of a space."""
    return _hours_with_details().filter(**{owner_field(owner): owner}).first()


def owner_schedule(owner: PhoneOwner) -> Schedule | None:
    """The owner's hours as a ``Schedule`` (None when it has set none: always open)."""
    hours = owner_business_hours(owner)
    return _schedule_of(hours) if hours is not None else None


def company_schedules() -> dict[int, Schedule]:
    """company id → its hours, for every company that has set some. Three queries."""
    return {
        hours.company_id: _schedule_of(hours)
        for hours in _hours_with_details().filter(company__isnull=False)
        if hours.company_id is not None
    }


def space_schedules() -> dict[int, Schedule]:
    """space id → its hours, for every space that has set some. Three queries."""
    return {
        hours.space_id: _schedule_of(hours)
        for hours in _hours_with_details().filter(space__isnull=False)
        if hours.space_id is not None
    }


def is_owner_open(owner: PhoneOwner, now: datetime | None = None) -> bool | None:
    """Whether the company or space is within its business hours now (None: it has set
    none)."""
    schedule = owner_schedule(owner)
    if schedule is None:
        return None
    return schedule.is_open(now or timezone.now())


def ring_group_plans() -> list[RingGroupPlan]:
    """Every group, ready to ring. Nine queries."""
    groups = list(
        RingGroup.objects.prefetch_related(
            Prefetch("members", queryset=RingGroupMember.objects.order_by("position", "id"))
        )
    )
    schedules = company_schedules()
    of_spaces = space_schedules()
    people: dict[int, list[int]] = {}
    for member_id, company_ids in company_ids_of_members().items():
        for company_id in company_ids:
            people.setdefault(company_id, []).append(member_id)
    members: dict[int, list[int]] = {}
    for member_id, space_ids in space_ids_of_members().items():
        for space_id in space_ids:
            members.setdefault(space_id, []).append(member_id)
    return [
        RingGroupPlan(
            group_id=group.pk,
            company_id=group.company_id,
            number=group.number,
            name=group.name,
            strategy=group.strategy,
            targets=group.targets,
            ring_seconds=group.ring_seconds,
            available_member_ids=tuple(
                place.member_id for place in group.members.all() if place.available
            ),
            owner_member_ids=tuple(
                sorted(
                    members.get(group.space_id, ())
                    if group.space_id is not None
                    else people.get(group.company_id or 0, ())
                )
            ),
            schedule=(
                (
                    of_spaces.get(group.space_id)
                    if group.space_id is not None
                    else schedules.get(group.company_id or 0)
                )
                if group.in_hours_only
                else None
            ),
            out_of_hours_number=group.out_of_hours_number,
            space_id=group.space_id,
        )
        for group in groups
    ]
