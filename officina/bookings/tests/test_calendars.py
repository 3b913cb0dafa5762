"""The week of a space and a member's day and week, as pages: the right bookings on the
right local days across the spring DST change in Europe/Rome (Sunday 28 March 2027), a
booking over midnight on both its days, in English and Italian, and as many queries for
many resources and bookings as for one."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from officina.bookings.actions import check_book
from officina.bookings.kinds import BookingStatus
from officina.bookings.models import Booking, BookingGuest
from officina.bookings.tests.fixtures import at, five_booths_booked

pytestmark = pytest.mark.django_db

DST_SUNDAY = date(2027, 3, 28)
DST_MONDAY = date(2027, 3, 22)


def booked(
    member: Any, resource: Any, starts_at: datetime, ends_at: datetime, **fields: Any
) -> Any:
    """A booking written as it is stored, for a week the rules would not let anyone book
    from today (it is further ahead than the room allows)."""
    return Booking.objects.create(
        resource=resource,
        member=member,
        starts_at=starts_at,
        ends_at=ends_at,
        blocked_until=ends_at,
        status=fields.pop("status", BookingStatus.CONFIRMED),
        **fields,
    )


def days_of_week(html: str) -> list[str]:
    """The page's seven days, Monday first, each as its HTML."""
    days = html.split('<div class="week-day">')[1:]
    assert len(days) == 7
    return days


@pytest.fixture
def dst_week(giulia, marco, room, buffered_room, navigli):
    """Around the spring change: Saturday night into Sunday (over midnight and over the
    change), Sunday 00:30 in another room (before the change, still Saturday in UTC; the
    night holds the first room then), Sunday 10:00 (after it), Marco's Monday of the next
    week, and a cancelled booking that shows nowhere."""
    saturday = DST_SUNDAY - timedelta(days=1)
    return {
        "night": booked(giulia, room, at(navigli, saturday, 22), at(navigli, DST_SUNDAY, 9)),
        "early": booked(
            marco, buffered_room, at(navigli, DST_SUNDAY, 0, 30), at(navigli, DST_SUNDAY, 1, 30)
        ),
        "morning": booked(
            giulia, room, at(navigli, DST_SUNDAY, 10), at(navigli, DST_SUNDAY, 11), title="Retro"
        ),
        "next_week": booked(
            marco,
            room,
            at(navigli, DST_SUNDAY + timedelta(days=1), 10),
            at(navigli, DST_SUNDAY + timedelta(days=1), 11),
        ),
        "cancelled": booked(
            marco,
            room,
            at(navigli, saturday, 12),
            at(navigli, saturday, 13),
            status=BookingStatus.CANCELLED,
        ),
    }


HEADINGS = {
    "en": ("Monday 22 March", "Saturday 27 March", "Sunday 28 March", "Week of 22 Mar"),
    "it": ("Lunedì 22 Marzo", "Sabato 27 Marzo", "Domenica 28 Marzo", "Settimana del 22 Mar"),
}

NOTHING = {"en": "Nothing booked.", "it": "Nessuna prenotazione."}


