"""/api/bookings/{id}/cancel-day: one day of a desk booked over several days cancelled
through the API, with the rules and the errors of the "Cancel one day" form on My
bookings."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from officina.bookings.actions import check_book, check_create_resource
from officina.bookings.kinds import BookingStatus
from officina.bookings.models import Booking
from officina.bookings.tests.fixtures import at

from .test_bookings import assert_error

pytestmark = pytest.mark.django_db

ALL_DAY = {weekday: (time(0, 0), time(23, 59)) for weekday in range(7)}


@pytest.fixture
def bench(luca: Any, navigli: Any) -> Any:
    return check_create_resource(
        luca, navigli, name="Bench 2", kind="desk", capacity=3,
        max_minutes=7 * 24 * 60, hours=ALL_DAY,
    )  # fmt: skip


@pytest.fixture
def today(navigli: Any) -> date:
    return timezone.localtime(timezone.now(), navigli.zone).date()


def three_days(member: Any, desk: Any, first: date, *, now: datetime | None = None) -> Booking:
    space = desk.space
    return check_book(
        member, desk,
        starts_at=at(space, first, 9), ends_at=at(space, first + timedelta(days=2), 18),
        now=now,
    )  # fmt: skip


def parts(member: Any) -> list[tuple[datetime, datetime, str]]:
    return list(
        Booking.objects.filter(member=member)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at", "status")
    )


def test_a_day_in_the_middle_then_the_first_then_the_last(api_as, giulia, navigli, bench, today):
    first = today + timedelta(days=1)
    booking = three_days(giulia, bench, first)
    api = api_as(giulia)
    middle = api.post(f"/bookings/{booking.pk}/cancel-day", {"day": str(first + timedelta(1))})
    assert middle.status_code == 200, middle.content
    body = middle.json()
    assert body["booking"]["id"] == booking.pk and body["booking"]["status"] == "confirmed"
    assert body["booking"]["ends_at"] == at(navigli, first + timedelta(1), 0).isoformat()
    later = body["following"]
    assert later["status"] == "confirmed" and later["resource_name"] == "Bench 2"
    assert later["starts_at"] == at(navigli, first + timedelta(2), 0).isoformat()
    assert [status for _start, _end, status in parts(giulia)] == [
        BookingStatus.CONFIRMED, BookingStatus.CANCELLED, BookingStatus.CONFIRMED,
    ]  # fmt: skip
    # The only day left of each part: the part is cancelled, nothing follows.
    for booking_id, day in ((booking.pk, first), (later["id"], first + timedelta(2))):
        alone = api.post(f"/bookings/{booking_id}/cancel-day", {"day": str(day)}).json()
        assert alone["booking"]["status"] == "cancelled" and alone["following"] is None
    assert {status for _start, _end, status in parts(giulia)} == {BookingStatus.CANCELLED}
    assert [b["id"] for b in api.get("/bookings/mine").json()] == []


def test_the_first_day_keeps_the_booking_for_the_days_after(api_as, giulia, navigli, bench, today):
    first = today + timedelta(days=1)
    booking = three_days(giulia, bench, first)
    body = api_as(giulia).post(f"/bookings/{booking.pk}/cancel-day", {"day": str(first)}).json()
    assert body["following"] is None
    assert body["booking"]["id"] == booking.pk
    assert body["booking"]["starts_at"] == at(navigli, first + timedelta(1), 0).isoformat()


def test_a_single_day_booking_is_cancelled(api_as, giulia, navigli, bench, today):
    day = today + timedelta(days=1)
    booking = check_book(giulia, bench, starts_at=at(navigli, day, 9), ends_at=at(navigli, day, 18))
    body = api_as(giulia).post(f"/bookings/{booking.pk}/cancel-day", {"day": str(day)}).json()
    assert body == {**body, "following": None}
    assert body["booking"]["status"] == "cancelled"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    # Cancelled: no day of it may be cancelled again.
    again = api_as(giulia).post(f"/bookings/{booking.pk}/cancel-day", {"day": str(day)})
    assert_error(again, 409, "CONFLICT")


def test_who_may_cancel_a_day(api_as, giulia, marco, luca, sara, navigli, bench, today):
    first = today + timedelta(days=1)
    booking = three_days(giulia, bench, first)
    before = parts(giulia)
    url = f"/bookings/{booking.pk}/cancel-day"
    for stranger in (marco, sara):  # another member of the space, a member elsewhere
        assert_error(api_as(stranger).post(url, {"day": str(first)}), 404, "NOT_FOUND")
    assert_error(api_as(None).post(url, {"day": str(first)}), 401, "UNAUTHORIZED")
    assert_error(
        api_as(giulia).post("/bookings/999999/cancel-day", {"day": str(first)}), 404, "NOT_FOUND"
    )
    assert parts(giulia) == before
    # The space's manager may, as on the page.
    managed = api_as(luca).post(url, {"day": str(first + timedelta(days=2))})
    assert managed.status_code == 200, managed.content
    assert parts(giulia)[-1][2] == BookingStatus.CANCELLED


def say(api: Any, path: str, payload: Any, language: str) -> Any:
    return api.client.post(
        f"/api{path}",
        json.dumps(payload),
        content_type="application/json",
        headers={**api.headers, "accept-language": language},
    )


@pytest.mark.parametrize(
    ("language", "outside", "over"),
    [
        ("en", "This booking does not hold Bench 2 on", "That day is over."),
        ("it", "Questa prenotazione non comprende Bench 2", "Quel giorno è già finito."),
    ],
)
def test_refusals_are_translated_and_change_nothing(
    api_as, giulia, navigli, bench, today, language, outside, over
):
    # Booked yesterday, from yesterday to tomorrow.
    yesterday = today - timedelta(days=1)
    booking = three_days(giulia, bench, yesterday, now=at(navigli, yesterday, 8))
    before = parts(giulia)
    api = api_as(giulia)
    url = f"/bookings/{booking.pk}/cancel-day"
    for day in (today + timedelta(days=5), today - timedelta(days=3)):
        body = assert_error(say(api, url, {"day": str(day)}, language), 400, "INVALID_INPUT")
        assert body["field"] == "day" and body["message"].startswith(outside)
    body = assert_error(say(api, url, {"day": str(yesterday)}, language), 400, "INVALID_INPUT")
    assert body == {**body, "field": "day", "message": over}
    for payload in ({"day": "not a day"}, {}, {"day": "2026-02-30"}, {"day": "0001-01-01"}):
        assert_error(say(api, url, payload, language), 422, "INVALID_INPUT")
    assert parts(giulia) == before
