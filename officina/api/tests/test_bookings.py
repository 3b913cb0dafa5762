"""/api/bookings as named members: resources, availability, slots, book, move, cancel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import icalendar
import pytest
from django.core import mail

from officina.bookings.actions import check_book, check_cancel, check_create_resource
from officina.bookings.kinds import BookingStatus
from officina.bookings.models import Booking
from officina.bookings.tests.fixtures import EVERY_DAY, at, buffered_room, room, tomorrow

__all__ = ["buffered_room", "room", "tomorrow"]  # fixtures shared with the app's own tests


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["message"]
    return body


def test_resources_of_a_space_for_its_members_only(api_as, giulia, sara, room):
    (resource,) = api_as(giulia).get("/bookings/spaces/navigli/resources").json()
    assert resource["name"] == "Sala Brera"
    assert resource["amenities"] == ["screen", "whiteboard"]
    assert resource["may_book"] is True
    assert_error(api_as(sara).get("/bookings/spaces/navigli/resources"), 404, "NOT_FOUND")
    assert_error(api_as(None).get("/bookings/spaces/navigli/resources"), 401, "UNAUTHORIZED")


def test_resources_carry_their_photos_in_order(api_as, client_for, luca, giulia, room):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from officina.bookings.actions import check_add_resource_photo, check_move_resource_photo
    from officina.bookings.tests.fixtures import photo_bytes

    (resource,) = api_as(giulia).get("/bookings/spaces/navigli/resources").json()
    assert resource["photos"] == []
    table, window = (
        check_add_resource_photo(luca, room, SimpleUploadedFile("p.jpg", photo_bytes()), caption=c)
        for c in ("The long table", "")
    )
    check_move_resource_photo(luca, room, window.pk, earlier=True)
    (resource,) = api_as(giulia).get("/bookings/spaces/navigli/resources").json()
    assert resource["photos"] == [
        {"id": window.pk, "url": window.url, "caption": "Sala Brera"},
        {"id": table.pk, "url": table.url, "caption": "The long table"},
    ]
    assert client_for(giulia).get(window.url).status_code == 200


def test_a_manager_adds_and_removes_photos_through_the_api(api_as, luca, giulia, room):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from officina.bookings.tests.fixtures import photo_bytes

    path = f"/bookings/resources/{room.pk}/photos"
    added = api_as(luca).upload(
        path, photo=SimpleUploadedFile("room.png", photo_bytes()), caption="The long table"
    )
    assert added.status_code == 201, added.content
    (photo,) = added.json()["photos"]
    assert photo["caption"] == "The long table"
    # A file that is not an image, whatever its name says: refused, nothing stored.
    disguised = api_as(luca).upload(
        path, photo=SimpleUploadedFile("room.jpg", b"#!/bin/sh\necho hello\n")
    )
    assert_error(disguised, 400, "INVALID_INPUT")
    assert len(api_as(luca).get("/bookings/spaces/navigli/resources").json()[0]["photos"]) == 1
    # A member who does not manage the space sees the photo and may not change it.
    refused = api_as(giulia).upload(path, photo=SimpleUploadedFile("p.jpg", photo_bytes()))
    assert_error(refused, 404, "NOT_FOUND")
    assert_error(api_as(giulia).delete(f"{path}/{photo['id']}"), 404, "NOT_FOUND")
    removed = api_as(luca).delete(f"{path}/{photo['id']}")
    assert removed.status_code == 200, removed.content
    assert removed.json()["photos"] == []
    assert_error(api_as(luca).delete(f"{path}/{photo['id']}"), 404, "NOT_FOUND")


def test_book_with_local_times_then_see_it_in_availability(api_as, giulia, room, navigli, tomorrow):
    api = api_as(giulia)
    response = api.post(
        "/bookings",
        {
            "resource": room.pk,
            "starts_at": f"{tomorrow}T10:00",
            "ends_at": f"{tomorrow}T11:00",
            "title": "Call",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "confirmed" and body["space"] == "navigli"
    assert Booking.objects.get().starts_at == at(navigli, tomorrow, 10)
    (day,) = api.get("/bookings/spaces/navigli/availability", date=str(tomorrow)).json()
    assert [b["member"]["name"] for b in day["bookings"]] == ["Giulia Rossi"]
    assert len(day["free"]) == 2
    assert [b["id"] for b in api.get("/bookings/mine").json()] == [body["id"]]


def test_a_conflict_is_409_and_books_nothing(api_as, giulia, marco, room, navigli, tomorrow):
    check_book(giulia, room, starts_at=at(navigli, tomorrow, 10), ends_at=at(navigli, tomorrow, 11))
    body = assert_error(
        api_as(marco).post(
            "/bookings",
            {
                "resource": room.pk,
                "starts_at": f"{tomorrow}T10:30:00+01:00",
                "ends_at": f"{tomorrow}T11:30:00+01:00",
            },
        ),
        409,
        "CONFLICT",
    )
    assert "already booked" in body["message"]
    assert Booking.objects.count() == 1


def test_times_in_another_named_zone(api_as, giulia, room, navigli, tomorrow):
    response = api_as(giulia).post(
        "/bookings",
        {
            "resource": room.pk,
            "starts_at": f"{tomorrow}T09:00",
            "ends_at": f"{tomorrow}T10:00",
            "time_zone": "UTC",
        },
    )
    assert response.status_code == 201, response.content
    # 09:00 UTC is 10:00 in Milano in winter, 11:00 in summer: either way not 09:00 local.
    assert Booking.objects.get().starts_at != at(navigli, tomorrow, 9)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"starts_at": "2027-03-28T02:30", "ends_at": "2027-03-28T03:30"}, "starts_at"),
        ({"starts_at": "2027-10-31T02:30", "ends_at": "2027-10-31T03:30"}, "starts_at"),
        ({"starts_at": "2020-01-01T10:00", "ends_at": "2020-01-01T11:00"}, "starts_at"),
    ],
)
def test_bad_times_are_invalid_input_naming_the_field(
    api_as, giulia, room, tomorrow, payload, field
):
    body = {
        "resource": room.pk,
        "starts_at": f"{tomorrow}T10:00",
        "ends_at": f"{tomorrow}T11:00",
        **payload,
    }
    error = assert_error(api_as(giulia).post("/bookings", body), 400, "INVALID_INPUT")
    assert error["field"] == field
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"resource": 0, "starts_at": "2027-01-01T10:00", "ends_at": "2027-01-01T11:00"},
        {"resource": 1, "starts_at": "tomorrow", "ends_at": "2027-01-01T11:00"},
        {
            "resource": 1,
            "starts_at": "2027-01-01T10:00",
            "ends_at": "2027-01-01T11:00",
            "title": "x" * 121,
        },
        {"resource": 1, "starts_at": "2027-01-01T10:00"},
    ],
)
def test_schema_rules_answer_422(api_as, giulia, room, payload):
    assert_error(api_as(giulia).post("/bookings", payload), 422, "INVALID_INPUT")


def test_nul_characters_and_bodies_that_are_not_objects_answer_422(api_as, giulia, room, tomorrow):
    """As everywhere in the API: PostgreSQL would refuse the NUL with an error (a 500)."""
    api = api_as(giulia)
    times = {"starts_at": f"{tomorrow}T10:00", "ends_at": f"{tomorrow}T11:00"}
    assert_error(
        api.post("/bookings", {"resource": room.pk, **times, "title": "Call\x00"}),
        422,
        "INVALID_INPUT",
    )
    assert_error(
        api.post("/bookings", {"resource": room.pk, **times, "time_zone": "Europe/Rome\x00"}),
        422,
        "INVALID_INPUT",
    )
    assert_error(api.post("/bookings/1/move", [times]), 422, "INVALID_INPUT")
    response = api.client.get("/api/bookings/spaces/nav%00igli/slots", headers=api.headers)
    assert_error(response, 422, "INVALID_INPUT")
    assert not Booking.objects.exists()


def test_slots_for_six_people_with_a_screen(api_as, giulia, room, buffered_room, tomorrow):
    slots = api_as(giulia).get(
        "/bookings/spaces/navigli/slots",
        date=str(tomorrow),
        earliest="10:00",
        latest="12:00",
        minutes=60,
        people=6,
        amenities=["screen"],
    )
    assert slots.status_code == 200, slots.content
    assert [slot["name"] for slot in slots.json()] == ["Sala Brera"]
    bad = api_as(giulia).get(
        "/bookings/spaces/navigli/slots", date=str(tomorrow), amenities=["jacuzzi"], minutes=5
    )
    assert_error(bad, 422, "INVALID_INPUT")


def test_move_and_cancel_mine_but_not_someone_else_s(
    api_as, giulia, marco, room, navigli, tomorrow
):
    booking = check_book(
        giulia, room, starts_at=at(navigli, tomorrow, 10), ends_at=at(navigli, tomorrow, 11)
    )
    assert_error(api_as(marco).post(f"/bookings/{booking.pk}/cancel"), 404, "NOT_FOUND")
    moved = api_as(giulia).post(
        f"/bookings/{booking.pk}/move",
        {"starts_at": f"{tomorrow}T15:00", "ends_at": f"{tomorrow}T16:00"},
    )
    assert moved.status_code == 200, moved.content
    booking.refresh_from_db()
    assert booking.starts_at == at(navigli, tomorrow, 15)
    assert api_as(giulia).post(f"/bookings/{booking.pk}/cancel").json()["status"] == "cancelled"
    assert_error(api_as(giulia).post(f"/bookings/{booking.pk}/cancel"), 409, "CONFLICT")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_days_out_of_range_are_422_not_errors(api_as, giulia, room, day):
    api = api_as(giulia)
    assert_error(api.get("/bookings/spaces/navigli/availability", date=day), 422, "INVALID_INPUT")
    assert_error(api.get("/bookings/spaces/navigli/slots", date=day), 422, "INVALID_INPUT")
    body = {"resource": room.pk, "starts_at": f"{day}T00:30", "ends_at": f"{day}T01:30"}
    assert assert_error(api.post("/bookings", body), 400, "INVALID_INPUT")["field"] == "starts_at"


def test_resources_say_which_ones_a_member_may_book(api_as, marco, luca, navigli, panificio, room):
    from officina.bookings.actions import check_create_resource
    from officina.bookings.tests.fixtures import EVERY_DAY

    check_create_resource(
        luca, navigli, name="Laboratorio", kind="equipment", hours=EVERY_DAY,
        only_companies=[panificio],
    )  # fmt: skip
    listed = {
        r["name"]: r["may_book"]
        for r in api_as(marco).get("/bookings/spaces/navigli/resources").json()
    }
    assert listed == {"Sala Brera": True, "Laboratorio": False}
    manager = {
        r["name"]: r["may_book"]
        for r in api_as(luca).get("/bookings/spaces/navigli/resources").json()
    }
    assert manager == {"Sala Brera": True, "Laboratorio": True}


def _weekly(room: Any, first: Any, **extra: Any) -> dict[str, Any]:
    return {
        "resource": room.pk,
        "frequency": "weekly",
        "first_day": str(first),
        "until": str(first + timedelta(weeks=3)),
        "starts": "10:00",
        "ends": "11:00",
        **extra,
    }


def test_a_weekly_series_then_cancel_and_move_from_a_day_on(api_as, giulia, room, tomorrow):
    api = api_as(giulia)
    skipped = tomorrow + timedelta(weeks=1)
    response = api.post("/bookings/series", _weekly(room, tomorrow, skip=[str(skipped)]))
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["skip"] == [str(skipped)]
    assert len(made["bookings"]) == 3
    assert {b["series"] for b in made["bookings"]} == {made["id"]}
    assert api.get(f"/bookings/series/{made['id']}").json() == made
    third = tomorrow + timedelta(weeks=2)
    moved = api.post(
        f"/bookings/series/{made['id']}/move",
        {"from_day": str(third), "starts": "15:00", "ends": "16:00"},
    )
    assert moved.json() == {"changed": 2}, moved.content
    cancelled = api.post(f"/bookings/series/{made['id']}/cancel", {"from_day": str(third)})
    assert cancelled.json() == {"changed": 2}
    dates = api.get(f"/bookings/series/{made['id']}").json()["bookings"]
    assert [b["status"] for b in dates] == ["confirmed", "cancelled", "cancelled"]


def test_a_series_with_a_taken_date_is_409_listing_it(
    api_as, giulia, marco, room, navigli, tomorrow
):
    taken = tomorrow + timedelta(weeks=2)
    check_book(marco, room, starts_at=at(navigli, taken, 10), ends_at=at(navigli, taken, 11))
    body = assert_error(
        api_as(giulia).post("/bookings/series", _weekly(room, tomorrow)), 409, "CONFLICT"
    )
    assert body["dates"] == [
        {"date": str(taken), "reason": "Sala Brera is already booked from 10:00 to 11:00."}
    ]
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"until": "2020-01-01"}, "until"),
        ({"skip": ["2020-01-01"]}, "skip"),
        ({"frequency": "monthly", "first_day": "2027-01-31", "until": "2027-03-31"}, "day"),
    ],
)
def test_impossible_series_are_400_and_book_nothing(api_as, giulia, room, tomorrow, extra, field):
    body = assert_error(
        api_as(giulia).post("/bookings/series", _weekly(room, tomorrow, **extra)),
        400,
        "INVALID_INPUT",
    )
    assert body["field"] == field
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    "extra", [{"frequency": "daily"}, {"interval": 5}, {"starts": "25:00"}, {"until": "soon"}]
)
def test_series_schema_rules_answer_422(api_as, giulia, room, tomorrow, extra):
    assert_error(
        api_as(giulia).post("/bookings/series", _weekly(room, tomorrow, **extra)),
        422,
        "INVALID_INPUT",
    )


def test_someone_elses_series_is_not_found(api_as, giulia, marco, room, tomorrow):
    made = api_as(giulia).post("/bookings/series", _weekly(room, tomorrow)).json()
    api = api_as(marco)
    assert_error(api.get(f"/bookings/series/{made['id']}"), 404, "NOT_FOUND")
    assert_error(api.get("/bookings/series/999999"), 404, "NOT_FOUND")
    assert_error(
        api.post(f"/bookings/series/{made['id']}/cancel", {"from_day": str(tomorrow)}),
        404,
        "NOT_FOUND",
    )
    assert Booking.objects.filter(status="confirmed").count() == 4


def test_wait_for_a_taken_time_then_hear_it_is_free(api_as, giulia, marco, room, navigli, tomorrow):
    from officina.bookings.actions import do_tell_who_waits_for_free_times
    from officina.notifications.selectors import notifications_for

    held = check_book(
        marco, room, starts_at=at(navigli, tomorrow, 10), ends_at=at(navigli, tomorrow, 11)
    )
    api = api_as(giulia)
    times = {"starts_at": f"{tomorrow}T10:30", "ends_at": f"{tomorrow}T11:30"}
    response = api.post("/bookings/watches", {"resource": room.pk, **times})
    assert response.status_code == 201, response.content
    assert response.json()["starts_at"] == at(navigli, tomorrow, 10, 30).isoformat()
    free = {"starts_at": f"{tomorrow}T15:00", "ends_at": f"{tomorrow}T16:00"}
    assert_error(api.post("/bookings/watches", {"resource": room.pk, **free}), 409, "CONFLICT")
    assert_error(api.post("/bookings/watches", {"resource": 999999, **times}), 404, "NOT_FOUND")
    check_cancel(marco, held)
    assert do_tell_who_waits_for_free_times() == 1
    assert notifications_for(giulia).filter(kind="bookings.free_again").count() == 1


def test_ask_to_be_told_when_a_search_that_found_nothing_fits(
    api_as, giulia, marco, sara, room, navigli, tomorrow
):
    search = {
        "date": str(tomorrow),
        "earliest": "10:00",
        "latest": "12:00",
        "minutes": 60,
        "people": 6,
        "amenities": ["screen"],
    }
    path = "/bookings/spaces/navigli/slots/watch"
    assert_error(api_as(giulia).post(path, search), 409, "CONFLICT")  # Sala Brera is free
    check_book(marco, room, starts_at=at(navigli, tomorrow, 9), ends_at=at(navigli, tomorrow, 13))
    response = api_as(giulia).post(path, search)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["space"], body["date"], body["people"], body["amenities"]) == (
        "navigli",
        str(tomorrow),
        6,
        ["screen"],
    )
    assert_error(api_as(sara).post(path, search), 404, "NOT_FOUND")  # not of the space
    for bad in (
        {**search, "people": 0},
        {**search, "amenities": ["jacuzzi"]},
        {**search, "date": "tomorrow"},
    ):
        assert_error(api_as(giulia).post(path, bad), 422, "INVALID_INPUT")
    window_backwards = {**search, "latest": "09:00"}
    assert_error(api_as(giulia).post(path, window_backwards), 400, "INVALID_INPUT")
    assert_error(api_as(None).post(path, search), 401, "UNAUTHORIZED")


@pytest.fixture
def meeting(giulia: Any, room: Any, navigli: Any, tomorrow: Any) -> Any:
    return check_book(
        giulia, room, starts_at=at(navigli, tomorrow, 10), ends_at=at(navigli, tomorrow, 11)
    )


def test_guests_listed_invited_and_removed_by_the_bookings_member(
    api_as, giulia, marco, meeting, django_capture_on_commit_callbacks
):
    api, path = api_as(giulia), f"/bookings/{meeting.pk}/guests"
    with django_capture_on_commit_callbacks(execute=True):
        invited = api.post(path, {"guests": [marco.email, "Anna Bianchi <anna@client.example>"]})
    assert invited.status_code == 201, invited.content
    made = {guest["email"]: guest for guest in invited.json()}
    assert made[marco.email]["member"] == marco.pk
    assert made["anna@client.example"] == {
        "id": made["anna@client.example"]["id"],
        "email": "anna@client.example",
        "name": "Anna Bianchi",
        "member": None,
    }
    assert len(mail.outbox) == 2
    assert sorted(g["email"] for g in api.get(path).json()) == sorted(made)
    with django_capture_on_commit_callbacks(execute=True):
        removed = api.delete(f"{path}/{made['anna@client.example']['id']}")
    assert removed.status_code == 204, removed.content
    assert [g["email"] for g in api.get(path).json()] == [marco.email]
    cancellation = mail.outbox[-1]
    assert cancellation.to == ["anna@client.example"]
    assert cancellation.subject.startswith("No longer invited: Sala Brera")
    ((_name, content, mimetype),) = cancellation.attachments
    assert mimetype.startswith("text/calendar; method=CANCEL")
    (event,) = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert event.decoded("sequence") == 1 and str(event["status"]) == "CANCELLED"
    assert str(event["attendee"]).lower() == "mailto:anna@client.example"


def test_guests_of_a_booking_follow_its_access_rules(
    api_as, giulia, marco, luca, meeting, navigli, tomorrow
):
    path = f"/bookings/{meeting.pk}/guests"
    made = api_as(giulia).post(path, {"guests": ["anna@client.example"]}).json()
    guest_id = made[0]["id"]
    # Someone else's booking: not found, whatever the verb; nothing changes.
    assert_error(api_as(marco).get(path), 404, "NOT_FOUND")
    assert_error(api_as(marco).post(path, {"guests": ["x@client.example"]}), 404, "NOT_FOUND")
    assert_error(api_as(marco).delete(f"{path}/{guest_id}"), 404, "NOT_FOUND")
    assert_error(api_as(None).get(path), 401, "UNAUTHORIZED")
    # The space's manager may read and change them.
    assert [g["email"] for g in api_as(luca).get(path).json()] == ["anna@client.example"]
    # A guest of another booking is not found through this one.
    other = check_book(
        marco,
        meeting.resource,
        starts_at=at(navigli, tomorrow, 14),
        ends_at=at(navigli, tomorrow, 15),
    )
    (theirs,) = (
        api_as(marco).post(f"/bookings/{other.pk}/guests", {"guests": ["b@x.example"]}).json()
    )
    assert_error(api_as(giulia).delete(f"{path}/{theirs['id']}"), 404, "NOT_FOUND")
    # A cancelled booking takes no more changes.
    check_cancel(giulia, meeting)
    assert_error(api_as(giulia).delete(f"{path}/{guest_id}"), 409, "CONFLICT")
    assert_error(api_as(giulia).post(path, {"guests": ["c@x.example"]}), 409, "CONFLICT")


def test_guests_refuse_bad_input_and_change_nothing(api_as, giulia, meeting):
    api, path = api_as(giulia), f"/bookings/{meeting.pk}/guests"
    malformed: list[dict[str, Any]] = [
        {"guests": []},
        {"guests": [3]},
        {"guests": "anna@client.example"},
        {},
    ]
    for body in malformed:
        assert_error(api.post(path, body), 422, "INVALID_INPUT")
    refused = assert_error(api.post(path, {"guests": ["not an address"]}), 400, "INVALID_INPUT")
    assert refused["field"] == "guests"
    too_many = [f"guest{n}@client.example" for n in range(meeting.resource.capacity)]
    assert_error(api.post(path, {"guests": too_many}), 400, "INVALID_INPUT")
    assert api.get(path).json() == []
    assert_error(api.delete(f"{path}/999999"), 404, "NOT_FOUND")


def test_a_resource_s_calendar_address_for_those_who_may_book_it(
    api_as, client, luca, giulia, marco, sara, navigli, panificio, room, tomorrow
):
    check_create_resource(
        luca, navigli, name="Cabina Panificio", kind="booth", hours=EVERY_DAY,
        only_companies=[panificio],
    )  # fmt: skip
    check_book(giulia, room, starts_at=at(navigli, tomorrow, 10), ends_at=at(navigli, tomorrow, 11))
    resources = {
        r["name"]: r for r in api_as(marco).get("/bookings/spaces/navigli/resources").json()
    }
    # Marco (Studio Rossi) may book Sala Brera, not the booth kept for Panificio's people.
    assert resources["Cabina Panificio"]["feed_url"] is None
    address = resources["Sala Brera"]["feed_url"]
    assert address == f"http://testserver/bookings/resources/ical/{room.feed_token}.ics"
    (event,) = icalendar.Calendar.from_ical(client.get(address).content).walk("VEVENT")
    assert str(event["summary"]) == "Giulia Rossi"
    assert_error(api_as(sara).get("/bookings/spaces/navigli/resources"), 404, "NOT_FOUND")


def test_a_manager_makes_a_new_calendar_address_for_a_resource(api_as, client, luca, giulia, room):
    url = f"/bookings/resources/{room.pk}/feed/regenerate"
    assert_error(api_as(giulia).post(url, {}), 404, "NOT_FOUND")
    assert_error(api_as(None).post(url, {}), 401, "UNAUTHORIZED")
    (before,) = api_as(giulia).get("/bookings/spaces/navigli/resources").json()
    response = api_as(luca).post(url, {})
    assert response.status_code == 200, response.content
    after = response.json()["feed_url"]
    assert after != before["feed_url"]
    assert client.get(before["feed_url"]).status_code == 404
    assert client.get(after).status_code == 200
    (listed,) = api_as(giulia).get("/bookings/spaces/navigli/resources").json()
    assert listed["feed_url"] == after
