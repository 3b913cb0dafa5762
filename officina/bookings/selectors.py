"""Reads of bookings: a resource's opening window on a day, who holds it when, a day's
availability per resource, free slots that fit a request, and a member's bookings."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from officina.accounts.names import shown_name
from officina.core.calendar_feeds import could_be_secret

from .kinds import (
    ACTIVE_STATUSES,
    LONGEST_BOOKING_MINUTES,
    LONGEST_BUFFER_MINUTES,
    BookingStatus,
    ResourceKind,
    amenity_labels,
)
from .local_times import instant_on
from .models import (
    Booking,
    BookingFeedToken,
    BookingGuest,
    BookingSeries,
    DeskRelease,
    OpeningHours,
    Resource,
    ResourcePhoto,
)

if TYPE_CHECKING:
    from officina.accounts.models import Member, Space

# A booking holds its resource for at most this long (its length and its buffer), so one
# that holds it at some moment of a period started at most this long before the period.
LONGEST_HOLD = timedelta(minutes=LONGEST_BOOKING_MINUTES + LONGEST_BUFFER_MINUTES)


class Period(NamedTuple):
    # A tuple: a day's availability makes a thousand of them, and a frozen dataclass
    # takes half as long again to build.
    starts_at: datetime
    ends_at: datetime

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


# --- a day's two reads, written once ----------------------------------------------------
#
# A day's availability and every search for a slot read the opening hours and the
# bookings of hundreds of resources. Built through the ORM, each of the two queries was
# compiled again on every call, an ``IN`` of hundreds of ids with it, and the opening
# times went through SQLite's converters: about 4 ms of CPU of the 15 a day of 200
# resources cost. They are written once per database vendor instead, the ids passed as
# one parameter (a JSON array on SQLite, an array on PostgreSQL), and return what the
# ORM's queries returned (tests/test_selectors.py compares the two).


def _one_of(column: str, vendor: str) -> str:
    """SQL: ``column`` is one of the ids passed as one parameter (``_parameter``)."""
    if vendor == "sqlite":
        return f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 (our column)
    return f"{column} = ANY(%s)"


def _as_stored(column: str, vendor: str) -> str:
    """SQL reading a datetime or time column as ``_instant`` and ``_clock`` parse it.

    On SQLite a datetime column comes back through two converters, the driver's for its
    declared type and Django's making it aware (``replace(tzinfo=...)``, slow); for a
    day's hundreds of bookings, three datetimes each, they were the largest part of
    reading availability. Read as text (stored in UTC, ISO format), a value is parsed
    once, offset included, by ``datetime.fromisoformat``.
    PostgreSQL's driver returns aware datetimes itself: read them as they are."""
    return f"CAST({column} AS text)" if vendor == "sqlite" else column


def _columns(model: type[Model], *names: str) -> list[str]:
    """The quoted table and columns of these fields of ``model``."""
    quote = connections[router.db_for_read(model)].ops.quote_name
    table = quote(model._meta.db_table)
    column = {field.name: field.column for field in model._meta.concrete_fields}
    return [table] + [f"{table}.{quote(column[name])}" for name in names]


@cache
def _hours_statement(vendor: str) -> str:
    """Opening hours of the resources whose ids are the first parameter on the weekdays
    listed in the second: their resource's id, weekday, opening and closing times."""
    table, resource, weekday, opens, closes = _columns(
        OpeningHours, "resource", "weekday", "opens", "closes"
    )
    return (
        f"SELECT {resource}, {weekday}, {_as_stored(opens, vendor)}, {_as_stored(closes, vendor)} "  # noqa: S608
        f"FROM {table} WHERE {_one_of(resource, vendor)} AND {_one_of(weekday, vendor)}"
    )


