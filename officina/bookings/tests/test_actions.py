"""Book, move, cancel, approve: every rule refuses with a clear error and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from officina.accounts.actions import do_join_space
from officina.bookings.actions import (
    check_answer_request,
    check_book,
    check_cancel,
    check_create_resource,
    check_move,
    check_update_resource,
)
from officina.bookings.kinds import BookingStatus
from officina.bookings.models import Booking
from officina.bookings.tests.fixtures import EVERY_DAY, at
from officina.core.errors import ErrorCode, OfficinaError

pytestmark = pytest.mark.django_db

# A Monday morning at Navigli; the tests book from here on.
DAY = date(2027, 6, 7)
NOW = datetime(2027, 6, 7, 7, 0, tzinfo=ZoneInfo("Europe/Rome"))


def book(member: Any, resource: Any, start: datetime, end: datetime, **kwargs: Any) -> Booking:
    return check_book(member, resource, starts_at=start, ends_at=end, now=NOW, **kwargs)


def refused(call: Callable[[], object], code: ErrorCode = ErrorCode.INVALID_INPUT) -> OfficinaError:
    before = list(Booking.objects.values_list("id", "starts_at", "ends_at", "status"))
    with pytest.raises(OfficinaError) as caught:
        call()
    assert caught.value.code == code
    assert list(Booking.objects.values_list("id", "starts_at", "ends_at", "status")) == before
    return caught.value


class TestBook:
    def test_a_member_books_a_free_room(self, giulia, room, navigli):
        booking = book(giulia, room, at(navigli, DAY, 10), at(navigli, DAY, 11), title=" Call ")
        assert booking.status == BookingStatus.CONFIRMED
        assert booking.title == "Call"
        assert booking.blocked_until == booking.ends_at

    def test_an_overlap_is_refused_and_says_when_the_room_is_taken(
        self, giulia, marco, room, navigli
    ):
        book(giulia, room, at(navigli, DAY, 10), at(navigli, DAY, 11))
        error = refused(
            lambda: book(marco, room, at(navigli, DAY, 10, 30), at(navigli, DAY, 11, 30)),
            ErrorCode.CONFLICT,
        )
        assert "10:00" in str(error) and "11:00" in str(error)
        # A booking inside, and one around, are overlaps too.
        refused(
            lambda: book(marco, room, at(navigli, DAY, 10, 15), at(navigli, DAY, 10, 45)),
            ErrorCode.CONFLICT,
        )
        refused(
            lambda: book(marco, room, at(navigli, DAY, 9), at(navigli, DAY, 12)),
            ErrorCode.CONFLICT,
        )

    def test_back_to_back_bookings_fit_without_a_buffer(self, giulia, marco, room, navigli):
        book(giulia, room, at(navigli, DAY, 10), at(navigli, DAY, 11))
        book(marco, room, at(navigli, DAY, 11), at(navigli, DAY, 12))
        book(marco, room, at(navigli, DAY, 9), at(navigli, DAY, 10))
        assert Booking.objects.filter(resource=room).count() == 3

    def test_the_buffer_keeps_the_room_free_on_both_sides(
        self, giulia, marco, buffered_room, navigli
    ):
        book(giulia, buffered_room, at(navigli, DAY, 10), at(navigli, DAY, 11))
        error = refused(
            lambda: book(marco, buffered_room, at(navigli, DAY, 11), at(navigli, DAY, 12)),
            ErrorCode.CONFLICT,
        )
        assert "15 minutes" in str(error)
        refused(
            lambda: book(marco, buffered_room, at(navigli, DAY, 9), at(navigli, DAY, 9, 50)),
            ErrorCode.CONFLICT,
        )
        book(marco, buffered_room, at(navigli, DAY, 11, 15), at(navigli, DAY, 12))
        book(marco, buffered_room, at(navigli, DAY, 9), at(navigli, DAY, 9, 45))

    def test_a_cancelled_booking_frees_its_time(self, giulia, marco, room, navigli):
        first = book(giulia, room, at(navigli, DAY, 10), at(navigli, DAY, 11))
        check_cancel(giulia, first, now=NOW)
        book(marco, room, at(navigli, DAY, 10), at(navigli, DAY, 11))

    def test_the_past_is_refused(self, giulia, room, navigli):
        error = refused(lambda: book(giulia, room, at(navigli, DAY, 6), at(navigli, DAY, 6, 30)))
        assert error.details["field"] == "starts_at"
        assert "already passed" in str(error)

    def test_an_end_before_the_start_is_refused(self, giulia, room, navigli):
        error = refused(lambda: book(giulia, room, at(navigli, DAY, 11), at(navigli, DAY, 10)))
        assert error.details["field"] == "ends_at"

    def test_outside_opening_hours_is_refused_with_the_hours(self, giulia, room, navigli):
        error = refused(lambda: book(giulia, room, at(navigli, DAY, 19), at(navigli, DAY, 21)))
        assert "08:00" in str(error) and "20:00" in str(error)
        refused(lambda: book(giulia, room, at(navigli, DAY, 7), at(navigli, DAY, 9)))

    def test_a_closed_day_is_refused(self, giulia, luca, navigli):
        weekdays = {weekday: (time(9), time(18)) for weekday in range(5)}
        office = check_create_resource(luca, navigli, name="Ufficio", kind="room", hours=weekdays)
        saturday = DAY + timedelta(days=5)
        error = refused(
            lambda: book(giulia, office, at(navigli, saturday, 10), at(navigli, saturday, 11))
        )
        assert "closed" in str(error)

    def test_longer_than_allowed_is_refused(self, giulia, room, navigli):
        error = refused(lambda: book(giulia, room, at(navigli, DAY, 9), at(navigli, DAY, 13, 30)))
        assert "240 minutes" in str(error)

    def test_too_far_ahead_is_refused(self, giulia, room, navigli):
        later = DAY + timedelta(days=61)
        error = refused(lambda: book(giulia, room, at(navigli, later, 10), at(navigli, later, 11)))
        assert "60 days" in str(error)

    def test_under_the_minimum_notice_is_refused(self, giulia, room, luca, navigli):
        check_update_resource(luca, room, hours=EVERY_DAY, min_notice_minutes=120, name=room.name)
        error = refused(lambda: book(giulia, room, at(navigli, DAY, 8), at(navigli, DAY, 9)))
        assert "120 minutes" in str(error)
        book(giulia, room, at(navigli, DAY, 9), at(navigli, DAY, 10))

    def test_hours_are_the_space_local_hours_across_a_dst_change(self, giulia, room, navigli):
        # The night clocks go back in Rome: 08:00 local is 07:00 UTC, not 06:00.
        day, now = date(2027, 10, 31), datetime(2027, 10, 30, 12, 0, tzinfo=ZoneInfo("UTC"))
        utc = ZoneInfo("UTC")
        refused(
            lambda: check_book(
                giulia,
                room,
                starts_at=datetime(2027, 10, 31, 6, 30, tzinfo=utc),
                ends_at=datetime(2027, 10, 31, 7, 30, tzinfo=utc),
                now=now,
            )
        )
        booking = check_book(
            giulia, room, starts_at=at(navigli, day, 8), ends_at=at(navigli, day, 9), now=now
        )
        assert booking.starts_at == datetime(2027, 10, 31, 7, 0, tzinfo=utc)

    def test_a_title_too_long_is_refused(self, giulia, room, navigli):
        error = refused(
            lambda: book(giulia, room, at(navigli, DAY, 10), at(navigli, DAY, 11), title="x" * 121)
        )
        assert error.details["field"] == "title"

    def test_only_listed_companies_people_may_book(
        self, giulia, sara, make_member, luca, navigli, studio_rossi, room
    ):
        stranger = make_member()
        do_join_space(stranger, navigli)
        check_update_resource(
            luca, room, hours=EVERY_DAY, only_companies=[studio_rossi], name=room.name
        )
        refused(
            lambda: book(stranger, room, at(navigli, DAY, 10), at(navigli, DAY, 11)),
            ErrorCode.NOT_FOUND,
        )
        book(giulia, room, at(navigli, DAY, 10), at(navigli, DAY, 11))

    def test_a_booking_of_a_room_with_approval_waits_and_holds_the_time(
        self, giulia, marco, luca, room, navigli
    ):
        check_update_resource(luca, room, hours=EVERY_DAY, approval_required=True, name=room.name)
        request = book(giulia, room, at(navigli, DAY, 10), at(navigli, DAY, 11))
        assert request.status == BookingStatus.PENDING
        refused(
            lambda: book(marco, room, at(navigli, DAY, 10), at(navigli, DAY, 11)),
            ErrorCode.CONFLICT,
        )
        refused(lambda: check_answer_request(marco, request, approve=True), ErrorCode.NOT_FOUND)
        assert check_answer_request(luca, request, approve=True).status == BookingStatus.CONFIRMED
        refused(lambda: check_answer_request(luca, request, approve=False), ErrorCode.CONFLICT)

    def test_a_declined_request_frees_the_time(self, giulia, marco, luca, room, navigli):
        check_update_resource(luca, room, hours=EVERY_DAY, approval_required=True, name=room.name)
        request = book(giulia, room, at(navigli, DAY, 10), at(navigli, DAY, 11))
        check_answer_request(luca, request, approve=False)
        assert book(marco, room, at(navigli, DAY, 10), at(navigli, DAY, 11)).is_active


class TestMoveAndCancel:
    def test_moving_keeps_the_booking_and_ignores_its_own_old_time(self, giulia, room, navigli):
        booking = book(giulia, room, at(navigli, DAY, 10), at(navigli, DAY, 11))
        moved = check_move(
            giulia,
            booking,
            starts_at=at(navigli, DAY, 10, 30),
            ends_at=at(navigli, DAY, 11, 30),
            now=NOW,
        )
        assert moved.pk == booking.pk
        assert Booking.objects.get(pk=booking.pk).starts_at == at(navigli, DAY, 10, 30)

    def test_moving_onto_another_booking_is_refused(self, giulia, marco, room, navigli):
        mine = book(giulia, room, at(navigli, DAY, 10), at(navigli, DAY, 11))
        book(marco, room, at(navigli, DAY, 12), at(navigli, DAY, 13))
        refused(
            lambda: check_move(
                giulia,
                mine,
                starts_at=at(navigli, DAY, 12, 30),
                ends_at=at(navigli, DAY, 13, 30),
                now=NOW,
            ),
            ErrorCode.CONFLICT,
        )

    def test_someone_else_cannot_move_or_cancel_but_the_manager_can(
        self, giulia, marco, luca, room, navigli
    ):
        booking = book(giulia, room, at(navigli, DAY, 10), at(navigli, DAY, 11))
        refused(
            lambda: check_move(
                marco,
                booking,
                starts_at=at(navigli, DAY, 14),
                ends_at=at(navigli, DAY, 15),
                now=NOW,
            ),
            ErrorCode.NOT_FOUND,
        )
        refused(lambda: check_cancel(marco, booking, now=NOW), ErrorCode.NOT_FOUND)
        assert check_cancel(luca, booking, now=NOW).status == BookingStatus.CANCELLED

    def test_a_booking_over_or_cancelled_cannot_change(self, giulia, room, navigli):
        booking = book(giulia, room, at(navigli, DAY, 10), at(navigli, DAY, 11))
        later = NOW + timedelta(hours=5)
        refused(lambda: check_cancel(giulia, booking, now=later), ErrorCode.CONFLICT)
        check_cancel(giulia, booking, now=NOW)
        refused(lambda: check_cancel(giulia, booking, now=NOW), ErrorCode.CONFLICT)

    def test_a_booking_that_has_begun_cannot_move(self, giulia, room, navigli):
        booking = book(giulia, room, at(navigli, DAY, 10), at(navigli, DAY, 11))
        refused(
            lambda: check_move(
                giulia,
                booking,
                starts_at=at(navigli, DAY, 14),
                ends_at=at(navigli, DAY, 15),
                now=at(navigli, DAY, 10, 30),
            ),
            ErrorCode.CONFLICT,
        )


class TestResources:
    def test_only_the_space_managers_create_resources(self, giulia, luca, navigli):
        with pytest.raises(OfficinaError) as caught:
            check_create_resource(giulia, navigli, name="Sala", kind="room", hours=EVERY_DAY)
        assert caught.value.code == ErrorCode.NOT_FOUND
        resource = check_create_resource(
            luca, navigli, name=" Sala ", kind="booth", hours={0: (time(9), time(12))}
        )
        assert resource.name == "Sala"
        assert list(resource.hours.values_list("weekday", "opens", "closes")) == [
            (0, time(9), time(12))
        ]

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"name": ""}, "name"),
            ({"kind": "spaceship"}, "kind"),
            ({"amenities": ["jacuzzi"]}, "amenities"),
            ({"max_minutes": 5}, "max_minutes"),
            ({"buffer_minutes": 999}, "buffer_minutes"),
            ({"hours": {0: (time(18), time(9))}}, "hours"),
            ({"hours": {9: (time(9), time(18))}}, "hours"),
        ],
    )
    def test_invalid_resources_are_refused(self, luca, navigli, fields, field):
        values = {"name": "Sala", "kind": "room", "hours": EVERY_DAY, **fields}
        with pytest.raises(OfficinaError) as caught:
            check_create_resource(luca, navigli, **values)
        assert caught.value.details["field"] == field
        assert not navigli.bookable_resources.exists()