@pytest.mark.parametrize("language", ["en", "it"])
def test_the_week_of_a_space_across_the_dst_change(client_for, giulia, marco, dst_week, language):
    giulia.language = language
    giulia.save(update_fields=["language"])
    response = client_for(giulia).get(
        reverse("bookings:space", args=["navigli"]),
        {"date": DST_SUNDAY.isoformat(), "view": "week"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    monday, *_, saturday, sunday = days_of_week(response.text)
    first, sat, sun, title = HEADINGS[language]
    assert first in monday
    assert sat in saturday
    assert sun in sunday
    assert title in response.text
    assert NOTHING[language] in monday
    # Over midnight (and the change): on both days, with its two days.
    night = "27 Mar 22:00 – 28 Mar 09:00 Giulia Rossi"
    assert night in saturday
    assert night in sunday
    # 00:30 on Sunday is 23:30 on Saturday in UTC: Sunday's only.
    assert "00:30–01:30 Marco" in sunday
    assert "00:30" not in saturday
    # 10:00 after the change is 08:00 UTC; before it, 10:00 was 09:00 UTC.
    assert "10:00–11:00 Giulia Rossi" in sunday
    assert "12:00–13:00" not in response.text  # cancelled
    assert "29 Mar" not in response.text.split('<section class="card week"')[1]
    # Each day links to the space's day; the arrows to the weeks before and after.
    assert f'href="?date={DST_SUNDAY.isoformat()}"' in sunday
    assert 'href="?date=2027-03-21&amp;view=week"' in response.text
    assert 'href="?date=2027-04-04&amp;view=week"' in response.text


def test_the_next_week_of_a_space_has_its_own_bookings(client_for, giulia, dst_week):
    response = client_for(giulia).get(
        reverse("bookings:space", args=["navigli"]), {"date": "2027-03-29", "view": "week"}
    )
    monday, *_ = days_of_week(response.text)
    assert "Monday 29 March" in monday
    assert "10:00–11:00 Marco" in monday
    assert "Giulia Rossi" not in response.text.split('<section class="card week"')[1]


@pytest.mark.parametrize("language", ["en", "it"])
def test_a_members_week_and_day_with_the_bookings_they_are_a_guest_of(
    client_for, giulia, marco, dst_week, language
):
    BookingGuest.objects.create(booking=dst_week["early"], member=giulia, email=giulia.email)
    giulia.language = language
    giulia.save(update_fields=["language"])
    client = client_for(giulia)
    url = reverse("bookings:mine")
    week = client.get(
        url, {"date": DST_MONDAY.isoformat(), "view": "week"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert week.status_code == 200
    monday, *_, saturday, sunday = days_of_week(week.text)
    first, sat, sun, title = HEADINGS[language]
    assert first in monday and sat in saturday and sun in sunday
    assert title in week.text
    assert "27 Mar 22:00 – 28 Mar 09:00" in saturday
    assert "27 Mar 22:00 – 28 Mar 09:00" in sunday
    assert "00:30–01:30" in sunday and "00:30" not in saturday
    assert ("guest" if language == "en" else "ospite") in sunday
    assert "10:00–11:00" in sunday and "Retro" in sunday
    assert NOTHING[language] in monday
    # Marco's own booking of the next week is not Giulia's.
    following = client.get(url, {"date": "2027-03-29", "view": "week"})
    assert "10:00–11:00" not in following.text

    day = client.get(url, {"date": DST_SUNDAY.isoformat(), "view": "day"})
    assert day.status_code == 200
    assert "Sunday 28 March 2027" in day.text or "Domenica 28 Marzo 2027" in day.text
    assert '<div class="week-day">' in day.text
    assert "00:30–01:30" in day.text and "10:00–11:00" in day.text
    assert 'href="?date=2027-03-27&amp;view=day"' in day.text
    # The list stays the default.
    assert 'id="my-bookings"' in client.get(url).text


def _queries(client: Any, url: str, params: dict[str, str]) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries), response


def test_a_spaces_week_takes_as_many_queries_as_its_day_but_the_photos_for_many_resources(
    client_for, giulia, marco, luca, navigli, room, tomorrow
):
    client = client_for(giulia)
    url = reverse("bookings:space", args=["navigli"])
    day = {"date": tomorrow.isoformat()}
    week = {**day, "view": "week"}
    client.get(url, week)
    day_queries, _ = _queries(client, url, day)
    one_resource, _ = _queries(client, url, week)
    five_booths_booked(luca, navigli, tomorrow, giulia, marco)
    six_resources, response = _queries(client, url, week)
    # The day reads each resource's first photo besides; the week shows none.
    assert six_resources == one_resource == day_queries - 1
    assert response.text.count("11:00–12:00 Marco") == 5


def test_a_members_week_takes_as_many_queries_for_many_bookings_as_for_none(
    client_for, giulia, marco, luca, navigli, room, tomorrow
):
    client = client_for(giulia)
    url = reverse("bookings:mine")
    week = {"date": tomorrow.isoformat(), "view": "week"}
    client.get(url, week)
    none, _ = _queries(client, url, week)
    for hour in (9, 11, 13):
        check_book(
            giulia, room, starts_at=at(navigli, tomorrow, hour),
            ends_at=at(navigli, tomorrow, hour + 1),
        )  # fmt: skip
    theirs = check_book(
        marco, room, starts_at=at(navigli, tomorrow, 15), ends_at=at(navigli, tomorrow, 16)
    )
    BookingGuest.objects.create(booking=theirs, member=giulia, email=giulia.email)
    four, response = _queries(client, url, week)
    assert four == none
    assert response.text.count("Sala Brera") == 4