@cache
def _held_statement(vendor: str) -> str:
    """The query of ``_holding`` (its parameters in the order of its filters), reading
    each booking's resource id, times, status and member's id and names."""
    table, resource, starts_at, ends_at, blocked_until, status, member = _columns(
        Booking, "resource", "starts_at", "ends_at", "blocked_until", "status", "member"
    )
    member_model = Booking._meta.get_field("member").related_model
    assert isinstance(member_model, type)  # a model, not "self"
    members, member_pk, first_name, last_name, email = _columns(
        member_model, "id", "first_name", "last_name", "email"
    )
    statuses = ", ".join(["%s"] * len(ACTIVE_STATUSES))
    times = ", ".join(_as_stored(column, vendor) for column in (starts_at, ends_at, blocked_until))
    # In no order: sorting them all in SQL needs a temporary B-tree; each resource's few
    # are sorted in Python (two active bookings of a resource never start together).
    return (
        f"SELECT {resource}, {times}, {status}, {member}, {first_name}, {last_name}, {email} "  # noqa: S608
        f"FROM {table} INNER JOIN {members} ON {member} = {member_pk} "
        f"WHERE {_one_of(resource, vendor)} AND {status} IN ({statuses}) "
        # The lower bound lets the (resource, starts_at, blocked_until) index narrow the search.
        f"AND {starts_at} >= %s AND {starts_at} < %s AND {blocked_until} > %s"
    )


def _run(statement: Callable[[str], str], params: Sequence[object]) -> list[tuple[Any, ...]]:
    """The rows of one of the statements above, on the database bookings are read from:
    a list of ids and datetimes among ``params`` passed as the vendor takes them."""
    connection = connections[router.db_for_read(Booking)]
    with connection.cursor() as cursor:
        cursor.execute(
            statement(connection.vendor), [_parameter(connection, value) for value in params]
        )
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


def _parameter(connection: BaseDatabaseWrapper, value: object) -> Any:
    if isinstance(value, list):
        return json.dumps(value) if connection.vendor == "sqlite" else value
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _clock(value: time | str) -> time:
    """A time column read with ``_as_stored``."""
    return time.fromisoformat(value) if isinstance(value, str) else value


def opening_windows(zones: Mapping[int, ZoneInfo], day: date) -> dict[int, Period]:
    """resource id → when it may be booked on the space's local ``day``, for the resources
    of ``zones`` (each with its space's zone); one query; a resource closed that day has
    no entry."""
    return opening_windows_on(zones, [day])[day]


def opening_windows_on(
    zones: Mapping[int, ZoneInfo], days: Sequence[date]
) -> dict[date, dict[int, Period]]:
    """``opening_windows`` of each of ``days``, in one query whatever their number."""
    hours: dict[int, list[tuple[int, time | str, time | str]]] = defaultdict(list)
    weekdays = sorted({day.weekday() for day in days})
    for resource_id, weekday, opens, closes in _run(_hours_statement, [list(zones), weekdays]):
        hours[weekday].append((resource_id, opens, closes))
    windows: dict[date, dict[int, Period]] = {}
    for day in days:
        on_day: dict[int, Period] = {}
        windows[day] = on_day
        # A space's resources mostly share their hours: each distinct window is worked
        # out once, not twice per resource (a day's availability reads hundreds).
        shared: dict[tuple[time | str, time | str, ZoneInfo], Period] = {}
        for resource_id, opens, closes in hours[day.weekday()]:
            zone = zones[resource_id]
            window = shared.get((opens, closes, zone))
            if window is None:
                window = Period(
                    instant_on(day, _clock(opens), zone), instant_on(day, _clock(closes), zone)
                )
                shared[opens, closes, zone] = window
            on_day[resource_id] = window
    return windows


def opening_window(resource: Resource, day: date) -> Period | None:
    """When ``resource`` may be booked on the space's local ``day``; None if closed."""
    return opening_windows({resource.pk: resource.space.zone}, day).get(resource.pk)


BOOKING_FIELDS = (
    "id",
    "resource_id",
    "member_id",
    "title",
    "starts_at",
    "ends_at",
    "blocked_until",
    "status",
)


def _holding(resource_ids: Sequence[int], period: Period) -> QuerySet[Booking]:
    """Active bookings of these resources that hold them at some moment of ``period``
    (their buffer included), in order."""
    return Booking.objects.filter(
        resource_id__in=resource_ids,
        status__in=ACTIVE_STATUSES,
        # The lower bound lets the (resource, starts_at, blocked_until) index narrow the search.
        starts_at__gte=period.starts_at - LONGEST_HOLD,
        starts_at__lt=period.ends_at,
        blocked_until__gt=period.starts_at,
    ).order_by("starts_at", "id")


