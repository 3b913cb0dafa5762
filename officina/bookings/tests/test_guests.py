"""Guests of a booking: each invited by e-mail with an iCalendar request in their
language, updated when the booking moves (a higher SEQUENCE, the same UID) and cancelled
when it is; and who sees who is coming.

Navigli (Europe/Rome) has Luca (manager), Giulia and Marco (Studio Rossi); ``room`` is
Sala Brera, 8 seats, open 08:00–20:00.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import mail
from django.urls import reverse

from officina.bookings.actions import (
    check_book,
    check_cancel,
    check_invite_guests,
    check_move,
    check_remove_guest,
)
from officina.bookings.models import BookingGuest
from officina.core.errors import ErrorCode, OfficinaError

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2027, 6, 7, 8, 0, tzinfo=ROME)


def at(hour: int, minute: int = 0) -> datetime:
    return NOW.replace(hour=hour, minute=minute)


def invitation(message: Any) -> tuple[icalendar.Calendar, Any]:
    """The .ics attached to a mail, parsed, and its one event."""
    ((filename, content, mimetype),) = message.attachments
    assert mimetype.startswith("text/calendar; method=")
    assert filename == "invitation.ics"
    calendar = icalendar.Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


@pytest.fixture
def meeting(giulia: Any, room: Any) -> Any:
    return check_book(giulia, room, starts_at=at(10), ends_at=at(11), title="Kick-off", now=NOW)


class TestInviting:
    def test_each_guest_gets_a_request_with_the_right_fields(
        self, giulia, marco, meeting, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            made = check_invite_guests(
                giulia, meeting, ["Marco@Officina.test", "Anna Bianchi <Anna@Client.example>"],
                now=NOW,
            )  # fmt: skip
        # A member is known by their account; an outside guest by what was written.
        assert {(g.email, g.name, g.member_id) for g in made} == {
            ("marco@officina.test", "Marco Colombo", marco.pk),
            ("anna@client.example", "Anna Bianchi", None),
        }
        assert sorted(m.to[0] for m in mail.outbox) == sorted(g.email for g in made)
        anna = next(m for m in mail.outbox if m.to == ["anna@client.example"])
        assert anna.subject.startswith("Invitation: Kick-off")
        calendar, event = invitation(anna)
        assert str(calendar["method"]) == "REQUEST"
        assert str(event["uid"]) == f"booking-{meeting.pk}@officina"
        assert event.decoded("sequence") == 0
        assert event.decoded("dtstart") == at(10)
        assert event.decoded("dtend") == at(11)
        assert str(event["dtstart"].params["TZID"]) == "Europe/Rome"
        assert "Sala Brera" in str(event["location"])
        assert str(event["organizer"]) == f"mailto:{giulia.email}"
        # Only the guest themself is written as attendee: no other guest's address.
        assert str(event["attendee"]) == "mailto:anna@client.example"
        assert str(event["attendee"].params["CN"]) == "Anna Bianchi"
        assert "marco" not in anna.attachments[0][1]

    def test_a_member_is_invited_in_their_language(
        self, giulia, marco, meeting, django_capture_on_commit_callbacks
    ):
        marco.language = "it"
        marco.save(update_fields=["language"])
        with django_capture_on_commit_callbacks(execute=True):
            (guest,) = check_invite_guests(giulia, meeting, [marco.email], now=NOW)
        assert guest.member_id == marco.pk
        (sent,) = mail.outbox
        assert sent.subject.startswith("Invito: Kick-off")
        assert "Sala Brera" in sent.body

    def test_a_guest_taken_off_gets_a_cancel_in_their_language_and_no_one_else_a_mail(
        self, giulia, marco, meeting, django_capture_on_commit_callbacks
    ):
        marco.language = "it"
        marco.save(update_fields=["language"])
        with django_capture_on_commit_callbacks(execute=True):
            taken_off, _kept = check_invite_guests(
                giulia, meeting, [marco.email, "anna@client.example"], now=NOW
            )
        with django_capture_on_commit_callbacks(execute=True):
            check_remove_guest(giulia, meeting, taken_off.pk, now=NOW)
        assert len(mail.outbox) == 3
        sent = mail.outbox[-1]
        assert sent.to == [marco.email]
        assert sent.subject.startswith("Invito ritirato: Kick-off")
        calendar, event = invitation(sent)
        assert str(calendar["method"]) == "CANCEL"
        assert event.decoded("sequence") == 1
        assert [g.email for g in BookingGuest.objects.filter(booking=meeting)] == [
            "anna@client.example"
        ]
        # Taken off twice: the second time there is no such guest.
        with pytest.raises(OfficinaError) as again:
            check_remove_guest(giulia, meeting, taken_off.pk, now=NOW)
        assert again.value.code == ErrorCode.NOT_FOUND

    def test_someone_else_may_not_take_a_guest_off(self, giulia, marco, meeting):
        (guest,) = check_invite_guests(giulia, meeting, ["anna@client.example"], now=NOW)
        with pytest.raises(OfficinaError) as refused:
            check_remove_guest(marco, meeting, guest.pk, now=NOW)
        assert refused.value.code == ErrorCode.NOT_FOUND
        assert BookingGuest.objects.filter(pk=guest.pk).exists()

    def test_moving_sends_an_update_with_a_higher_sequence(
        self, giulia, meeting, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            check_invite_guests(giulia, meeting, ["anna@client.example"], now=NOW)
            check_move(giulia, meeting, starts_at=at(14), ends_at=at(15), now=NOW)
        first, moved = mail.outbox
        _calendar, before = invitation(first)
        calendar, after = invitation(moved)
        assert str(calendar["method"]) == "REQUEST"
        assert str(after["uid"]) == str(before["uid"])
        assert after.decoded("sequence") == before.decoded("sequence") + 1
        assert after.decoded("dtstart") == at(14)
        assert moved.subject.startswith("Moved: Kick-off")

    def test_cancelling_sends_a_cancel(self, giulia, meeting, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            check_invite_guests(giulia, meeting, ["anna@client.example"], now=NOW)
        with django_capture_on_commit_callbacks(execute=True):
            check_move(giulia, meeting, starts_at=at(14), ends_at=at(15), now=NOW)
        with django_capture_on_commit_callbacks(execute=True):
            check_cancel(giulia, meeting, now=NOW)
        calendar, event = invitation(mail.outbox[-1])
        assert str(calendar["method"]) == "CANCEL"
        assert str(event["status"]) == "CANCELLED"
        assert event.decoded("sequence") == 2
        assert str(event["uid"]) == f"booking-{meeting.pk}@officina"

    def test_an_address_invited_twice_is_mailed_once(
        self, giulia, meeting, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            check_invite_guests(giulia, meeting, ["anna@client.example"], now=NOW)
            assert check_invite_guests(giulia, meeting, ["ANNA@client.example"], now=NOW) == []
        assert len(mail.outbox) == 1
        assert BookingGuest.objects.count() == 1


class TestRefusals:
    @pytest.mark.parametrize(
        "guests",
        [["not an address"], ["anna@"], [""], [], ["x" * 130 + " <a@b.example>"]],
    )
    def test_malformed_input_changes_nothing(self, giulia, meeting, guests):
        with pytest.raises(OfficinaError) as refused:
            check_invite_guests(giulia, meeting, guests, now=NOW)
        assert refused.value.code == ErrorCode.INVALID_INPUT
        assert refused.value.details["field"] == "guests"
        assert not BookingGuest.objects.exists() and not mail.outbox

    def test_more_guests_than_seats(self, giulia, meeting):
        eight = [f"guest{i}@example.org" for i in range(8)]  # Sala Brera seats 8, Giulia too
        with pytest.raises(OfficinaError) as refused:
            check_invite_guests(giulia, meeting, eight, now=NOW)
        assert "at most 7 guests" in str(refused.value.message)
        assert not BookingGuest.objects.exists()

    def test_someone_elses_booking_is_not_found(self, marco, meeting):
        with pytest.raises(OfficinaError) as refused:
            check_invite_guests(marco, meeting, ["anna@client.example"], now=NOW)
        assert refused.value.code == ErrorCode.NOT_FOUND

    def test_a_booking_over_or_cancelled_takes_no_guests(self, giulia, meeting):
        with pytest.raises(OfficinaError) as refused:
            check_invite_guests(giulia, meeting, ["anna@client.example"], now=at(12))
        assert refused.value.code == ErrorCode.CONFLICT
        check_cancel(giulia, meeting, now=NOW)
        with pytest.raises(OfficinaError):
            check_invite_guests(giulia, meeting, ["anna@client.example"], now=NOW)


class TestThePage:
    def test_inviting_from_the_bookings_page(
        self, client_for, giulia, room, tomorrow, django_capture_on_commit_callbacks
    ):
        from officina.bookings.tests.fixtures import at as local_at

        booking = check_book(
            giulia, room, starts_at=local_at(room.space, tomorrow, 10),
            ends_at=local_at(room.space, tomorrow, 11),
        )  # fmt: skip
        url = reverse("bookings:guests", args=[booking.pk])
        sent = client_for(giulia).post(url, {"guests": "anna@client.example\nnope"})
        assert sent.status_code == 400
        assert "nope is not an e-mail address." in sent.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            sent = client_for(giulia).post(url, {"guests": "Anna <anna@client.example>"})
        assert sent.status_code == 302
        assert [m.to for m in mail.outbox] == [["anna@client.example"]]
        assert "Anna" in client_for(giulia).get(url).content.decode()


class TestWhoIsComing:
    """The resource's page names guests by who reads it."""

    @pytest.fixture
    def today_meeting(self, giulia, marco, room, django_capture_on_commit_callbacks):
        from django.utils import timezone

        local = timezone.localtime(timezone.now(), room.space.zone)
        if not 8 <= local.hour < 18:
            pytest.skip("the meeting is booked within today's opening hours")
        start = (local + timedelta(minutes=5)).replace(second=0, microsecond=0)
        booking = check_book(giulia, room, starts_at=start, ends_at=start + timedelta(hours=1))
        check_invite_guests(giulia, booking, [marco.email, "Anna Bianchi <anna@client.example>"])
        return booking

    def _coming(self, client: Any, room: Any) -> str:
        page = client.get(reverse("bookings:resource", args=[room.pk])).content.decode()
        start = page.find('id="coming-today"')
        return page[start : page.find("</section>", start)] if start >= 0 else ""

    def test_a_manager_reads_every_name(self, client_for, luca, room, today_meeting):
        coming = self._coming(client_for(luca), room)
        assert "Marco Colombo" in coming and "Anna Bianchi" in coming

    def test_a_member_reads_members_and_counts_outside_guests(
        self, client_for, giulia, room, today_meeting
    ):
        coming = self._coming(client_for(giulia), room)
        assert "Marco Colombo" in coming and "Anna Bianchi" not in coming
        assert "1 guest" in coming

    def test_a_hidden_member_is_counted(self, client_for, giulia, marco, room, today_meeting):
        marco.is_active = False
        marco.save(update_fields=["is_active"])
        coming = self._coming(client_for(giulia), room)
        assert "Marco Colombo" not in coming and "2 guests" in coming

    def test_the_kiosk_counts_and_names_nobody(self, client_for, luca, room, today_meeting):
        door = client_for(luca)
        assert door.post("/spaces/navigli/kiosk/", {"name": "Door"}).status_code == 302
        page = door.get("/spaces/navigli/kiosk/").content.decode()
        start = page.find('id="kiosk-coming"')
        coming = page[start : page.find("</section>", start)]
        assert "Sala Brera" in coming and "2 guests" in coming
        assert "Marco" not in coming and "Anna" not in coming


def test_a_series_cancelled_from_a_day_cancels_its_guests_invitations(
    giulia, room, django_capture_on_commit_callbacks
):
    from officina.bookings.actions import check_book_series, check_cancel_series

    week_later = NOW.date() + timedelta(days=7)
    series = check_book_series(
        giulia, room, frequency="weekly", first_day=NOW.date(), last_day=week_later,
        starts=at(10).time(), ends=at(11).time(), now=NOW,
    )  # fmt: skip
    second = series.occurrences.order_by("starts_at")[1]
    with django_capture_on_commit_callbacks(execute=True):
        check_invite_guests(giulia, second, ["anna@client.example"], now=NOW)
        check_cancel_series(giulia, series, from_day=week_later, now=NOW)
    invited, cancelled = mail.outbox
    assert invited.subject.startswith("Invitation:")
    calendar, event = invitation(cancelled)
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["uid"]) == f"booking-{second.pk}@officina"
