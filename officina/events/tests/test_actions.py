"""Events: who may organize and change them, answers within capacity, bad input."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from officina.accounts.models import Member, Space
from officina.core.errors import ErrorCode, OfficinaError
from officina.events import actions
from officina.events.access import access_event_by_id
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


def test_space_members_organize_and_go(giulia, navigli):
    event = _event(giulia, navigli, capacity=10)
    assert event.organizer == giulia
    assert RSVP.objects.get(event=event).status == "going"


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "  "},
        {"capacity": 0},
        {"visibility": "everyone"},
        {"ends_at": timezone.now() + timedelta(days=1)},
        {"ends_at": timezone.now() + timedelta(days=40)},
        {"starts_at": timezone.now() - timedelta(days=1), "ends_at": timezone.now()},
    ],
)
def test_bad_event_input_creates_nothing(giulia, navigli, fields):
    with pytest.raises(OfficinaError) as caught:
        _event(giulia, navigli, **fields)
    assert caught.value.code == ErrorCode.INVALID_INPUT
    assert not Event.objects.exists()


def test_non_members_cannot_organize_in_a_space(sara, outsider, navigli):
    for member in (sara, outsider):
        with pytest.raises(OfficinaError):
            _event(member, navigli)
    assert not Event.objects.exists()


def test_space_events_are_hidden_from_other_members(giulia, marco, sara, admin, navigli):
    event = _event(giulia, navigli, visibility="space")
    assert access_event_by_id(marco, event.pk) == event
    assert access_event_by_id(admin, event.pk) == event
    with pytest.raises(OfficinaError) as hidden:
        access_event_by_id(sara, event.pk)
    with pytest.raises(OfficinaError) as missing:
        access_event_by_id(sara, 999_999)
    assert str(hidden.value) == str(missing.value)


def test_community_events_are_visible_to_everyone(giulia, sara, navigli):
    event = _event(giulia, navigli)
    assert access_event_by_id(sara, event.pk) == event


def test_only_organizer_and_managers_edit(giulia, marco, luca, navigli):
    event = _event(giulia, navigli)
    with pytest.raises(OfficinaError):
        access_event_by_id(marco, event.pk, to_edit=True)
    assert access_event_by_id(luca, event.pk, to_edit=True) == event
    with pytest.raises(OfficinaError):
        actions.check_cancel_event(marco, event)
    actions.check_cancel_event(luca, event)
    assert not Event.objects.exists()


def test_capacity_is_respected(giulia, marco, luca, navigli):
    event = _event(giulia, navigli, capacity=2)
    actions.check_rsvp(marco, event, "going")
    with pytest.raises(OfficinaError) as caught:
        actions.check_rsvp(luca, event, "going")
    assert caught.value.code == ErrorCode.CONFLICT
    assert not RSVP.objects.filter(member=luca).exists()
    # "Maybe" takes no place; a place freed is taken again.
    actions.check_rsvp(luca, event, "maybe")
    actions.check_rsvp(marco, event, "not_going")
    actions.check_rsvp(luca, event, "going")
    assert RSVP.objects.filter(event=event, status="going").count() == 2
    # Saying "going" again when already going does not need a new place.
    actions.check_rsvp(luca, event, "going")


def test_capacity_cannot_drop_below_those_going(giulia, marco, navigli):
    event = _event(giulia, navigli, capacity=5)
    actions.check_rsvp(marco, event, "going")
    with pytest.raises(OfficinaError):
        actions.check_update_event(
            giulia,
            event,
            title="Colazione",
            description="",
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            capacity=1,
            visibility="community",
        )
    event.refresh_from_db()
    assert event.capacity == 5


def test_bad_answers_and_past_events(giulia, marco, navigli):
    event = _event(giulia, navigli)
    with pytest.raises(OfficinaError):
        actions.check_rsvp(marco, event, "yes please")
    with pytest.raises(OfficinaError) as caught:
        actions.check_rsvp(marco, event, "going", now=event.ends_at + timedelta(minutes=1))
    assert caught.value.code == ErrorCode.CONFLICT
    assert not RSVP.objects.filter(member=marco).exists()


def test_feed_token_is_stable_until_regenerated(giulia):
    token = actions.feed_token(giulia)
    assert actions.feed_token(giulia) == token
    assert actions.do_regenerate_feed_token(giulia) != token


def test_cancelling_tells_those_going_or_maybe(giulia, marco, luca, navigli):
    from officina.notifications.models import Notification

    event = _event(giulia, navigli, title="Aperitivo")
    actions.check_rsvp(marco, event, "maybe")
    actions.check_rsvp(luca, event, "not_going")
    luca.language = "it"
    luca.save()
    actions.check_cancel_event(giulia, event)
    told = Notification.objects.filter(kind="events.cancelled")
    assert [n.recipient for n in told] == [marco]
    assert "“Aperitivo”" in told.get().shown_text and "cancelled" in told.get().shown_text


def test_moving_an_event_tells_attendees_in_their_language(giulia, marco, navigli):
    from officina.notifications.models import Notification

    event = _event(giulia, navigli, title="Aperitivo")
    actions.check_rsvp(marco, event, "going")
    marco.language = "it"
    marco.save()
    later = event.starts_at + timedelta(days=1)
    actions.check_update_event(
        giulia,
        event,
        title="Aperitivo",
        description="",
        starts_at=later,
        ends_at=later + timedelta(hours=1),
        capacity=None,
        visibility="community",
    )
    note = Notification.objects.get(kind="events.moved")
    assert note.recipient == marco
    with translation.override("it"):
        assert "è stato spostato" in note.shown_text
    # The new time in the reader's format: Italian on the 24-hour clock, in the space's zone.
    local = timezone.localtime(later, navigli.zone)
    with translation.override("it"):
        assert local.strftime("%d/%m/%Y %H:%M") in note.shown_text
    with translation.override("en"):
        assert note.shown_text.startswith("“Aperitivo” has moved to ")
    # Changing only the description tells nobody.
    actions.check_update_event(
        giulia,
        event,
        title="Aperitivo",
        description="Con focaccia",
        starts_at=later,
        ends_at=later + timedelta(hours=1),
        capacity=None,
        visibility="community",
    )
    assert Notification.objects.filter(kind="events.moved").count() == 1