def active_bookings(resource_ids: Sequence[int], period: Period) -> QuerySet[Booking]:
    """Active bookings of these resources that hold them at some moment of ``period``
    (their buffer included), with who booked them."""
    return (
        _holding(resource_ids, period)
        .select_related("member")
        # Pages show who booked; the rest of the member's row is not needed.
        .only(*BOOKING_FIELDS, "member__first_name", "member__last_name", "member__email")
    )


def first_clash(
    resource: Resource,
    starts_at: datetime,
    blocked_until: datetime,
    *,
    ignoring: Booking | None = None,
) -> Booking | None:
    """An active booking that a booking of ``[starts_at, blocked_until)`` would overlap:
    one holding the resource then, or one whose start falls within our buffer."""
    clashes = active_bookings([resource.pk], Period(starts_at, blocked_until))
    if ignoring is not None:
        clashes = clashes.exclude(pk=ignoring.pk)
    return clashes.first()


@dataclass(frozen=True, slots=True)
class ResourceRow:
    """A resource as a day's availability and finding a slot read it: the columns they
    show and apply, as plain values. A space's day reads hundreds of resources, and
    building model instances (each with its space) was most of its time."""

    pk: int
    name: str
    kind: str
    capacity: int
    amenities: tuple[str, ...]
    max_minutes: int
    max_days_ahead: int
    min_notice_minutes: int
    buffer_minutes: int
    zone: ZoneInfo

    @classmethod
    def of(cls, resource: Resource) -> ResourceRow:
        """The row of a resource already read (with its space)."""
        return cls(
            resource.pk,
            resource.name,
            resource.kind,
            resource.capacity,
            tuple(resource.amenities),
            resource.max_minutes,
            resource.max_days_ahead,
            resource.min_notice_minutes,
            resource.buffer_minutes,
            resource.space.zone,
        )

    @property
    def kind_label(self) -> str:
        return str(ResourceKind(self.kind).label)

    @property
    def amenity_labels(self) -> list[str]:
        return amenity_labels(self.amenities)


def resource_rows(resources: QuerySet[Resource]) -> list[ResourceRow]:
    """The rows of these resources (one query): pass the reader's resources, e.g.
    ``access.space_resources(member, space)``, so that the access rules stay theirs."""
    rows = resources.values_list(
        "pk",
        "name",
        "kind",
        "capacity",
        "amenities",
        "max_minutes",
        "max_days_ahead",
        "min_notice_minutes",
        "buffer_minutes",
        "space__time_zone",
    )
    return [
        ResourceRow(
            pk,
            name,
            kind,
            capacity,
            tuple(amenities),
            max_minutes,
            max_days_ahead,
            min_notice_minutes,
            buffer_minutes,
            ZoneInfo(zone_name),
        )
        for (
            pk,
            name,
            kind,
            capacity,
            amenities,
            max_minutes,
            max_days_ahead,
            min_notice_minutes,
            buffer_minutes,
            zone_name,
        ) in rows
    ]


@dataclass(frozen=True, slots=True)
class HeldTime:
    """An active booking as a day shows it: its times, whether it waits for approval,
    and who booked it (named as ``Member.display_name`` names them)."""

    starts_at: datetime
    ends_at: datetime
    blocked_until: datetime
    status: str
    member_id: int
    member_name: str


def _instant(value: datetime | str) -> datetime:
    """A datetime column read with ``_as_stored``: an aware datetime."""
    if isinstance(value, str):
        # Parsed with its offset: some ten times faster than ``replace(tzinfo=UTC)`` after.
        return datetime.fromisoformat(value + "+00:00")
    return value


