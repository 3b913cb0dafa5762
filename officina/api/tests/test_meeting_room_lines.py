"""/api/conferences/meeting-rooms/{resource}: a meeting room's conference line through the
API, with the page's rules: the space's managers set, change and remove it; whoever may
book the meeting room reads its number and PIN; everyone else gets 404."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from officina.accounts.actions import do_join_space
from officina.bookings.access import member_ids_who_may_book
from officina.bookings.actions import check_create_resource, check_update_resource
from officina.bookings.tests.fixtures import EVERY_DAY
from officina.conferences.models import Room
from officina.conferences.selectors import room_plans
from officina.pbx.actions import do_provision_extension

LINE = {"name": "Sala Brera", "number": "810", "pin": "2468", "language": "it"}


@pytest.fixture
def brera(luca, navigli):
    """A meeting room of Navigli, which Luca manages and Giulia and Marco belong to."""
    return check_create_resource(
        luca, navigli, name="Sala Brera", kind="room", capacity=8, hours=EVERY_DAY
    )


def test_a_manager_sets_the_line_and_who_may_book_reads_it(api_as, brera, luca, giulia, sara):
    url = f"/conferences/meeting-rooms/{brera.pk}"
    manager = api_as(luca)
    assert api_as(giulia).get(url).status_code == 404  # no line yet
    response = manager.post(url, LINE)
    assert response.status_code == 200, response.content
    assert response.json() == {"resource_id": brera.pk, **LINE}
    # The PBX's plan: whoever may book the meeting room may join its line.
    assert room_plans()["810"].may_join == member_ids_who_may_book(brera)

    assert api_as(giulia).get(url).json()["pin"] == "2468"
    assert api_as(sara).get(url).status_code == 404  # of another space
    assert api_as(None).get(url).status_code == 401

    changed = manager.post(url, {**LINE, "number": "811", "pin": ""})
    assert changed.json()["number"] == "811" and Room.objects.get().pin == ""
    assert Room.objects.count() == 1  # one line per meeting room


def test_only_the_managers_change_or_remove_it(api_as, brera, luca, giulia, marco):
    url = f"/conferences/meeting-rooms/{brera.pk}"
    assert api_as(luca).post(url, LINE).status_code == 200
    for member in (giulia, marco):  # they may book it, not manage it
        assert api_as(member).post(url, {**LINE, "number": "899"}).status_code == 404
        assert api_as(member).delete(url).status_code == 404
    assert Room.objects.get().number == "810"
    assert api_as(luca).delete(url).status_code == 204
    assert not Room.objects.exists() and "810" not in room_plans()
    assert api_as(giulia).get(url).status_code == 404
    assert api_as(luca).delete(url).status_code == 204  # nothing left to remove


def test_a_company_limit_hides_it_from_the_spaces_others(
    api_as, brera, luca, navigli, make_member, studio_rossi
):
    url = f"/conferences/meeting-rooms/{brera.pk}"
    stella = make_member(first_name="Stella")
    do_join_space(stella, navigli)
    api_as(luca).post(url, LINE)
    assert api_as(stella).get(url).status_code == 200
    check_update_resource(
        luca, brera, hours=EVERY_DAY, only_companies=[studio_rossi], name=brera.name
    )
    assert api_as(stella).get(url).status_code == 404
    assert api_as(luca).get(url).status_code == 200  # a manager may still book it


def test_bad_input_gets_the_reason_and_changes_nothing(api_as, brera, luca, giulia, navigli):
    url = f"/conferences/meeting-rooms/{brera.pk}"
    manager = api_as(luca)
    taken = do_provision_extension(giulia).number
    response = manager.post(url, {**LINE, "number": taken})
    assert response.status_code == 400
    assert response.json()["message"] == f"{taken} is already taken: choose another number."
    short_pin = manager.post(url, {**LINE, "pin": "12"})
    assert short_pin.status_code == 400 and "PIN" in short_pin.json()["message"]
    assert manager.post(url, {**LINE, "language": "de"}).status_code == 422
    desk = check_create_resource(luca, navigli, name="Desk 1", kind="desk", hours=EVERY_DAY)
    refused = manager.post(f"/conferences/meeting-rooms/{desk.pk}", LINE)
    assert refused.status_code == 400
    assert refused.json()["message"] == "Only a meeting room can have a conference line."
    assert manager.post("/conferences/meeting-rooms/999999", LINE).status_code == 404
    assert not Room.objects.exists()


@pytest.fixture
def in_the_call(brera, luca):
    """Sala Brera's line with two callers in it, joined as the PBX records them."""
    from officina.conferences.actions import RoomInput, check_save_meeting_room_line, do_join

    line = check_save_meeting_room_line(brera, RoomInput(**LINE))
    first, second = datetime(2026, 12, 7, 9, 0, tzinfo=UTC), datetime(2026, 12, 7, 9, 2, tzinfo=UTC)
    do_join(line.pk, "call-a@test", "201", "Anna Verdi", first)
    do_join(line.pk, "call-b@test", "+393471234567", "", second)
    return line


