"""Event pages and iCal feeds through HTTP."""

from datetime import timedelta
from typing import Any

import icalendar
import pytest
from django.utils import timezone

from officina.accounts.models import Member, Space
from officina.events import actions
from officina.events.models import RSVP, Event

pytestmark = pytest.mark.django_db


def _event(organizer: Member, space: Space, **fields: Any) -> Event:
    start = timezone.now() + timedelta(days=2)
    data: dict[str, Any] = {
        "title": "Colazione",
        "starts_at": start,
        "ends_at": start + timedelta(hours=1),
    }
    return actions.check_create_event(organizer, space, **(data | fields))


def test_create_event_in_the_space_time_zone(client_for, giulia, navigli):
    response = client_for(giulia).post(
        "/events/new/",
        {
            "space": "navigli",
            "title": "Aperitivo",
            "starts_at": "2030-07-01T18:30",
            "ends_at": "2030-07-01T20:00",
            "visibility": "community",
            "capacity": "",
        },
    )
    assert response.status_code == 302
    event = Event.objects.get()
    local = event.starts_at.astimezone(navigli.zone)
    assert (local.hour, local.minute) == (18, 30)
    assert event.starts_at.utcoffset() is not None


@pytest.mark.parametrize(
    "data",
    [
        {
            "space": "navigli",
            "title": "",
            "starts_at": "2030-07-01T18:30",
            "ends_at": "2030-07-01T20:00",
        },
        {
            "space": "navigli",
            "title": "X",
            "starts_at": "2030-07-01T18:30",
            "ends_at": "2030-07-01T17:00",
        },
        {
            "space": "san-salvario",
            "title": "X",
            "starts_at": "2030-07-01T18:30",
            "ends_at": "2030-07-01T20:00",
        },
        {"space": "navigli", "title": "X", "starts_at": "tomorrow", "ends_at": "2030-07-01T20:00"},
    ],
)
def test_bad_event_form_changes_nothing(client_for, giulia, data):
    response = client_for(giulia).post("/events/new/", data | {"visibility": "community"})
    assert response.status_code == 400
    assert not Event.objects.exists()


def test_list_and_detail(client_for, giulia, sara, navigli):
    event = _event(giulia, navigli, visibility="space", title="Colazione riservata")
    _event(giulia, navigli, title="Aperitivo aperto")
    assert "Colazione riservata" in client_for(giulia).get("/events/").content.decode()
    page = client_for(sara).get("/events/").content.decode()
    assert "Aperitivo aperto" in page and "Colazione riservata" not in page
    assert client_for(sara).get(f"/events/{event.pk}/").status_code == 404
    assert client_for(giulia).get(f"/events/{event.pk}/").status_code == 200


def test_rsvp_through_the_page(client_for, giulia, marco, navigli):
    event = _event(giulia, navigli, capacity=1)
    response = client_for(marco).post(f"/events/{event.pk}/rsvp/", {"status": "going"}, follow=True)
    assert "the event is full" in response.content.decode()
    assert not RSVP.objects.filter(member=marco).exists()
    client_for(marco).post(f"/events/{event.pk}/rsvp/", {"status": "bogus"})
    assert not RSVP.objects.filter(member=marco).exists()


def test_only_editors_reach_the_edit_page(client_for, giulia, marco, navigli):
    event = _event(giulia, navigli)
    assert client_for(marco).get(f"/events/{event.pk}/edit/").status_code == 404
    assert client_for(marco).post(f"/events/{event.pk}/cancel/").status_code == 404
    assert client_for(giulia).get(f"/events/{event.pk}/edit/").status_code == 200


def test_personal_feed_is_valid_icalendar_with_time_zones(client, giulia, sara, navigli):
    _event(giulia, navigli, title="Colazione", visibility="space")
    actions.check_rsvp(sara, _event(giulia, navigli, title="Aperitivo"), "going")
    token = actions.feed_token(giulia)
    response = client.get(f"/events/ical/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar.name == "VCALENDAR"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Rome"]
    entries = {str(entry["SUMMARY"]): entry for entry in calendar.walk("VEVENT")}
    assert set(entries) == {"Colazione", "Aperitivo"}  # both organised by Giulia
    entry = entries["Colazione"]
    assert entry["DTSTART"].params["TZID"] == "Europe/Rome"
    assert "Officina Navigli" in str(entry["LOCATION"])
    # Sara does not belong to Navigli: its space-only event is not in her feed.
    sara_feed = icalendar.Calendar.from_ical(
        client.get(f"/events/ical/{actions.feed_token(sara)}.ics").content
    )
    assert [str(e["SUMMARY"]) for e in sara_feed.walk("VEVENT")] == ["Aperitivo"]


def test_personal_feed_holds_the_members_own_events_without_e_mail_addresses(
    client, giulia, marco, navigli
):
    organised = _event(giulia, navigli, title="Organised by Marco")
    organised.organizer = marco
    organised.save()
    going = _event(giulia, navigli, title="Going")
    maybe = _event(giulia, navigli, title="Maybe")
    not_going = _event(giulia, navigli, title="Not going")
    _event(giulia, navigli, title="Not answered")
    for event, answer in ((going, "going"), (maybe, "maybe"), (not_going, "not_going")):
        actions.check_rsvp(marco, event, answer)
    body = client.get(f"/events/ical/{actions.feed_token(marco)}.ics").content
    calendar = icalendar.Calendar.from_ical(body)
    titles = sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
    assert titles == ["Going", "Maybe", "Organised by Marco"]
    assert b"@officina.test" not in body and b"mailto:" not in body
    organizer = next(e["ORGANIZER"] for e in calendar.walk("VEVENT") if e["SUMMARY"] == "Going")
    assert str(organizer).endswith(f"/members/{giulia.pk}/")
    assert organizer.params["CN"] == "Giulia Rossi"


def test_space_feed_and_bad_tokens(client, giulia, navigli, digital):
    _event(giulia, navigli, title="A Navigli")
    _event(giulia, digital, title="Online")
    token = actions.feed_token(giulia)
    calendar = icalendar.Calendar.from_ical(client.get(f"/events/ical/{token}/navigli.ics").content)
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["A Navigli"]
    assert client.get("/events/ical/not-a-real-token-at-all.ics").status_code == 404
    assert client.get(f"/events/ical/{token}/nowhere.ics").status_code == 404
    actions.do_regenerate_feed_token(giulia)
    assert client.get(f"/events/ical/{token}.ics").status_code == 404


def test_admin_lists_events_with_filters_and_search(client_for, admin, giulia, navigli):
    _event(giulia, navigli)
    client = client_for(admin)
    for model in ("event", "rsvp", "calendarfeedtoken"):
        response = client.get(f"/admin/events/{model}/?q=colazione")
        assert response.status_code == 200, model
        assert 'id="changelist-filter"' in response.content.decode(), model