def _held_times(resource_ids: Sequence[int], period: Period) -> dict[int, list[HeldTime]]:
    """resource id → its active bookings holding it during ``period`` (as ``_holding``
    finds them), as plain rows, with their members' names read in the same query."""
    params = [
        list(resource_ids),
        *ACTIVE_STATUSES,
        period.starts_at - LONGEST_HOLD,
        period.ends_at,
        period.starts_at,
    ]
    by_resource: dict[int, list[HeldTime]] = defaultdict(list)
    # A space's bookings mostly start and end on the same hours: each is parsed once.
    instants: dict[datetime | str, datetime] = {}

    def instant(value: datetime | str) -> datetime:
        parsed = instants.get(value)
        if parsed is None:
            parsed = instants[value] = _instant(value)
        return parsed

    for resource_id, starts_at, ends_at, blocked_until, status, member_id, *name in _run(
        _held_statement, params
    ):
        by_resource[resource_id].append(
            HeldTime(
                instant(starts_at),
                instant(ends_at),
                instant(blocked_until),
                status,
                member_id,
                shown_name(*name),
            )
        )
    for held in by_resource.values():
        held.sort(key=attrgetter("starts_at"))
    return by_resource


@dataclass
class ResourceDay:
    """A resource on one local day: its opening window, its bookings, its free periods."""

    resource: ResourceRow
    window: Period | None
    bookings: list[HeldTime] = field(default_factory=list)
    free: list[Period] = field(default_factory=list)


class _Hold(Protocol):
    @property
    def starts_at(self) -> datetime: ...
    @property
    def blocked_until(self) -> datetime: ...


_starts_at = attrgetter("starts_at")


def _free_periods(window: Period, bookings: Iterable[_Hold], buffer: timedelta) -> list[Period]:
    """Parts of ``window`` where a new booking could start and end: away from every
    booking's held range, and ending at least ``buffer`` before the next one starts.

    Each period is non-empty: it starts at the opening or where a booking's hold ended,
    and ends where the next booking's buffer begins or at the closing. A day of a
    space runs this for each of its resources: give it a window in UTC, the zone of the
    bookings' times, and each comparison is of two plain values (two datetimes in
    different zones are compared through both offsets)."""
    free: list[Period] = []
    cursor, closes = window
    for booking in sorted(bookings, key=_starts_at):
        if cursor >= closes:
            return free
        busy_from = booking.starts_at - buffer
        if busy_from > cursor:
            free.append(Period(cursor, busy_from if busy_from < closes else closes))
        if booking.blocked_until > cursor:
            cursor = booking.blocked_until
    if cursor < closes:
        free.append(Period(cursor, closes))
    return free


def day_of_resources(resources: Sequence[ResourceRow], day: date) -> list[ResourceDay]:
    """Each resource's opening window, bookings and free periods on ``day``: two queries
    for any number of resources (of one space)."""
    return days_of_resources(resources, [day])[0] if resources else []


def _whole_day(day: date, zone: ZoneInfo) -> Period:
    return Period(
        instant_on(day, time.min, zone), instant_on(day + timedelta(days=1), time.min, zone)
    )


def days_of_resources(
    resources: Sequence[ResourceRow], days: Sequence[date]
) -> list[list[ResourceDay]]:
    """``day_of_resources`` of each of ``days`` (in order, e.g. a week), in two queries
    whatever the number of resources and days: a booking over midnight is on both days."""
    if not resources or not days:
        return [[] for _day in days]
    windows = opening_windows_on({resource.pk: resource.zone for resource in resources}, days)
    zone = resources[0].zone
    whole_days = [_whole_day(day, zone) for day in days]
    held = _held_times(
        [resource.pk for resource in resources],
        Period(min(whole_days).starts_at, max(whole_days).ends_at),
    )
    # Each distinct window once in UTC, for _free_periods.
    in_utc = {
        window: Period(window.starts_at.astimezone(UTC), window.ends_at.astimezone(UTC))
        for on_day in windows.values()
        for window in set(on_day.values())
    }
    shown = []
    for day, whole_day in zip(days, whole_days, strict=True):
        resource_days = []
        for resource in resources:
            window = windows[day].get(resource.pk)
            # Those holding the resource during the day, as _holding finds them.
            bookings = [
                booking
                for booking in held.get(resource.pk, [])
                if booking.starts_at < whole_day.ends_at
                and booking.blocked_until > whole_day.starts_at
            ]
            resource_day = ResourceDay(resource, window, bookings)
            if window is not None:
                buffer = timedelta(minutes=resource.buffer_minutes)
                resource_day.free = _free_periods(in_utc[window], bookings, buffer)
            resource_days.append(resource_day)
        shown.append(resource_days)
    return shown