def test_who_may_book_the_room_sees_who_is_in_its_call(
    api_as, brera, in_the_call, luca, giulia, sara, navigli, make_member, studio_rossi
):
    url = f"/conferences/meeting-rooms/{brera.pk}/participants"
    response = api_as(giulia).get(url)
    assert response.status_code == 200, response.content
    assert [
        {key: person[key] for key in ("number", "name", "joined_at", "muted_self")}
        for person in response.json()
    ] == [
        {"number": "201", "name": "Anna Verdi", "joined_at": "2026-12-07T09:00:00Z",
         "muted_self": False},
        {"number": "+393471234567", "name": "", "joined_at": "2026-12-07T09:02:00Z",
         "muted_self": False},
    ]  # fmt: skip
    assert api_as(luca).get(url).json() == response.json()
    for stranger in (sara, None):  # of another space; nobody signed in
        assert api_as(stranger).get(url).status_code == (404 if stranger else 401)
    # A company limit leaves the space's others out, as for booking the room.
    stella = make_member(first_name="Stella")
    do_join_space(stella, navigli)
    assert api_as(stella).get(url).status_code == 200
    check_update_resource(
        luca, brera, hours=EVERY_DAY, only_companies=[studio_rossi], name=brera.name
    )
    body = api_as(stella).get(url).json()
    assert body["code"] == "NOT_FOUND" and body["message"] == "Conference room not found."


def test_a_meeting_room_without_a_line_has_no_participants(api_as, brera, giulia, luca):
    for member in (giulia, luca):
        response = api_as(member).get(f"/conferences/meeting-rooms/{brera.pk}/participants")
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"
    assert api_as(giulia).get("/conferences/meeting-rooms/999999/participants").status_code == 404


def test_the_managers_mute_a_caller_and_nobody_else(api_as, brera, in_the_call, luca, giulia):
    from officina.conferences.models import Participant

    anna = Participant.objects.get(call_id="call-a@test")
    url = f"/conferences/meeting-rooms/{brera.pk}/participants/{anna.pk}/mute"
    assert api_as(giulia).post(url, {"muted": True}).status_code == 404  # may book, not manage
    anna.refresh_from_db()
    assert not anna.muted_by_owner
    muted = api_as(luca).post(url, {"muted": True})
    assert muted.status_code == 200, muted.content
    assert [person["muted_by_owner"] for person in muted.json()] == [True, False]
    anna.refresh_from_db()
    assert anna.muted_by_owner
    assert (
        api_as(giulia)
        .get(f"/conferences/meeting-rooms/{brera.pk}/participants")
        .json()[0]["muted_by_owner"]
    )
    assert [p["muted_by_owner"] for p in api_as(luca).post(url, {"muted": False}).json()] == [
        False, False,
    ]  # fmt: skip
    assert api_as(luca).post(url, {"muted": "loud"}).status_code == 422
    assert api_as(luca).post(url, {}).status_code == 422


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "This caller has left the room."), ("it", "Questa persona ha lasciato la sala.")],
)
def test_a_caller_who_left_is_not_found_in_both_languages(
    api_as, brera, in_the_call, luca, language, message
):
    from officina.conferences.actions import do_leave
    from officina.conferences.models import Participant

    anna = Participant.objects.get(call_id="call-a@test")
    do_leave(in_the_call.pk, "call-a@test")
    api = api_as(luca)
    response = api.client.post(
        f"/api/conferences/meeting-rooms/{brera.pk}/participants/{anna.pk}/mute",
        '{"muted": true}',
        content_type="application/json",
        headers={**api.headers, "accept-language": language},
    )
    assert response.status_code == 404
    assert response.json() == {"code": "NOT_FOUND", "message": message}
