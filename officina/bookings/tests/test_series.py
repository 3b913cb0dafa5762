"""Repeating bookings: every date or none, each under the resource's rules and the
no-overlap guarantee; impossible series refused with a reason; cancel and move from a
day on, or one date alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from officina.bookings.actions import (
    check_book,
    check_book_series,
    check_cancel,
    check_cancel_series,
    check_create_resource,
    check_move,
    check_move_series,
)
from officina.bookings.kinds import BookingStatus
from officina.bookings.models import Booking, BookingSeries
from officina.bookings.recurrence import series_days
from officina.core.errors import ErrorCode, OfficinaError

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
# A Monday morning in October 2027 at Navigli; Rome's clocks go back on 31 October.
NOW = datetime(2027, 10, 18, 7, 0, tzinfo=ROME)
MONDAY = date(2027, 10, 25)


def series(member: Any, resource: Any, **kwargs: Any) -> BookingSeries:
    rule: dict[str, Any] = {
        "frequency": "weekly",
        "first_day": MONDAY,
        "last_day": MONDAY + timedelta(weeks=3),
        "starts": time(10, 0),
        "ends": time(11, 0),
    }
    return check_book_series(member, resource, **{**rule, "now": NOW, **kwargs})


def snapshot() -> list[tuple[Any, ...]]:
    return list(
        Booking.objects.order_by("id").values_list("id", "starts_at", "ends_at", "status")
    ) + list(BookingSeries.objects.order_by("id").values_list("id", "starts", "ends"))


def refused(call: Callable[[], object], code: ErrorCode = ErrorCode.INVALID_INPUT) -> OfficinaError:
    before = snapshot()
    with pytest.raises(OfficinaError) as caught:
        call()
    assert caught.value.code == code, caught.value
    assert snapshot() == before
    return caught.value


def failing_dates(error: OfficinaError) -> list[str]:
    dates = error.details["dates"]
    assert isinstance(dates, list)
    return [entry["date"] for entry in dates]


def local_starts(made: BookingSeries) -> list[datetime]:
    return [
        b.starts_at.astimezone(ROME).replace(tzinfo=None)
        for b in made.occurrences.order_by("starts_at")
    ]


@pytest.fixture
def night_room(luca: Any, navigli: Any) -> Any:
    """Open round the clock, a year ahead: for series at night and far away."""
    return check_create_resource(
        luca,
        navigli,
        name="Sala Notte",
        kind="room",
        capacity=4,
        max_days_ahead=366,
        hours={weekday: (time(0, 0), time(23, 59)) for weekday in range(7)},
    )


class TestBookSeries:
    def test_every_week_at_the_same_wall_clock_time_across_the_dst_change(self, giulia, room):
        made = series(giulia, room, title=" Stand-up ")
        assert local_starts(made) == [
            datetime.combine(MONDAY + timedelta(weeks=week), time(10, 0)) for week in range(4)
        ]
        utc_hours = [b.starts_at.astimezone(UTC).hour for b in made.occurrences.all()]
        assert utc_hours == [8, 9, 9, 9]  # summer time, then winter time
        assert {b.title for b in made.occurrences.all()} == {"Stand-up"}
        assert {b.status for b in made.occurrences.all()} == {BookingStatus.CONFIRMED}

    def test_every_two_weeks_except_a_skipped_date(self, giulia, room):
        made = series(
            giulia,
            room,
            interval=2,
            last_day=MONDAY + timedelta(weeks=6),
            skipped=[MONDAY + timedelta(weeks=2)],
        )
        assert [d.date() for d in local_starts(made)] == [
            MONDAY,
            MONDAY + timedelta(weeks=4),
            MONDAY + timedelta(weeks=6),
        ]
        assert made.skipped == [(MONDAY + timedelta(weeks=2)).isoformat()]

    def test_monthly_on_the_same_day(self, giulia, night_room):
        made = series(
            giulia, night_room, frequency="monthly", first_day=date(2027, 11, 15),
            last_day=date(2028, 2, 15),
        )  # fmt: skip
        assert [d.date() for d in local_starts(made)] == [
            date(2027, 11, 15), date(2027, 12, 15), date(2028, 1, 15), date(2028, 2, 15),
        ]  # fmt: skip

    def test_one_taken_date_refuses_the_whole_series_and_names_it(self, giulia, marco, room):
        taken = MONDAY + timedelta(weeks=2)
        check_book(
            marco, room, now=NOW,
            starts_at=datetime.combine(taken, time(10, 30), tzinfo=ROME),
            ends_at=datetime.combine(taken, time(11, 30), tzinfo=ROME),
        )  # fmt: skip
        error = refused(lambda: series(giulia, room), ErrorCode.CONFLICT)
        assert error.details["dates"] == [
            {
                "date": taken.isoformat(),
                "reason": "Sala Brera is already booked from 10:30 to 11:30.",
            }
        ]
        assert "Nothing was booked" in str(error)
        with translation.override("it"):
            italian = refused(lambda: series(giulia, room), ErrorCode.CONFLICT)
        assert "Non è stato prenotato nulla" in str(italian)
        assert "Sala Brera è già prenotata dalle 10:30 alle 11:30" in str(italian)

    def test_every_failing_date_is_listed_with_its_reason(self, giulia, marco, room):
        # The room books 60 days ahead: the last dates are too far; one is taken.
        check_book(
            marco, room, now=NOW,
            starts_at=datetime.combine(MONDAY, time(10), tzinfo=ROME),
            ends_at=datetime.combine(MONDAY, time(11), tzinfo=ROME),
        )  # fmt: skip
        error = refused(
            lambda: series(giulia, room, last_day=MONDAY + timedelta(weeks=10)), ErrorCode.CONFLICT
        )
        dates = error.details["dates"]
        assert isinstance(dates, list)
        assert dates[0] == {
            "date": MONDAY.isoformat(),
            "reason": "Sala Brera is already booked from 10:00 to 11:00.",
        }
        assert [d["date"] for d in dates[1:]] == [
            (MONDAY + timedelta(weeks=week)).isoformat() for week in (8, 9, 10)
        ]
        assert {d["reason"] for d in dates[1:]} == {
            "Sala Brera can be booked at most 60 days ahead."
        }

    def test_dates_outside_the_opening_hours_are_refused(self, giulia, room):
        error = refused(lambda: series(giulia, room, starts=time(19), ends=time(21)))
        assert len(failing_dates(error)) == 4
        assert "from 08:00 to 20:00" in str(error)

    def test_a_date_in_the_spring_dst_gap_is_refused(self, giulia, night_room):
        # Sundays at 02:30; on 26 March 2028 Rome's clocks jump from 02:00 to 03:00.
        error = refused(
            lambda: series(
                giulia, night_room, first_day=date(2028, 3, 19), last_day=date(2028, 4, 2),
                starts=time(2, 30), ends=time(3, 30), now=datetime(2028, 3, 1, tzinfo=ROME),
            )
        )  # fmt: skip
        assert failing_dates(error) == ["2028-03-26"]
        assert "does not exist in Europe/Rome" in str(error)

    def test_a_resource_no_longer_bookable(self, giulia, room):
        room.is_active = False
        refused(lambda: series(giulia, room), ErrorCode.NOT_FOUND)


class TestImpossibleSeries:
    def test_the_end_before_the_start(self, giulia, room):
        error = refused(lambda: series(giulia, room, last_day=MONDAY - timedelta(days=1)))
        assert error.details["field"] == "until"
        assert "must end on or after its first day" in str(error)

    def test_too_many_dates(self, giulia, night_room):
        error = refused(
            lambda: series(
                giulia, night_room, first_day=date(2027, 10, 19), last_day=date(2028, 12, 31)
            )
        )
        assert "at most 53 dates" in str(error)

    def test_a_monthly_day_that_does_not_come_every_month(self, giulia, night_room):
        error = refused(
            lambda: series(
                giulia, night_room, frequency="monthly", first_day=date(2027, 10, 31),
                last_day=date(2028, 1, 31),
            )
        )  # fmt: skip
        assert error.details["field"] == "day"
        assert "November 2027 has no such day" in str(error)
        # The 31st every two months from October meets December, then February: refused.
        refused(
            lambda: series(
                giulia, night_room, frequency="monthly", interval=2, first_day=date(2027, 10, 31),
                last_day=date(2028, 2, 29),
            )
        )  # fmt: skip
        # Every two months from 31 October to 31 December is fine: both months have it.
        made = series(
            giulia, night_room, frequency="monthly", interval=2, first_day=date(2027, 10, 31),
            last_day=date(2028, 1, 30),
        )  # fmt: skip
        assert [d.date() for d in local_starts(made)] == [date(2027, 10, 31), date(2027, 12, 31)]

    def test_skipping_a_day_that_is_not_a_date_of_the_series(self, giulia, room):
        error = refused(lambda: series(giulia, room, skipped=[MONDAY + timedelta(days=1)]))
        assert error.details["field"] == "skip"

    def test_skipping_every_date(self, giulia, room):
        refused(lambda: series(giulia, room, last_day=MONDAY, skipped=[MONDAY]))

    def test_times_that_end_before_they_start(self, giulia, room):
        refused(lambda: series(giulia, room, starts=time(11), ends=time(10)))

    def test_an_unknown_frequency_or_interval(self, giulia, room):
        refused(lambda: series(giulia, room, frequency="daily"))
        refused(lambda: series(giulia, room, interval=5))
        refused(lambda: series(giulia, room, interval=0))


class TestChangeSeries:
    def test_cancel_from_a_day_on_keeps_the_earlier_dates(self, giulia, room):
        made = series(giulia, room)
        assert check_cancel_series(giulia, made, from_day=MONDAY + timedelta(weeks=2), now=NOW) == 2
        statuses = [b.status for b in made.occurrences.order_by("starts_at")]
        assert statuses == ["confirmed", "confirmed", "cancelled", "cancelled"]
        # Nothing left to cancel from then on.
        refused(
            lambda: check_cancel_series(
                giulia, made, from_day=MONDAY + timedelta(weeks=2), now=NOW
            ),
            ErrorCode.CONFLICT,
        )

    def test_someone_else_cannot_cancel_or_move_it_but_a_manager_can(
        self, giulia, marco, luca, room
    ):
        made = series(giulia, room)
        refused(
            lambda: check_cancel_series(marco, made, from_day=MONDAY, now=NOW), ErrorCode.NOT_FOUND
        )
        refused(
            lambda: check_move_series(
                marco, made, from_day=MONDAY, starts=time(12), ends=time(13), now=NOW
            ),
            ErrorCode.NOT_FOUND,
        )
        assert check_cancel_series(luca, made, from_day=MONDAY, now=NOW) == 4

    def test_move_from_a_day_on_changes_those_dates_only(self, giulia, room):
        made = series(giulia, room)
        moved = check_move_series(
            giulia,
            made,
            from_day=MONDAY + timedelta(weeks=1),
            starts=time(14),
            ends=time(15, 30),
            now=NOW,
        )
        assert len(moved) == 3
        assert [d.time() for d in local_starts(made)] == [time(10), time(14), time(14), time(14)]
        made.refresh_from_db()
        assert (made.starts, made.ends) == (time(14), time(15, 30))

    def test_a_move_that_one_date_cannot_take_moves_none(self, giulia, marco, room):
        made = series(giulia, room)
        taken = MONDAY + timedelta(weeks=3)
        check_book(
            marco, room, now=NOW,
            starts_at=datetime.combine(taken, time(14), tzinfo=ROME),
            ends_at=datetime.combine(taken, time(15), tzinfo=ROME),
        )  # fmt: skip
        error = refused(
            lambda: check_move_series(
                giulia, made, from_day=MONDAY, starts=time(14), ends=time(15), now=NOW
            ),
            ErrorCode.CONFLICT,
        )
        assert failing_dates(error) == [taken.isoformat()]
        # Moving to overlap its own old times is no clash with itself.
        check_move_series(
            giulia, made, from_day=MONDAY, starts=time(10, 30), ends=time(11, 30), now=NOW
        )
        assert [d.time() for d in local_starts(made)] == [time(10, 30)] * 4

    def test_two_dates_moved_onto_one_day_cannot_both_take_the_new_times(self, giulia, room):
        made = series(giulia, room)
        _first, second, *_rest = made.occurrences.order_by("starts_at")
        check_move(
            giulia, second, now=NOW,
            starts_at=datetime.combine(MONDAY, time(12), tzinfo=ROME),
            ends_at=datetime.combine(MONDAY, time(13), tzinfo=ROME),
        )  # fmt: skip
        error = refused(
            lambda: check_move_series(
                giulia, made, from_day=MONDAY, starts=time(14), ends=time(15), now=NOW
            ),
            ErrorCode.CONFLICT,
        )
        assert set(failing_dates(error)) == {MONDAY.isoformat()}

    def test_one_date_moves_or_cancels_alone(self, giulia, room):
        made = series(giulia, room)
        first, second, *_rest = made.occurrences.order_by("starts_at")
        check_cancel(giulia, first, now=NOW)
        check_move(
            giulia, second, now=NOW,
            starts_at=datetime.combine(MONDAY + timedelta(days=8), time(9), tzinfo=ROME),
            ends_at=datetime.combine(MONDAY + timedelta(days=8), time(10), tzinfo=ROME),
        )  # fmt: skip
        rows = list(made.occurrences.order_by("starts_at").values_list("status", flat=True))
        assert rows == ["cancelled", "confirmed", "confirmed", "confirmed"]
        assert made.occurrences.filter(status="confirmed").count() == 3

    def test_a_resource_that_needs_approval_makes_every_date_wait(self, giulia, luca, navigli):
        approved_room = check_create_resource(
            luca, navigli, name="Sala Riunioni", kind="room", approval_required=True,
            hours={weekday: (time(8), time(20)) for weekday in range(7)},
        )  # fmt: skip
        made = series(giulia, approved_room)
        assert {b.status for b in made.occurrences.all()} == {BookingStatus.PENDING}
        # A manager's series needs no approval.
        by_manager = series(luca, approved_room, starts=time(12), ends=time(13))
        assert {b.status for b in by_manager.occurrences.all()} == {BookingStatus.CONFIRMED}


class TestSeriesDays:
    def test_weekly_from_a_wednesday(self):
        days = series_days("weekly", first_day=date(2027, 1, 6), last_day=date(2027, 1, 27))
        assert days == [date(2027, 1, 6), date(2027, 1, 13), date(2027, 1, 20), date(2027, 1, 27)]

    def test_the_last_day_need_not_be_a_date(self):
        days = series_days("monthly", first_day=date(2027, 1, 28), last_day=date(2027, 3, 27))
        assert days == [date(2027, 1, 28), date(2027, 2, 28)]

    def test_dates_outside_the_supported_years(self):
        with pytest.raises(OfficinaError):
            series_days("weekly", first_day=date(2100, 12, 1), last_day=date(2101, 1, 31))


def test_the_series_page_for_its_member_only(client_for, giulia, marco, luca, room, navigli):
    first = timezone.localdate(timezone.now(), navigli.zone) + timedelta(days=1)
    made = check_book_series(
        giulia, room, frequency="weekly", first_day=first, last_day=first + timedelta(weeks=2),
        starts=time(10), ends=time(11), skipped=[first + timedelta(weeks=1)],
    )  # fmt: skip
    page = client_for(giulia).get(f"/bookings/series/{made.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "except on" in text and text.count('class="booking-row"') == 2
    assert client_for(marco).get(f"/bookings/series/{made.pk}/").status_code == 404
    assert client_for(luca).get(f"/bookings/series/{made.pk}/").status_code == 200  # manager
    # A refused move from the page changes nothing and says why.
    moved = client_for(giulia).post(
        f"/bookings/series/{made.pk}/",
        {"move-from_day": first.isoformat(), "move-starts": "21:00", "move-ends": "22:00"},
    )
    assert moved.status_code == 400
    assert "Nothing was moved" in moved.content.decode()
    assert [d.time() for d in local_starts(made)] == [time(10), time(10)]
