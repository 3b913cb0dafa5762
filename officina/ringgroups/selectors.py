"""Reads of ring groups: a company's groups, a member's places in them, and the plans the
PBX holds in memory to ring them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from officina.accounts.selectors import company_ids_of_members

from .business_hours import Period, Schedule
from .models import BusinessHours, RingGroup, RingGroupMember

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member


def company_ring_groups(company: Company) -> QuerySet[RingGroup]:
    return RingGroup.objects.filter(company=company).prefetch_related(
        Prefetch(
            "members",
            queryset=RingGroupMember.objects.select_related("member").order_by("position", "id"),
        )
    )


def ring_group_of_company(company: Company, group_id: int) -> RingGroup | None:
    return company_ring_groups(company).filter(pk=group_id).first()


def number_is_a_ring_group(number: str, *, except_group: RingGroup | None = None) -> bool:
    groups = RingGroup.objects.filter(number=number)
    if except_group is not None:
        groups = groups.exclude(pk=except_group.pk)
    return groups.exists()


def ring_group_numbers() -> set[str]:
    return set(RingGroup.objects.values_list("number", flat=True))


def my_places(member: Member, company: Company) -> dict[int, RingGroupMember]:
    """group id → the member's place in it, for the company's groups."""
    return {
        place.group_id: place
        for place in RingGroupMember.objects.filter(member=member, group__company=company)
    }


@dataclass(frozen=True, slots=True)
class RingGroupPlan:
    """What the PBX needs to ring a group, read once and held in memory."""

    group_id: int
    company_id: int
    number: str
    name: str
    strategy: str
    targets: str
    ring_seconds: int
    # Listed members who are available, in their order (the listed targets).
    available_member_ids: tuple[int, ...]
    # Everyone of the company, by id (the targets when it rings whoever is present).
    company_member_ids: tuple[int, ...]
    # The company's hours when the group follows them (None: it rings at any hour), and
    # where calls go when the company is closed ("" for nowhere).
    schedule: Schedule | None = None
    out_of_hours_number: str = ""


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


def company_business_hours(company: Company) -> BusinessHours | None:
    return _hours_with_details().filter(company=company).first()


def company_schedule(company: Company) -> Schedule | None:
    """The company's hours as a ``Schedule`` (None when it has set none: always open)."""
    hours = company_business_hours(company)
    return _schedule_of(hours) if hours is not None else None


def company_schedules() -> dict[int, Schedule]:
    """company id → its hours, for every company that has set some. Three queries."""
    return {hours.company_id: _schedule_of(hours) for hours in _hours_with_details()}


def is_company_open(company: Company, now: datetime | None = None) -> bool | None:
    """Whether the company is within its business hours now (None: it has set none)."""
    schedule = company_schedule(company)
    if schedule is None:
        return None
    return schedule.is_open(now or timezone.now())


def ring_group_plans() -> list[RingGroupPlan]:
    """Every group, ready to ring. Five queries."""
    groups = list(
        RingGroup.objects.prefetch_related(
            Prefetch("members", queryset=RingGroupMember.objects.order_by("position", "id"))
        )
    )
    schedules = company_schedules()
    people: dict[int, list[int]] = {}
    for member_id, company_ids in company_ids_of_members().items():
        for company_id in company_ids:
            people.setdefault(company_id, []).append(member_id)
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
            company_member_ids=tuple(sorted(people.get(group.company_id, ()))),
            schedule=schedules.get(group.company_id) if group.in_hours_only else None,
            out_of_hours_number=group.out_of_hours_number,
        )
        for group in groups
    ]
