"""A day's availability and finding a slot."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from officina.bookings.actions import check_book, check_create_resource
from officina.bookings.selectors import SlotRequest, day_of_resources, find_slots
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
    resources = list(navigli.bookable_resources.select_related("space"))
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
    assert [b.member for b in days["Sala Brera"].bookings] == [giulia, marco]


def test_a_closed_day_has_no_window(luca, navigli):
    weekdays = {weekday: (time(9), time(18)) for weekday in range(5)}
    office = check_create_resource(luca, navigli, name="Ufficio", kind="room", hours=weekdays)
    (saturday,) = day_of_resources([office], date(2027, 6, 12))
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
        navigli.bookable_resources.select_related("space"),
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
    resources = [room]
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
        [room], SlotRequest(day=DAY, earliest=time(8), latest=time(20), minutes=60), now=now
    )
    assert slot.starts_at == now