@dataclass(frozen=True)
class SlotRequest:
    """ "A room for 6 with a screen, tomorrow between 10 and 12, for an hour"."""

    day: date
    earliest: time
    latest: time
    minutes: int
    people: int = 1
    amenities: tuple[str, ...] = ()
    kind: str = ""


@dataclass(frozen=True)
class Slot:
    resource: ResourceRow
    starts_at: datetime
    ends_at: datetime
    free_until: datetime


def find_slots(
    resources: Iterable[ResourceRow], request: SlotRequest, *, now: datetime | None = None
) -> list[Slot]:
    """For every resource that fits the request, the earliest start in each free period
    of the asked window long enough for the booking, earliest first then by size."""
    now = now or timezone.now()
    fitting = [
        resource
        for resource in resources
        if resource.capacity >= request.people
        and set(request.amenities) <= set(resource.amenities)
        and (not request.kind or resource.kind == request.kind)
        and resource.max_minutes >= request.minutes
        and request.day <= (now + timedelta(days=resource.max_days_ahead)).date()
    ]
    length = timedelta(minutes=request.minutes)
    slots: list[Slot] = []
    for resource_day in day_of_resources(fitting, request.day):
        resource = resource_day.resource
        zone = resource.zone
        earliest_start = max(
            instant_on(request.day, request.earliest, zone),
            now + timedelta(minutes=resource.min_notice_minutes),
        )
        latest_end = instant_on(request.day, request.latest, zone)
        for free in resource_day.free:
            starts_at = max(free.starts_at, earliest_start)
            ends_by = min(free.ends_at, latest_end)
            if starts_at + length <= ends_by:
                slots.append(Slot(resource, starts_at, starts_at + length, ends_by))
    return sorted(
        slots, key=lambda slot: (slot.starts_at, slot.resource.capacity, slot.resource.pk)
    )


def member_bookings(
    member: Member, *, now: datetime | None = None, include_past: bool = False
) -> QuerySet[Booking]:
    """The member's bookings not yet over (or all of them), soonest first."""
    now = now or timezone.now()
    bookings = Booking.objects.filter(member=member).select_related("resource__space")
    if not include_past:
        bookings = bookings.filter(ends_at__gt=now).exclude(
            status__in=[BookingStatus.CANCELLED, BookingStatus.DECLINED, BookingStatus.RELEASED]
        )
    return bookings.order_by("starts_at", "id")


@dataclass(frozen=True)
class CalendarEntry:
    """A booking on a member's calendar: their own, or one they are a guest of."""

    booking: Booking
    as_guest: bool


def member_calendar(member: Member, days: Sequence[date]) -> list[list[CalendarEntry]]:
    """For each of ``days`` (local days, each booking's in its space's zone), the active
    bookings of the member and those they are a guest of that fall on it, soonest first:
    one query. A booking over midnight is on each of its days."""
    # Every zone is within 14 hours of UTC: the query reads a little more than needed,
    # and each booking is placed on its days in its own space's zone below.
    margin = timedelta(hours=14)
    first = datetime.combine(min(days), time.min, tzinfo=UTC) - margin
    last = datetime.combine(max(days) + timedelta(days=1), time.min, tzinfo=UTC) + margin
    bookings = (
        Booking.objects.filter(Q(member=member) | Q(guests__member=member))
        .filter(status__in=ACTIVE_STATUSES, starts_at__lt=last, ends_at__gt=first)
        .select_related("resource__space")
        .distinct()
        .order_by("starts_at", "id")
    )
    shown: list[list[CalendarEntry]] = [[] for _day in days]
    for booking in bookings:
        zone = booking.resource.space.zone
        entry = CalendarEntry(booking, as_guest=booking.member_id != member.pk)
        for index, day in enumerate(days):
            whole_day = _whole_day(day, zone)
            if booking.starts_at < whole_day.ends_at and booking.ends_at > whole_day.starts_at:
                shown[index].append(entry)
    return shown


