"""Reminders before a booking, and "the time you wanted is free again": each member told
once, in their own language, and nobody told of what is not so."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from officina.bookings.actions import (
    MOST_WATCHES,
    check_book,
    check_cancel,
    check_create_resource,
    check_move,
    check_set_desk_release,
    check_watch_free_again,
    check_watch_slot_search,
    do_release_unclaimed_desks,
    do_send_booking_reminders,
    do_tell_who_searched,
    do_tell_who_waits_for_free_times,
)
from officina.bookings.models import FreeAgainWatch, SlotSearchWatch
from officina.bookings.selectors import SlotRequest
from officina.core.errors import ErrorCode, OfficinaError
from officina.notifications.selectors import notifications_for

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2027, 6, 7, 9, 0, tzinfo=ROME)


def at(hour: int, minute: int = 0, days: int = 0) -> datetime:
    return NOW.replace(hour=hour, minute=minute) + timedelta(days=days)


def texts(member: Any, language: str = "en") -> list[str]:
    with translation.override(language), timezone.override(ROME):
        return [
            n.shown_text for n in notifications_for(member).filter(kind__startswith="bookings.")
        ]


class TestReminders:
    def test_a_booking_starting_soon_is_reminded_once(self, giulia, marco, room, settings):
        settings.BOOKING_REMINDER_MINUTES = 30
        soon = check_book(giulia, room, starts_at=at(9, 20), ends_at=at(10), now=NOW)
        check_book(marco, room, starts_at=at(10), ends_at=at(10, 30), now=NOW)  # later
        assert soon.pk
        assert do_send_booking_reminders(NOW) == 1
        (told,) = texts(giulia)
        assert told.startswith("Soon: Sala Brera at Officina Navigli, from ")
        assert texts(marco) == []
        # The next run tells nobody again; Marco's turn comes when his booking is near.
        assert do_send_booking_reminders(NOW + timedelta(minutes=5)) == 0
        assert do_send_booking_reminders(NOW + timedelta(minutes=35)) == 1
        assert len(texts(giulia)) == 1 and len(texts(marco)) == 1

    def test_in_the_readers_language(self, giulia, room):
        check_book(giulia, room, starts_at=at(9, 20), ends_at=at(10), now=NOW)
        do_send_booking_reminders(NOW)
        (italian,) = texts(giulia, "it")
        assert italian.startswith("Tra poco: Sala Brera a Officina Navigli")
        (english,) = texts(giulia, "en")
        assert english.startswith("Soon: Sala Brera at Officina Navigli")

    def test_cancelled_and_begun_bookings_are_not_reminded(self, giulia, room):
        cancelled = check_book(giulia, room, starts_at=at(9, 10), ends_at=at(9, 40), now=NOW)
        check_cancel(giulia, cancelled, now=NOW)
        check_book(giulia, room, starts_at=at(8), ends_at=at(9, 5), now=at(7))  # begun
        assert do_send_booking_reminders(NOW) == 0
        assert texts(giulia) == []


class TestFreeAgain:
    def test_told_once_when_the_holder_cancels(self, giulia, marco, room):
        held = check_book(marco, room, starts_at=at(14), ends_at=at(15), now=NOW)
        check_watch_free_again(giulia, room, starts_at=at(14, 30), ends_at=at(15, 30), now=NOW)
        assert do_tell_who_waits_for_free_times(NOW) == 0  # still held
        check_cancel(marco, held, now=NOW)
        assert do_tell_who_waits_for_free_times(NOW) == 1
        (told,) = texts(giulia)
        assert "Sala Brera at Officina Navigli is free again" in told and "as you asked" in told
        assert not FreeAgainWatch.objects.exists()
        assert do_tell_who_waits_for_free_times(NOW) == 0

    def test_a_move_that_still_overlaps_tells_nobody(self, giulia, marco, room):
        held = check_book(marco, room, starts_at=at(14), ends_at=at(15), now=NOW)
        check_watch_free_again(giulia, room, starts_at=at(14), ends_at=at(15), now=NOW)
        check_move(marco, held, starts_at=at(14, 45), ends_at=at(15, 45), now=NOW)
        assert do_tell_who_waits_for_free_times(NOW) == 0
        check_move(marco, held, starts_at=at(15), ends_at=at(16), now=NOW)  # back to back
        assert do_tell_who_waits_for_free_times(NOW) == 1

    def test_a_time_that_has_begun_is_forgotten_untold(self, giulia, marco, room):
        held = check_book(marco, room, starts_at=at(14), ends_at=at(15), now=NOW)
        check_watch_free_again(giulia, room, starts_at=at(14), ends_at=at(15), now=NOW)
        check_cancel(marco, held, now=NOW)
        assert do_tell_who_waits_for_free_times(at(14, 1)) == 0
        assert not FreeAgainWatch.objects.exists()
        assert texts(giulia) == []

    def test_asking_for_a_free_or_past_time_is_refused(self, giulia, marco, room):
        with pytest.raises(OfficinaError) as free:
            check_watch_free_again(giulia, room, starts_at=at(14), ends_at=at(15), now=NOW)
        assert free.value.code == ErrorCode.CONFLICT
        with pytest.raises(OfficinaError) as past:
            check_watch_free_again(giulia, room, starts_at=at(8), ends_at=at(9), now=NOW)
        assert past.value.code == ErrorCode.INVALID_INPUT
        assert not FreeAgainWatch.objects.exists()

    def test_a_member_waits_for_a_bounded_number_of_times(self, giulia, marco, room):
        for day in range(MOST_WATCHES + 1):
            check_book(marco, room, starts_at=at(14, days=day), ends_at=at(15, days=day), now=NOW)
        for day in range(MOST_WATCHES):
            check_watch_free_again(
                giulia, room, starts_at=at(14, days=day), ends_at=at(15, days=day), now=NOW
            )
        with pytest.raises(OfficinaError):
            check_watch_free_again(
                giulia,
                room,
                starts_at=at(14, days=MOST_WATCHES),
                ends_at=at(15, days=MOST_WATCHES),
                now=NOW,
            )
        assert FreeAgainWatch.objects.count() == MOST_WATCHES


def test_the_page_offers_to_wait_after_a_refusal_and_tells_later(
    client_for, giulia, marco, room, navigli
):
    tomorrow = timezone.localdate(timezone.now(), navigli.zone) + timedelta(days=1)
    start = datetime.combine(tomorrow, datetime.min.time().replace(hour=10), tzinfo=navigli.zone)
    held = check_book(marco, room, starts_at=start, ends_at=start + timedelta(hours=1))
    client = client_for(giulia)
    refused = client.post(
        f"/bookings/resources/{room.pk}/",
        {"day": tomorrow.isoformat(), "starts": "10:30", "ends": "11:30"},
    )
    assert refused.status_code == 400
    assert b"watch-form" in refused.content
    asked = client.post(
        f"/bookings/resources/{room.pk}/watch/",
        {
            "starts_at": (start + timedelta(minutes=30)).isoformat(),
            "ends_at": (start + timedelta(minutes=90)).isoformat(),
        },
    )
    assert asked.status_code == 302
    assert FreeAgainWatch.objects.filter(member=giulia).count() == 1
    check_cancel(marco, held)
    assert do_tell_who_waits_for_free_times() == 1
    assert len(texts(giulia)) == 1
    # A made-up time is refused, and nothing is kept.
    bad = client.post(f"/bookings/resources/{room.pk}/watch/", {"starts_at": "soon"})
    assert bad.status_code == 400
    assert not FreeAgainWatch.objects.exists()


class TestFreeAgainForASearch:
    """A search that found nothing, and the request to be told when a slot fits."""

    SEARCH = SlotRequest(
        day=NOW.date() + timedelta(days=1),
        earliest=time(10),
        latest=time(12),
        minutes=60,
        people=6,
        amenities=("screen",),
    )

    def hold_the_room(self, marco: Any, room: Any) -> Any:
        # Sala Brera is the one room for six with a screen; Sala Darsena seats four.
        return check_book(
            marco, room, starts_at=at(9, 30, days=1), ends_at=at(12, 30, days=1), now=NOW
        )

    def test_told_once_in_their_language_when_a_cancellation_frees_a_fitting_slot(
        self, giulia, marco, room, buffered_room, navigli
    ):
        held = self.hold_the_room(marco, room)
        check_watch_slot_search(giulia, navigli, self.SEARCH, now=NOW)
        assert do_tell_who_searched(NOW) == 0
        check_cancel(marco, held, now=NOW)
        assert do_tell_who_searched(NOW) == 1
        (english,) = texts(giulia)
        assert english.startswith("Sala Brera at Officina Navigli is free from ")
        assert english.endswith("a slot that fits your search, as you asked.")
        (italian,) = texts(giulia, "it")
        assert italian.startswith("Sala Brera a Officina Navigli è libera dalle ")
        assert do_tell_who_searched(NOW) == 0
        assert not SlotSearchWatch.objects.exists()

    def test_told_when_an_unclaimed_desk_is_released(self, giulia, marco, luca, navigli):
        desk = check_create_resource(
            luca,
            navigli,
            name="Desk 4",
            kind="desk",
            max_minutes=12 * 60,
            hours={weekday: (time(8), time(20)) for weekday in range(7)},
        )
        check_book(marco, desk, starts_at=at(9), ends_at=at(18), now=at(7))
        check_set_desk_release(luca, navigli, unclaimed_by=time(10, 30))
        search = SlotRequest(
            day=NOW.date(), earliest=time(11), latest=time(17), minutes=120, kind="desk"
        )
        check_watch_slot_search(giulia, navigli, search, now=at(10))
        assert do_tell_who_searched(at(10, 25)) == 0
        assert do_release_unclaimed_desks(at(10, 30)) == 1
        assert do_tell_who_searched(at(10, 35)) == 1
        (told,) = texts(giulia)
        assert told.startswith("Desk 4 at Officina Navigli is free from ")

    def test_a_freed_resource_that_does_not_fit_tells_nobody(
        self, giulia, marco, room, buffered_room, navigli
    ):
        self.hold_the_room(marco, room)
        small = check_book(
            marco, buffered_room, starts_at=at(10, days=1), ends_at=at(12, days=1), now=NOW
        )
        check_watch_slot_search(giulia, navigli, self.SEARCH, now=NOW)
        check_cancel(marco, small, now=NOW)
        assert do_tell_who_searched(NOW) == 0
        assert texts(giulia) == []
        assert SlotSearchWatch.objects.count() == 1

    def test_the_request_is_forgotten_untold_after_the_searched_day(
        self, giulia, marco, room, navigli
    ):
        held = self.hold_the_room(marco, room)
        check_watch_slot_search(giulia, navigli, self.SEARCH, now=NOW)
        # Still kept late on the searched day (its window has passed, the day has not)...
        assert do_tell_who_searched(at(23, days=1)) == 0
        assert SlotSearchWatch.objects.count() == 1
        # ...and forgotten the day after, even once the room is free.
        check_cancel(marco, held, now=NOW)
        assert do_tell_who_searched(at(0, 30, days=2)) == 0
        assert texts(giulia) == []
        assert not SlotSearchWatch.objects.exists()

    def test_refused_when_a_slot_fits_already_or_the_time_has_passed(
        self, giulia, marco, room, navigli
    ):
        with pytest.raises(OfficinaError) as fits:
            check_watch_slot_search(giulia, navigli, self.SEARCH, now=NOW)
        assert fits.value.code == ErrorCode.CONFLICT
        self.hold_the_room(marco, room)
        with pytest.raises(OfficinaError) as passed:
            check_watch_slot_search(giulia, navigli, self.SEARCH, now=at(12, days=1))
        assert passed.value.code == ErrorCode.INVALID_INPUT
        assert not SlotSearchWatch.objects.exists()


def test_the_find_page_offers_to_wait_when_nothing_fits_and_refuses_bad_input(
    client_for, giulia, marco, room, navigli
):
    tomorrow = timezone.localdate(timezone.now(), navigli.zone) + timedelta(days=1)
    start = datetime.combine(tomorrow, time(9, 30), tzinfo=navigli.zone)
    check_book(marco, room, starts_at=start, ends_at=start + timedelta(hours=3))
    client = client_for(giulia)
    query = {
        "day": tomorrow.isoformat(),
        "earliest": "10:00",
        "latest": "12:00",
        "minutes": "60",
        "people": "6",
        "amenities": "screen",
    }
    found = client.get(f"/bookings/{navigli.slug}/find/", query)
    assert found.status_code == 200 and b"watch-search" in found.content
    asked = client.post(
        f"/bookings/{navigli.slug}/find/watch/", {**query, "csrfmiddlewaretoken": "secret"}
    )
    assert asked.status_code == 302
    assert asked["Location"].startswith(f"/bookings/{navigli.slug}/find/?day=")
    assert "secret" not in asked["Location"] and "people=6" in asked["Location"]
    (watch,) = SlotSearchWatch.objects.filter(member=giulia)
    assert (watch.day, watch.people, watch.amenities) == (tomorrow, 6, ["screen"])
    bad = client.post(f"/bookings/{navigli.slug}/find/watch/", {**query, "people": "many"})
    assert bad.status_code == 400
    assert SlotSearchWatch.objects.count() == 1
