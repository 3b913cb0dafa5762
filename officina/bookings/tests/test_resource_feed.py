"""A resource's calendar: its secret address, what the feed says, who sees the address,
and a manager making a new one."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse

from officina.bookings.actions import check_book, check_cancel, check_create_resource, check_move
from officina.bookings.models import Resource
from officina.bookings.tests.fixtures import EVERY_DAY, at

pytestmark = pytest.mark.django_db


def feed_url(resource: Resource) -> str:
    resource.refresh_from_db()
    return reverse("bookings:resource_feed", args=[resource.feed_token])


def test_the_feed_has_the_resource_s_active_bookings_in_the_space_s_zone(
    client, giulia, marco, room, buffered_room, navigli, tomorrow
):
    kept = check_book(
        giulia, room, starts_at=at(navigli, tomorrow, 10), ends_at=at(navigli, tomorrow, 11),
        title="Board meeting",
    )  # fmt: skip
    moved = check_book(
        marco, room, starts_at=at(navigli, tomorrow, 12), ends_at=at(navigli, tomorrow, 13)
    )
    cancelled = check_book(
        marco, room, starts_at=at(navigli, tomorrow, 15), ends_at=at(navigli, tomorrow, 16)
    )
    check_book(
        giulia, buffered_room, starts_at=at(navigli, tomorrow, 9), ends_at=at(navigli, tomorrow, 10)
    )
    first = icalendar.Calendar.from_ical(client.get(feed_url(room)).content)
    assert {str(event["uid"]) for event in first.walk("VEVENT")} == {
        f"booking-{kept.pk}@officina",
        f"booking-{moved.pk}@officina",
        f"booking-{cancelled.pk}@officina",
    }

    check_move(marco, moved, starts_at=at(navigli, tomorrow, 17), ends_at=at(navigli, tomorrow, 18))
    check_cancel(marco, cancelled)
    response = client.get(feed_url(room))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == "Sala Brera at Officina Navigli"
    assert [str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")] == [navigli.time_zone]
    events = {str(event["uid"]): event for event in calendar.walk("VEVENT")}
    # The cancelled booking is gone, the moved one keeps its UID, Sala Darsena's is absent.
    assert list(events) == [f"booking-{kept.pk}@officina", f"booking-{moved.pk}@officina"]
    for event, (booker, starts, ends) in zip(
        events.values(), [("Giulia Rossi", 10, 11), ("Marco Colombo", 17, 18)], strict=True
    ):
        assert str(event["summary"]) == booker
        assert event["dtstart"].params["TZID"] == navigli.time_zone
        assert event.decoded("dtstart") == at(navigli, tomorrow, starts)
        assert event.decoded("dtstart").tzinfo.key == navigli.time_zone
        assert event.decoded("dtend") == at(navigli, tomorrow, ends)
    # What the day page shows and no more: no title, no e-mail address, no organiser.
    assert b"Board meeting" not in response.content
    assert b"officina.test" not in response.content and b"ORGANIZER" not in response.content


def test_bookings_over_for_more_than_a_month_are_left_out(client, giulia, room, navigli, tomorrow):
    booking = check_book(
        giulia, room, starts_at=at(navigli, tomorrow, 10), ends_at=at(navigli, tomorrow, 11)
    )
    type(booking).objects.filter(pk=booking.pk).update(
        starts_at=booking.starts_at - timedelta(days=40),
        ends_at=booking.ends_at - timedelta(days=40),
    )
    calendar = icalendar.Calendar.from_ical(client.get(feed_url(room)).content)
    assert calendar.walk("VEVENT") == []


def test_a_manager_makes_a_new_address_and_the_old_one_stops_working(
    client, client_for, luca, giulia, room
):
    old = feed_url(room)
    regenerate = reverse("bookings:regenerate_resource_feed", args=[room.pk])
    # A member who may book it may not replace it.
    assert client_for(giulia).post(regenerate).status_code == 404
    assert feed_url(room) == old

    response = client_for(luca).post(regenerate, follow=True)
    assert "New calendar address made; the old one no longer works." in response.text
    new = feed_url(room)
    assert new != old and new in response.text
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_wrong_or_unbookable_addresses_are_404(client, luca, room):
    assert client.get(reverse("bookings:resource_feed", args=["x" * 32])).status_code == 404
    assert client.get(reverse("bookings:resource_feed", args=["short"])).status_code == 404
    url = feed_url(room)
    room.is_active = False
    room.save(update_fields=["is_active"])
    assert client.get(url).status_code == 404


def test_only_those_who_may_book_it_see_the_address(
    client_for, luca, giulia, marco, sara, navigli, panificio, room
):
    booth = check_create_resource(
        luca, navigli, name="Cabina Panificio", kind="booth", hours=EVERY_DAY,
        only_companies=[panificio],
    )  # fmt: skip
    page = reverse("bookings:resource", args=[booth.pk])
    # Marco (Studio Rossi) sees the booth but may not book it: no address.
    marco_sees = client_for(marco).get(page)
    assert marco_sees.status_code == 200 and booth.feed_token not in marco_sees.text
    # Its manager sees it, with the button to replace it.
    luca_sees = client_for(luca).get(page)
    assert booth.feed_token in luca_sees.text
    assert reverse("bookings:regenerate_resource_feed", args=[booth.pk]) in luca_sees.text
    # A member of another space sees neither the page nor the address.
    sara_sees = client_for(sara).get(reverse("bookings:resource", args=[room.pk]))
    assert sara_sees.status_code == 404 and room.feed_token not in sara_sees.text
    # A member who may book it sees it, without the button.
    giulia_sees = client_for(giulia).get(reverse("bookings:resource", args=[room.pk]))
    assert room.feed_token in giulia_sees.text
    assert reverse("bookings:regenerate_resource_feed", args=[room.pk]) not in giulia_sees.text


@pytest.mark.parametrize(
    ("language", "heading", "label"),
    [
        ("en", "Its calendar", "Resource calendar address"),
        ("it", "Il suo calendario", "Indirizzo del calendario della risorsa"),
    ],
)
def test_the_page_shows_the_address_in_both_languages(
    client_for, giulia, room, language, heading, label
):
    giulia.language = language
    giulia.save(update_fields=["language"])
    response = client_for(giulia).get(
        reverse("bookings:resource", args=[room.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert heading in response.text and label in response.text
    assert f"http://testserver{feed_url(room)}" in response.text