def days_left(booking: Booking, *, now: datetime | None = None) -> list[date]:
    """The local days a booking over several days still holds (not over yet), each of
    which can be cancelled alone; none for a booking within one day."""
    now = now or timezone.now()
    zone = booking.resource.space.zone
    first = booking.starts_at.astimezone(zone).date()
    # A part that ends at midnight does not hold the day that begins then.
    last = (booking.ends_at - timedelta(microseconds=1)).astimezone(zone).date()
    if last == first:
        return []
    today = now.astimezone(zone).date()
    return [
        day
        for day in (first + timedelta(days=offset) for offset in range((last - first).days + 1))
        if day >= today
    ]


def _feed_bookings(bookings: QuerySet[Booking], now: datetime | None) -> list[Booking]:
    """What a calendar feed shows of ``bookings``: the active ones from a month ago on."""
    now = now or timezone.now()
    return list(
        bookings.filter(status__in=ACTIVE_STATUSES, ends_at__gte=now - timedelta(days=30))
        .select_related("resource__space")
        .order_by("starts_at", "id")[:500]
    )


def feed_bookings(member: Member, *, now: datetime | None = None) -> list[Booking]:
    """What the member's calendar feed shows: their active bookings from a month ago on."""
    return _feed_bookings(Booking.objects.filter(member=member), now)


def resource_feed_bookings(resource: Resource, *, now: datetime | None = None) -> list[Booking]:
    """What the resource's calendar feed shows: its active bookings from a month ago on,
    each with its booker (the feed names them)."""
    return _feed_bookings(Booking.objects.filter(resource=resource).select_related("member"), now)


def resource_by_feed_token(token: str) -> Resource | None:
    """The bookable resource whose calendar address carries ``token``."""
    if not could_be_secret(token):
        return None
    return Resource.objects.select_related("space").filter(feed_token=token, is_active=True).first()


def member_by_feed_token(token: str) -> Member | None:
    """The active member whose bookings calendar address carries ``token``."""
    return BookingFeedToken.member_with(token)


def pending_bookings(resources: QuerySet[Resource]) -> list[Booking]:
    """Requests waiting for a manager's answer on these resources, oldest first."""
    return list(
        Booking.objects.filter(resource__in=resources, status=BookingStatus.PENDING)
        .select_related("resource", "member")
        .order_by("created_at", "id")
    )


def bookings_by_ids(booking_ids: Sequence[int]) -> dict[int, Booking]:
    """Bookings by id with their resource and space, whoever made them: for a caller that
    decided already who may see them (a project shows its linked bookings to its people)."""
    bookings = Booking.objects.filter(pk__in=list(booking_ids)).select_related("resource__space")
    return {booking.pk: booking for booking in bookings}


def series_occurrences(series: BookingSeries) -> list[Booking]:
    """Every date of a series, whatever its status, in order."""
    return list(series.occurrences.select_related("resource__space").order_by("starts_at", "id"))


# --- desks and presence ------------------------------------------------------------------


def local_day(space: Space, now: datetime) -> Period:
    """The space's local day that ``now`` falls in, midnight to midnight (23 or 25 hours
    long on the days the clocks change)."""
    today = now.astimezone(space.zone).date()
    return Period(
        instant_on(today, time(0, 0), space.zone),
        instant_on(today + timedelta(days=1), time(0, 0), space.zone),
    )


def claimed_on(day: Period) -> Q:
    """Desk bookings claimed on that local day. A desk booked over several days is
    claimed day by day: a claim counts for the day it was made on."""
    return Q(claimed_at__gte=day.starts_at, claimed_at__lt=day.ends_at)


def _desk_bookings_today(space: Space, now: datetime) -> QuerySet[Booking]:
    """Confirmed desk bookings of ``space`` running now or later on its local day."""
    return Booking.objects.filter(
        resource__space=space,
        resource__kind=ResourceKind.DESK,
        status=BookingStatus.CONFIRMED,
        starts_at__lt=local_day(space, now).ends_at,
        ends_at__gt=now,
    )


def desk_to_claim(member: Member, space: Space, *, now: datetime | None = None) -> Booking | None:
    """The member's desk booked in ``space`` for today (the earliest not yet over), not
    claimed today: what the check-in form offers to take."""
    now = now or timezone.now()
    return (
        _desk_bookings_today(space, now)
        .filter(member=member)
        .exclude(claimed_on(local_day(space, now)))
        .select_related("resource")
        .order_by("starts_at", "id")
        .first()
    )


