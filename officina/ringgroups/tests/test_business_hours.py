"""Business hours in the company's time zone, with a lunch break, Italian public holidays
and dated exceptions, on both sides of both DST changes of 2027 in Europe/Rome (clocks
forward on Sunday 28 March, back on Sunday 31 October), and what a ring group's call
does out of hours."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from datetime import time as clock

import pytest
import time_machine

from officina.core.errors import OfficinaError
from officina.pbx.actions import do_provision_extension
from officina.pbx.directory import Directory
from officina.pbx.ring_groups import RingGroups
from officina.ringgroups.actions import (
    BusinessHoursInput,
    RingGroupInput,
    check_add_hours_exception,
    check_save_business_hours,
    check_save_ring_group,
)
from officina.ringgroups.selectors import is_owner_open

pytestmark = pytest.mark.django_db

WEEKDAYS = [[(clock(9), clock(13)), (clock(14), clock(18))]] * 5 + [[], []]


@pytest.fixture
def office_hours(studio_rossi):
    return check_save_business_hours(
        studio_rossi, BusinessHoursInput("Europe/Rome", True, WEEKDAYS)
    )


@pytest.mark.parametrize(
    ("utc", "open_"),
    [
        # Friday 26 March 2027, winter time (UTC+1).
        ("2027-03-26T07:59", False),  # 08:59 in Milan
        ("2027-03-26T08:00", True),  # 09:00
        ("2027-03-26T12:30", False),  # 13:30: lunch break
        ("2027-03-26T16:59", True),  # 17:59
        ("2027-03-26T17:00", False),  # 18:00
        # Monday 29 March 2027 is Easter Monday: a public holiday, closed.
        ("2027-03-29T09:00", False),
        # Tuesday 30 March 2027, summer time (UTC+2): the same wall-clock hours.
        ("2027-03-30T06:59", False),  # 08:59
        ("2027-03-30T07:00", True),  # 09:00
        ("2027-03-30T15:59", True),  # 17:59
        ("2027-03-30T16:00", False),  # 18:00
        # Friday 29 October 2027, summer time.
        ("2027-10-29T07:00", True),  # 09:00
        ("2027-10-29T16:00", False),  # 18:00
        # Monday 1 November 2027 is All Saints: closed. Tuesday 2, winter time again.
        ("2027-11-01T09:00", False),
        ("2027-11-02T07:30", False),  # 08:30
        ("2027-11-02T08:00", True),  # 09:00
        ("2027-11-02T16:59", True),  # 17:59
        ("2027-11-02T17:00", False),  # 18:00
        ("2027-11-06T10:00", False),  # a Saturday
    ],
)
def test_open_by_the_wall_clock_on_both_sides_of_both_dst_changes(
    office_hours, studio_rossi, utc, open_
):
    with time_machine.travel(datetime.fromisoformat(utc).replace(tzinfo=UTC), tick=False):
        assert is_owner_open(studio_rossi) is open_


def test_dated_exceptions_close_a_day_or_open_a_holiday(office_hours, studio_rossi):
    check_add_hours_exception(studio_rossi, date(2027, 12, 7), note="Sant'Ambrogio")
    # Open on the morning of Easter Monday, for once.
    check_add_hours_exception(studio_rossi, date(2027, 3, 29), opens=clock(9), closes=clock(12))
    assert is_owner_open(studio_rossi, datetime(2027, 12, 7, 10, tzinfo=UTC)) is False
    assert is_owner_open(studio_rossi, datetime(2027, 12, 6, 10, tzinfo=UTC)) is True
    assert is_owner_open(studio_rossi, datetime(2027, 3, 29, 8, tzinfo=UTC)) is True  # 10:00
    assert is_owner_open(studio_rossi, datetime(2027, 3, 29, 10, tzinfo=UTC)) is False  # 12:00


def test_a_company_without_hours_is_neither_open_nor_closed(studio_rossi):
    assert is_owner_open(studio_rossi) is None


@pytest.mark.parametrize(
    ("weekly", "field", "message"),
    [
        ([[(clock(13), clock(9))]] + [[]] * 6, "day_0", "A period must close after it opens."),
        (
            [[], [(clock(9), clock(13)), (clock(12), clock(18))]] + [[]] * 5,
            "day_1",
            "The periods of a day must not overlap.",
        ),
    ],
)
def test_bad_hours_are_refused(studio_rossi, weekly, field, message):
    with pytest.raises(OfficinaError) as raised:
        check_save_business_hours(studio_rossi, BusinessHoursInput("Europe/Rome", True, weekly))
    assert (raised.value.details["field"], str(raised.value.message)) == (field, message)
    with pytest.raises(OfficinaError) as raised:
        check_save_business_hours(studio_rossi, BusinessHoursInput("Mars/Olympus", True, WEEKDAYS))
    assert raised.value.details["field"] == "time_zone"


def test_out_of_hours_a_group_call_goes_to_the_number_it_names(
    office_hours, giulia, marco, studio_rossi
):
    desk = do_provision_extension(giulia).number
    do_provision_extension(marco)
    check_save_ring_group(
        studio_rossi,
        RingGroupInput(
            "Sales", "600", member_ids=[marco.pk], in_hours_only=True, out_of_hours_number=desk
        ),
    )
    check_save_ring_group(
        studio_rossi, RingGroupInput("Support", "601", member_ids=[marco.pk], in_hours_only=True)
    )
    directory = Directory()
    directory.load()
    groups = RingGroups()
    groups.load()
    sales, support = groups.plan("600"), groups.plan("601")
    assert sales is not None and support is not None
    # Tuesday 30 March 2027 at 10:00 in Milan (summer time): the groups ring.
    with time_machine.travel(datetime(2027, 3, 30, 8, tzinfo=UTC), tick=False):
        assert groups.route(sales, directory, time.time()) == (sales, None)
    # At 19:00 Sales goes to Giulia's desk; Support goes nowhere.
    with time_machine.travel(datetime(2027, 3, 30, 17, tzinfo=UTC), tick=False):
        assert groups.route(sales, directory, time.time()) == (None, directory.entry(desk))
        assert groups.route(support, directory, time.time()) == (None, None)


def test_out_of_hours_number_must_be_an_extension_or_another_group(giulia, studio_rossi):
    with pytest.raises(OfficinaError) as raised:
        check_save_ring_group(
            studio_rossi,
            RingGroupInput("Sales", "600", member_ids=[giulia.pk], out_of_hours_number="999"),
        )
    assert raised.value.details["field"] == "out_of_hours_number"
