"""A day's availability and finding a slot."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from officina.bookings.actions import check_book, check_cancel, check_create_resource
from officina.bookings.kinds import LONGEST_BOOKING_MINUTES, LONGEST_BUFFER_MINUTES
from officina.bookings.models import OpeningHours, Resource
from officina.bookings.selectors import (
    HeldTime,
    Period,
    ResourceRow,
    SlotRequest,
    _free_periods,
    active_bookings,
    day_of_resources,
    find_slots,
    resource_rows,
)
from officina.bookings.tests.fixtures import EVERY_DAY, at

pytestmark = pytest.mark.django_db

DAY = date(2027, 6, 8)
NOW = datetime(2027, 6, 7, 9, 0, tzinfo=ZoneInfo("Europe/Rome"))


def local_periods(periods: Any, space: Any) -> list[tuple[time, time]]:
    return [
        (p.starts_at.astimezone(space.zone).time(), p.ends_at.astimezone(space.zone).time())
        for p in periods
    ]


def test_a_day_shows_bookings_and_the_free_periods_around_their_buffers(
    giulia, marco, room, buffered_room, navigli, django_assert_max_num_queries
):
    for resource in (room, buffered_room):
        check_book(
            giulia, resource, starts_at=at(navigli, DAY, 10), ends_at=at(navigli, DAY, 11), now=NOW
        )
    check_book(marco, room, starts_at=at(navigli, DAY, 11), ends_at=at(navigli, DAY, 12), now=NOW)
    resources = resource_rows(navigli.bookable_resources)
    with django_assert_max_num_queries(2):
        days = {d.resource.name: d for d in day_of_resources(resources, DAY)}
    assert local_periods(days["Sala Brera"].free, navigli) == [
        (time(8), time(10)),
        (time(12), time(20)),
    ]
    # 15 minutes kept free after each booking, and before it for the next booking's sake.
    assert local_periods(days["Sala Darsena"].free, navigli) == [
        (time(8), time(9, 45)),
        (time(11, 15), time(20)),
    ]
    assert [(b.member_id, b.member_name) for b in days["Sala Brera"].bookings] == [
        (giulia.pk, giulia.display_name),
        (marco.pk, marco.display_name),
    ]


def _day_read_as_models(resources: list[Resource], day: date) -> list[tuple[Any, ...]]:
    """A day as it was read before it was read as plain rows: model instances (resources
    with their space, bookings with their member), each resource on its own."""
    whole = []
    for resource in resources:
        zone = resource.space.zone
        hours = OpeningHours.objects.filter(resource=resource, weekday=day.weekday()).first()
        window = (
            Period(
                datetime.combine(day, hours.opens, tzinfo=zone),
                datetime.combine(day, hours.closes, tzinfo=zone),
            )
            if hours
            else None
        )
        start = datetime.combine(day, time.min, tzinfo=zone)
        bookings = list(active_bookings([resource.pk], Period(start, start + timedelta(days=1))))
        buffer = timedelta(minutes=resource.buffer_minutes)
        whole.append(
            (
                resource.pk,
                resource.name,
                resource.get_kind_display(),
                resource.capacity,
                window,
                [
                    (
                        b.starts_at,
                        b.ends_at,
                        b.blocked_until,
                        b.status,
                        b.member.pk,
                        b.member.display_name,
                    )
                    for b in bookings
                ],
                _free_periods(window, bookings, buffer) if window else [],
            )
        )
    return whole


def _day_read_as_rows(resources: list[ResourceRow], day: date) -> list[tuple[Any, ...]]:
    return [
        (
            d.resource.pk,
            d.resource.name,
            d.resource.kind_label,
            d.resource.capacity,
            d.window,
            [
                (b.starts_at, b.ends_at, b.blocked_until, b.status, b.member_id, b.member_name)
                for b in d.bookings
            ],
            d.free,
        )
        for d in day_of_resources(resources, day)
    ]


def test_a_day_read_as_rows_is_the_day_read_as_models(
    giulia, marco, luca, room, buffered_room, navigli, make_member
):
    """A seeded day: pending, confirmed, cancelled and back-to-back bookings, a booking
    of the evening before whose buffer runs past midnight, a member without a name, a closed
    resource, a resource with a buffer."""
    check_create_resource(
        luca,
        navigli,
        name="Cabina",
        kind="booth",
        capacity=1,
        approval_required=True,
        buffer_minutes=60,
        hours={weekday: (time(0), time(23, 59)) for weekday in range(7)},
    )
    check_create_resource(
        luca,
        navigli,
        name="Chiusa",
        kind="desk",
        hours={(DAY.weekday() + 1) % 7: (time(9), time(17))},
    )
    nameless = make_member("nameless.person@example.test", first_name="", last_name="")
    navigli.memberships.create(member=nameless)
    booth = Resource.objects.get(name="Cabina")
    check_book(giulia, room, starts_at=at(navigli, DAY, 9), ends_at=at(navigli, DAY, 10), now=NOW)
    check_book(marco, room, starts_at=at(navigli, DAY, 10), ends_at=at(navigli, DAY, 11), now=NOW)
    cancelled = check_book(
        marco, room, starts_at=at(navigli, DAY, 14), ends_at=at(navigli, DAY, 15), now=NOW
    )
    check_cancel(marco, cancelled, now=NOW)
    check_book(
        nameless,
        buffered_room,
        starts_at=at(navigli, DAY, 12),
        ends_at=at(navigli, DAY, 13),
        now=NOW,
    )
    check_book(
        giulia, buffered_room, starts_at=at(navigli, DAY, 16), ends_at=at(navigli, DAY, 19), now=NOW
    )
    evening_before = DAY - timedelta(days=1)
    check_book(
        marco,
        booth,
        starts_at=at(navigli, evening_before, 22, 30),
        ends_at=at(navigli, evening_before, 23, 30),
        now=NOW,
    )
    check_book(nameless, booth, starts_at=at(navigli, DAY, 8), ends_at=at(navigli, DAY, 9), now=NOW)

    as_models = _day_read_as_models(list(navigli.bookable_resources.select_related("space")), DAY)
    as_rows = _day_read_as_rows(resource_rows(navigli.bookable_resources), DAY)
    assert as_rows == as_models
    # The seeded day has what it should, so the comparison compares something.
    booked = {name: bookings for _pk, name, _kind, _cap, _window, bookings, _free in as_rows}
    assert len(booked["Sala Brera"]) == 2 and len(booked["Sala Darsena"]) == 2
    assert [b[3] for b in booked["Cabina"]] == ["pending", "pending"]
    assert booked["Sala Darsena"][0][5] == "nameless.person"
    assert as_rows[[row[1] for row in as_rows].index("Chiusa")][4] is None


def test_bookings_over_several_days_are_read_as_models_read_them(giulia, marco, luca, navigli):
    """A day's read starts a week and a buffer before the day (``LONGEST_HOLD``): a desk
    held the longest time allowed, with the longest buffer, from as early as it can still
    hold the day; one held across the whole day; one whose buffer ends at the day's
    midnight (not holding it), then booked again after the day."""
    desks = [
        check_create_resource(
            luca,
            navigli,
            name=f"Desk {number}",
            kind="desk",
            max_minutes=LONGEST_BOOKING_MINUTES,
            buffer_minutes=LONGEST_BUFFER_MINUTES,
            hours={weekday: (time(0), time(23, 59)) for weekday in range(7)},
        )
        for number in range(1, 4)
    ]
    earlier = at(navigli, DAY - timedelta(days=10), 9)
    longest = check_book(
        giulia,
        desks[0],
        starts_at=at(navigli, DAY - timedelta(days=8), 20, 30),
        ends_at=at(navigli, DAY - timedelta(days=1), 20, 30),
        now=earlier,
    )
    assert longest.blocked_until == at(navigli, DAY, 0, 30)
    check_book(
        marco,
        desks[1],
        starts_at=at(navigli, DAY - timedelta(days=1), 9),
        ends_at=at(navigli, DAY + timedelta(days=1), 18),
        now=earlier,
    )
    ended = check_book(
        marco,
        desks[2],
        starts_at=at(navigli, DAY - timedelta(days=2), 8),
        ends_at=at(navigli, DAY - timedelta(days=1), 20),
        now=earlier,
    )
    assert ended.blocked_until == at(navigli, DAY, 0)
    check_book(
        giulia,
        desks[2],
        starts_at=at(navigli, DAY + timedelta(days=1), 8),
        ends_at=at(navigli, DAY + timedelta(days=2), 9),
        now=earlier,
    )

    resources = list(navigli.bookable_resources.select_related("space"))
    as_rows = _day_read_as_rows(resource_rows(navigli.bookable_resources), DAY)
    assert as_rows == _day_read_as_models(resources, DAY)
    booked = {name: bookings for _pk, name, _kind, _cap, _window, bookings, _free in as_rows}
    assert [b[:3] for b in booked["Desk 1"]] == [
        (longest.starts_at, longest.ends_at, longest.blocked_until)
    ]
    assert [b[4] for b in booked["Desk 2"]] == [marco.pk]
    assert booked["Desk 3"] == []
    free = {name: free for _pk, name, _kind, _cap, _window, _bookings, free in as_rows}
    assert local_periods(free["Desk 1"], navigli) == [(time(0, 30), time(23, 59))]
    assert free["Desk 2"] == []
    assert local_periods(free["Desk 3"], navigli) == [(time(0), time(23, 59))]


def test_free_periods_are_the_same_in_any_zone_and_never_empty(navigli):
    def held(starts: datetime, ends: datetime, buffer: int = 0) -> HeldTime:
        return HeldTime(starts, ends, ends + timedelta(minutes=buffer), "confirmed", 1, "Giulia")

    window = Period(at(navigli, DAY, 8), at(navigli, DAY, 20))
    in_utc = Period(window.starts_at.astimezone(UTC), window.ends_at.astimezone(UTC))
    bookings = [
        held(at(navigli, DAY, 7), at(navigli, DAY, 8)),  # ends at the opening
        held(at(navigli, DAY, 10), at(navigli, DAY, 11), buffer=15),
        held(at(navigli, DAY, 19, 50), at(navigli, DAY, 20, 30)),  # past the closing
    ]
    buffer = timedelta(minutes=15)
    free = _free_periods(in_utc, bookings, buffer)
    assert free == _free_periods(window, bookings, buffer)
    assert local_periods(free, navigli) == [(time(8), time(9, 45)), (time(11, 15), time(19, 35))]
    # A window with nothing in it (hours within a skipped hour of a clock change).
    nothing = Period(window.starts_at, window.starts_at)
    assert _free_periods(nothing, [], buffer) == []
    assert _free_periods(nothing, bookings[1:], buffer) == []


def test_a_closed_day_has_no_window(luca, navigli):
    weekdays = {weekday: (time(9), time(18)) for weekday in range(5)}
    office = check_create_resource(luca, navigli, name="Ufficio", kind="room", hours=weekdays)
    (saturday,) = day_of_resources([ResourceRow.of(office)], date(2027, 6, 12))
    assert saturday.window is None and saturday.free == []


def test_a_room_for_six_with_a_screen_between_ten_and_twelve_for_an_hour(
    giulia, luca, room, buffered_room, navigli
):
    check_create_resource(
        luca, navigli, name="Sala Grande", kind="room", capacity=20, hours=EVERY_DAY
    )
    check_book(
        giulia, room, starts_at=at(navigli, DAY, 9), ends_at=at(navigli, DAY, 10, 30), now=NOW
    )
    request = SlotRequest(
        day=DAY, earliest=time(10), latest=time(12), minutes=60, people=6, amenities=("screen",)
    )
    slots = find_slots(
        resource_rows(navigli.bookable_resources),
        request,
        now=NOW,
    )
    # Sala Darsena seats 4, Sala Grande has no screen: only Sala Brera, once it is free.
    assert [(s.resource.name, s.starts_at, s.ends_at) for s in slots] == [
        ("Sala Brera", at(navigli, DAY, 10, 30), at(navigli, DAY, 11, 30))
    ]
    assert slots[0].free_until == at(navigli, DAY, 12)


def test_no_slot_when_the_window_is_too_short_or_too_long_for_the_rules(giulia, room, navigli):
    check_book(
        giulia, room, starts_at=at(navigli, DAY, 10, 30), ends_at=at(navigli, DAY, 11, 30), now=NOW
    )
    resources = [ResourceRow.of(room)]
    short = SlotRequest(day=DAY, earliest=time(10), latest=time(12), minutes=60)
    assert find_slots(resources, short, now=NOW) == []
    too_long = SlotRequest(day=DAY, earliest=time(8), latest=time(20), minutes=300)
    assert find_slots(resources, too_long, now=NOW) == []
    too_far = SlotRequest(
        day=DAY + timedelta(days=90), earliest=time(8), latest=time(20), minutes=60
    )
    assert find_slots(resources, too_far, now=NOW) == []


def test_slots_never_start_in_the_past(room, navigli):
    now = at(navigli, DAY, 10, 20)
    (slot,) = find_slots(
        [ResourceRow.of(room)],
        SlotRequest(day=DAY, earliest=time(8), latest=time(20), minutes=60),
        now=now,
    )
    assert slot.starts_at == now