def claimed_desk_names(
    space: Space, member_ids: Iterable[int], *, now: datetime | None = None
) -> dict[int, str]:
    """member id → the name of the desk they claimed in ``space`` today (the booking
    not over yet). The caller chose whose these are: who's here passes the people the
    viewer may see."""
    now = now or timezone.now()
    rows = (
        _desk_bookings_today(space, now)
        .filter(claimed_on(local_day(space, now)), member_id__in=list(member_ids))
        .order_by("-starts_at", "-id")
        .values_list("member_id", "resource__name")
    )
    names: dict[int, str] = {}
    for member_id, desk in rows:
        names.setdefault(member_id, desk)
    return names


def desk_release(space: Space) -> DeskRelease | None:
    """The space's release time for unclaimed desks, if it has one."""
    return DeskRelease.objects.filter(space=space).first()


# --- guests ------------------------------------------------------------------------------


def booking_guests(booking: Booking) -> list[BookingGuest]:
    """Everyone invited to a booking, for its member and the space's managers."""
    return list(booking.guests.order_by("id"))


@dataclass(frozen=True)
class ComingToday:
    """A booking of the day and who is coming to it, as one reader may see it: the
    names they may read, and how many more guests there are."""

    booking: Booking
    names: list[str]
    others: int


def coming_today(
    reader: Member | None,
    space: Space,
    *,
    resource: Resource | None = None,
    now: datetime | None = None,
) -> list[ComingToday]:
    """The day's bookings with guests in ``space`` (or of one ``resource`` of it), not
    over yet, with who is coming as ``reader`` may see it.

    Members invited are named to a reader who may see them (an active member to a
    signed-in member of the community); outside guests are named to the space's
    managers only; everyone else is counted. ``reader`` None is the kiosk at the door,
    read by anyone in the hall: it names nobody."""
    from officina.accounts.access import is_space_manager
    from officina.accounts.selectors import may_see_members, visible_member_ids_by_email

    now = now or timezone.now()
    tomorrow = now.astimezone(space.zone).date() + timedelta(days=1)
    bookings = Booking.objects.filter(
        resource__space=space,
        status__in=ACTIVE_STATUSES,
        ends_at__gt=now,
        starts_at__lt=instant_on(tomorrow, time(0, 0), space.zone),
        guests__isnull=False,
    )
    if resource is not None:
        bookings = bookings.filter(resource=resource)
    found = list(
        bookings.distinct()
        .select_related("resource")
        .prefetch_related("guests")
        .order_by("starts_at", "id")
    )
    manager = reader is not None and is_space_manager(reader, space)
    member_emails = [g.email for b in found for g in b.guests.all() if g.member_id]
    visible = (
        set(visible_member_ids_by_email(member_emails).values())
        if reader is not None and may_see_members(reader)
        else set()
    )
    coming = []
    for booking in found:
        names, others = [], 0
        for guest in booking.guests.all():
            if guest.member_id is not None and guest.member_id in visible:
                names.append(guest.name)
            elif guest.member_id is None and manager:
                names.append(guest.name or guest.email)
            else:
                others += 1
        coming.append(ComingToday(booking, names, others))
    return coming


def resource_photos(resource: Resource) -> list[ResourcePhoto]:
    """A resource's photos in their order, the first being its thumbnail."""
    return list(resource.photos.all())


def photos_by_resource(resource_ids: Iterable[int]) -> dict[int, list[ResourcePhoto]]:
    """The photos of each of these resources that has any, in their order (one query)."""
    photos: dict[int, list[ResourcePhoto]] = defaultdict(list)
    for photo in ResourcePhoto.objects.filter(resource_id__in=list(resource_ids)).order_by(
        "resource_id", "position", "id"
    ):
        photos[photo.resource_id].append(photo)
    return dict(photos)


def first_photos(resource_ids: Iterable[int]) -> dict[int, ResourcePhoto]:
    """The first photo of each of these resources that has any: the thumbnails of a
    space's day and of a search's answer."""
    return {pk: photos[0] for pk, photos in photos_by_resource(resource_ids).items()}
