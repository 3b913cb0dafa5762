"""Desks meet presence: checking in takes the desk booked for today, a desk nobody
claimed by the space's release time is given back (its member told), and who's here
shows where people sit, to those who may see them there.

Navigli (Europe/Rome) has Luca (manager), Giulia and Marco; Sara and Ugo are elsewhere.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import formats, timezone, translation

from officina.accounts.actions import check_set_kiosk_pin, check_set_presence_visibility
from officina.accounts.kinds import PresenceVisibility
from officina.bookings.actions import (
    check_book,
    check_cancel,
    check_cancel_day,
    check_claim_desk,
    check_create_resource,
    check_invite_guests,
    check_set_desk_release,
    do_release_unclaimed_desks,
)
from officina.bookings.kinds import BookingStatus
from officina.bookings.models import Booking, DeskRelease
from officina.bookings.selectors import claimed_desk_names, desk_to_claim
from officina.core.errors import ErrorCode, OfficinaError
from officina.core.tests.row_locks import first_holds_then_second
from officina.notifications.selectors import notifications_for
from officina.presence.actions import (
    KioskAnswer,
    check_check_in,
    check_claim_desk_here,
    check_enable_kiosk,
    check_kiosk_toggle,
)
from officina.presence.kinds import CheckInSource
from officina.presence.models import CheckIn
from officina.presence.selectors import space_presence

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
# A Monday morning at Navigli.
NOW = datetime(2027, 6, 7, 8, 0, tzinfo=ROME)
ALL_DAY = {weekday: (time(7, 0), time(20, 0)) for weekday in range(7)}


def at(hour: int, minute: int = 0, days: int = 0) -> datetime:
    return NOW.replace(hour=hour, minute=minute) + timedelta(days=days)


@pytest.fixture
def desk(luca: Any, navigli: Any) -> Any:
    return check_create_resource(
        luca, navigli, name="Desk 4", kind="desk", max_minutes=12 * 60, hours=ALL_DAY
    )


@pytest.fixture
def other_desk(luca: Any, navigli: Any) -> Any:
    return check_create_resource(
        luca, navigli, name="Desk 7", kind="desk", max_minutes=12 * 60, hours=ALL_DAY
    )


def book(member: Any, resource: Any, start: datetime, end: datetime) -> Booking:
    return check_book(member, resource, starts_at=start, ends_at=end, now=NOW - timedelta(hours=1))


def desk_booked_from_now(manager: Any, member: Any, space: Any) -> Booking:
    """Desk 13, booked by ``member`` from the next minute for an hour: for the pages,
    which read the real clock."""
    local = timezone.localtime(timezone.now(), space.zone)
    if local.time() > time(22, 0):
        pytest.skip("the desk is booked from now to an hour later, on today")
    desk = check_create_resource(
        manager, space, name="Desk 13", kind="desk", max_minutes=600,
        hours={weekday: (time(0, 0), time(23, 59)) for weekday in range(7)},
    )  # fmt: skip
    start = (local + timedelta(minutes=1)).replace(second=0, microsecond=0)
    return check_book(member, desk, starts_at=start, ends_at=start + timedelta(hours=1))


def desks_shown(viewer: Any, space: Any, now: datetime) -> dict[str, str]:
    return {p.check_in.member.first_name: p.desk for p in space_presence(viewer, space, now=now)}


class TestClaiming:
    def test_checking_in_takes_todays_desk(self, giulia, navigli, desk):
        booking = book(giulia, desk, at(9), at(18))
        assert desk_to_claim(giulia, navigli, now=at(9, 5)) == booking
        check_check_in(giulia, navigli, claim_desk=True, now=at(9, 5))
        booking.refresh_from_db()
        assert booking.claimed_at == at(9, 5)
        assert desk_to_claim(giulia, navigli, now=at(9, 10)) is None

    def test_checking_in_without_a_desk_booked_claims_nothing_and_checks_in_nobody(
        self, giulia, marco, navigli, desk
    ):
        book(marco, desk, at(9), at(18))  # Marco's desk, not Giulia's
        with pytest.raises(OfficinaError) as refused:
            check_check_in(giulia, navigli, claim_desk=True, now=at(9, 5))
        assert refused.value.code == ErrorCode.NOT_FOUND
        assert not CheckIn.objects.filter(member=giulia).exists()
        assert Booking.objects.get().claimed_at is None

    def test_only_todays_desk_in_this_space(self, giulia, navigli, san_salvario, desk, room):
        book(giulia, desk, at(9, days=1), at(18, days=1))  # tomorrow
        book(giulia, room, at(9), at(10))  # a room is no desk
        assert desk_to_claim(giulia, navigli, now=at(9, 5)) is None
        with pytest.raises(OfficinaError):
            check_claim_desk(giulia, navigli, now=at(9, 5))

    def test_a_desk_is_claimed_once_and_not_after_its_end(self, giulia, navigli, desk):
        book(giulia, desk, at(9), at(12))
        check_claim_desk(giulia, navigli, now=at(9, 5))
        with pytest.raises(OfficinaError):
            check_claim_desk(giulia, navigli, now=at(9, 10))
        book(giulia, desk, at(13), at(14))
        with pytest.raises(OfficinaError):
            check_claim_desk(giulia, navigli, now=at(14, 1))  # over

    def test_checked_in_already_takes_the_desk_with_one_click(self, giulia, navigli, desk):
        book(giulia, desk, at(9), at(18))
        with pytest.raises(OfficinaError) as refused:
            check_claim_desk_here(giulia, navigli, now=at(9))  # not here yet
        assert refused.value.code == ErrorCode.CONFLICT
        check_check_in(giulia, navigli, now=at(9, 5))
        assert check_claim_desk_here(giulia, navigli, now=at(9, 6)) == "Desk 4"

    def test_a_remote_space_has_no_desks(self, giulia, digital):
        with pytest.raises(OfficinaError) as refused:
            check_check_in(giulia, digital, claim_desk=True, now=at(9))
        assert refused.value.code == ErrorCode.INVALID_INPUT
        assert not CheckIn.objects.filter(member=giulia).exists()


class TestTheKiosk:
    """A PIN at the door takes the desk booked for today, as the web check-in does."""

    @pytest.fixture
    def kiosk(self, luca: Any, giulia: Any, navigli: Any) -> Any:
        check_set_kiosk_pin(giulia, "4071")
        return check_enable_kiosk(luca, navigli, name="Door")[0]

    def test_a_pin_check_in_takes_todays_desk(self, giulia, luca, navigli, desk, kiosk):
        check_set_desk_release(luca, navigli, unclaimed_by=time(10, 30))
        booking = book(giulia, desk, at(9), at(18))
        answer = check_kiosk_toggle(kiosk, giulia.pk, "4071", now=at(9, 5))
        assert (answer.direction, answer.desk) == ("in", "Desk 4")
        assert answer.check_in.source == CheckInSource.KIOSK
        booking.refresh_from_db()
        assert booking.claimed_at == at(9, 5)
        assert desks_shown(luca, navigli, at(9, 10)) == {"Giulia": "Desk 4"}
        # Claimed at the door: the release time passes and the desk stays hers.
        assert do_release_unclaimed_desks(at(10, 31)) == 0
        # Checking out at the door claims nothing more.
        assert check_kiosk_toggle(kiosk, giulia.pk, "4071", now=at(12)).desk == ""

    def test_without_a_desk_for_today_it_only_checks_in(self, giulia, navigli, desk, kiosk):
        tomorrow = book(giulia, desk, at(9, days=1), at(18, days=1))
        answer = check_kiosk_toggle(kiosk, giulia.pk, "4071", now=at(9, 5))
        assert (answer.direction, answer.desk) == ("in", "")
        assert CheckIn.objects.filter(member=giulia, ended_at__isnull=True).exists()
        tomorrow.refresh_from_db()
        assert tomorrow.claimed_at is None

    def test_a_wrong_pin_neither_checks_in_nor_claims(self, giulia, navigli, desk, kiosk):
        booking = book(giulia, desk, at(9), at(18))
        with pytest.raises(OfficinaError):
            check_kiosk_toggle(kiosk, giulia.pk, "9999", now=at(9, 5))
        assert not CheckIn.objects.filter(member=giulia).exists()
        booking.refresh_from_db()
        assert booking.claimed_at is None

    def test_the_tablet_says_which_desk(self, client_for, giulia, luca, navigli):
        booking = desk_booked_from_now(luca, giulia, navigli)
        check_set_kiosk_pin(giulia, "4071")
        tablet = client_for(luca)
        assert tablet.post("/spaces/navigli/kiosk/", {"name": "Door"}).status_code == 302
        answers = []
        for language in ("it", "en"):
            answer = tablet.post(
                "/spaces/navigli/kiosk/toggle/",
                {"member": giulia.pk, "pin": "4071"},
                content_type="application/json",
                headers={"accept-language": language},
            ).json()
            answers.append((answer["direction"], answer["desk"], answer["message"]))
        assert answers == [
            ("in", "Desk 13", "Benvenuta/o, Giulia! Check-in fatto: la tua scrivania è Desk 13."),
            ("out", "", "Goodbye, Giulia! You are checked out."),
        ]
        booking.refresh_from_db()
        assert booking.claimed_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_pin_typed_while_the_desk_is_released_waits_and_takes_no_released_desk(
    giulia, luca, navigli, desk
):
    """The release job holds Giulia's unclaimed desk, locked, when she types her PIN: the
    kiosk waits for the job, then checks her in without the desk, which is released.
    Never a released desk claimed, and no deadlock: the job locks the member before
    her booking, as a check-in does (the other way round, PostgreSQL found one)."""
    if connection.vendor != "postgresql":
        pytest.skip("waits for the row lock, seen in PostgreSQL's pg_stat_activity")
    check_set_kiosk_pin(giulia, "4071")
    kiosk = check_enable_kiosk(luca, navigli, name="Door")[0]
    check_set_desk_release(luca, navigli, unclaimed_by=time(10, 30))
    book(giulia, desk, at(9), at(18))
    outcome = first_holds_then_second(
        lambda: do_release_unclaimed_desks(at(10, 30)),
        lambda: check_kiosk_toggle(kiosk, giulia.pk, "4071", now=at(10, 31)),
    )
    assert outcome["waited"] is True, "the kiosk never waited for the release job"
    assert outcome["first"] == 1
    answer = outcome["second"]
    assert isinstance(answer, KioskAnswer) and (answer.direction, answer.desk) == ("in", ""), answer
    assert CheckIn.objects.filter(member=giulia, ended_at__isnull=True).exists()
    booking = Booking.objects.get(member=giulia)
    assert (booking.status, booking.claimed_at) == (BookingStatus.RELEASED, None)


@pytest.fixture
def released_at_half_past_ten(luca: Any, navigli: Any) -> None:
    check_set_desk_release(luca, navigli, unclaimed_by=time(10, 30))


@pytest.mark.usefixtures("released_at_half_past_ten")
class TestRelease:
    def test_an_unclaimed_desk_is_released_at_the_spaces_time_and_its_member_told(
        self, giulia, marco, navigli, desk, other_desk
    ):
        unclaimed = book(giulia, desk, at(9), at(18))
        claimed = book(marco, other_desk, at(9), at(18))
        check_check_in(marco, navigli, claim_desk=True, now=at(9, 15))
        assert do_release_unclaimed_desks(at(10, 29)) == 0
        assert do_release_unclaimed_desks(at(10, 30)) == 1
        unclaimed.refresh_from_db()
        claimed.refresh_from_db()
        assert unclaimed.status == BookingStatus.RELEASED
        assert claimed.status == BookingStatus.CONFIRMED
        with translation.override("en"), timezone.override(ROME):
            (told,) = [n.shown_text for n in notifications_for(giulia)]
        assert told.startswith("Your desk Desk 4 at Officina Navigli was released")
        assert "10:30" in told
        assert not notifications_for(marco).exists()
        # Released once: the next run finds nothing, and the desk is free for others.
        assert do_release_unclaimed_desks(at(10, 35)) == 0
        assert book(marco, desk, at(11), at(12)).status == BookingStatus.CONFIRMED

    def test_told_in_the_members_language(self, giulia, navigli, desk):
        book(giulia, desk, at(9), at(18))
        do_release_unclaimed_desks(at(10, 31))
        with translation.override("it"), timezone.override(ROME):
            (told,) = [n.shown_text for n in notifications_for(giulia)]
        assert told.startswith("La tua scrivania Desk 4 a Officina Navigli è stata liberata")

    def test_a_desk_booked_from_after_the_release_time_is_kept(self, giulia, navigli, desk):
        afternoon = book(giulia, desk, at(14), at(18))
        assert do_release_unclaimed_desks(at(15)) == 0
        afternoon.refresh_from_db()
        assert afternoon.status == BookingStatus.CONFIRMED

    def test_rooms_pending_and_other_spaces_are_left_alone(
        self, giulia, marco, luca, navigli, room, make_space
    ):
        book(giulia, room, at(9), at(11))
        assert do_release_unclaimed_desks(at(10, 45)) == 0
        DeskRelease.objects.all().delete()
        desk = check_create_resource(
            luca, navigli, name="Desk 9", kind="desk", max_minutes=600, hours=ALL_DAY
        )
        book(marco, desk, at(9), at(18))
        assert do_release_unclaimed_desks(at(10, 45)) == 0  # no release time: kept all day

    def test_only_a_manager_sets_the_time(self, giulia, navigli):
        with pytest.raises(OfficinaError) as refused:
            check_set_desk_release(giulia, navigli, unclaimed_by=time(9))
        assert refused.value.code == ErrorCode.NOT_FOUND
        assert DeskRelease.objects.get(space=navigli).unclaimed_by == time(10, 30)


@pytest.mark.usefixtures("released_at_half_past_ten")
class TestSeveralDays:
    """A desk booked from Monday 9:00 to Wednesday 18:00 is claimed, or released, day by
    day: a day released leaves the others booked."""

    @pytest.fixture
    def long_desk(self, luca: Any, navigli: Any) -> Any:
        return check_create_resource(
            luca, navigli, name="Desk 5", kind="desk", max_minutes=7 * 24 * 60, hours=ALL_DAY
        )

    def rows(self, giulia: Any) -> list[tuple[datetime, datetime, str, bool]]:
        return [
            (b.starts_at, b.ends_at, b.status, b.claimed_at is not None)
            for b in Booking.objects.filter(member=giulia).order_by("starts_at")
        ]

    def test_booked_over_days_within_each_days_hours(self, giulia, luca, navigli, long_desk, room):
        booking = book(giulia, long_desk, at(9), at(18, days=2))
        assert booking.status == BookingStatus.CONFIRMED
        with pytest.raises(OfficinaError) as late:
            book(giulia, long_desk, at(9, days=3), at(21, days=4))
        assert "from 07:00 to 20:00" in str(late.value)
        with pytest.raises(OfficinaError) as early:
            book(giulia, long_desk, at(6, days=3), at(18, days=4))
        assert "from 07:00 to 20:00" in str(early.value)
        closed_tuesday = check_create_resource(
            luca, navigli, name="Desk 6", kind="desk", max_minutes=7 * 24 * 60,
            hours={day: hours for day, hours in ALL_DAY.items() if day != 1},
        )  # fmt: skip
        with pytest.raises(OfficinaError) as closed:
            book(giulia, closed_tuesday, at(9), at(18, days=2))
        assert str(closed.value).startswith("Desk 6 is closed on ")
        # Only desks are booked across days: a room's booking stays within its day.
        with pytest.raises(OfficinaError):
            book(giulia, room, at(9), at(10, days=1))

    def test_claimed_day_by_day_and_released_on_a_later_day(
        self, giulia, marco, navigli, long_desk
    ):
        booking = book(giulia, long_desk, at(9), at(18, days=2))
        check_check_in(giulia, navigli, claim_desk=True, now=at(9, 5))
        assert do_release_unclaimed_desks(at(10, 31)) == 0  # claimed on Monday
        # Monday's claim does not hold on Tuesday: the desk is offered again, and where
        # Giulia sits is not shown until she claims it.
        assert desk_to_claim(giulia, navigli, now=at(8, days=1)) == booking
        assert claimed_desk_names(navigli, [giulia.pk], now=at(8, days=1)) == {}
        assert do_release_unclaimed_desks(at(10, 29, days=1)) == 0
        assert do_release_unclaimed_desks(at(10, 30, days=1)) == 1
        assert self.rows(giulia) == [
            (at(9), at(0, days=1), BookingStatus.CONFIRMED, True),  # Monday, as it was
            (at(0, days=1), at(0, days=2), BookingStatus.RELEASED, False),  # Tuesday
            (at(0, days=2), at(18, days=2), BookingStatus.CONFIRMED, False),  # Wednesday
        ]
        with translation.override("en"), timezone.override(ROME):
            (told,) = [n.shown_text for n in notifications_for(giulia)]
        assert told.startswith("Your desk Desk 5 at Officina Navigli was released for today")
        assert "It is still yours from" in told
        # Tuesday is free for others; Wednesday is still Giulia's.
        assert book(marco, long_desk, at(11, days=1), at(12, days=1)).is_active
        with pytest.raises(OfficinaError):
            book(marco, long_desk, at(11, days=2), at(12, days=2))
        check_check_in(giulia, navigli, claim_desk=True, now=at(9, days=2))
        assert do_release_unclaimed_desks(at(10, 45, days=2)) == 0
        assert claimed_desk_names(navigli, [giulia.pk], now=at(11, days=2)) == {giulia.pk: "Desk 5"}

    def test_released_on_its_first_day_and_its_last(self, giulia, navigli, long_desk):
        book(giulia, long_desk, at(9), at(18, days=2))
        assert do_release_unclaimed_desks(at(10, 30)) == 1
        check_claim_desk(giulia, navigli, now=at(9, days=1))
        assert do_release_unclaimed_desks(at(10, 30, days=1)) == 0
        assert do_release_unclaimed_desks(at(10, 30, days=2)) == 1
        assert self.rows(giulia) == [
            (at(9), at(0, days=1), BookingStatus.RELEASED, False),
            (at(0, days=1), at(0, days=2), BookingStatus.CONFIRMED, True),
            (at(0, days=2), at(18, days=2), BookingStatus.RELEASED, False),
        ]
        with translation.override("it"), timezone.override(ROME):
            last, first = [n.shown_text for n in notifications_for(giulia)]
        assert "Resta tua da" in first and "Resta tua da" not in last

    def test_across_the_spring_dst_change_each_day_at_local_time(self, giulia, navigli, long_desk):
        # Clocks jump from 02:00 to 03:00 in Rome on Sunday 28 March 2027.
        friday = datetime(2027, 3, 26, 12, 0, tzinfo=ROME)
        saturday, sunday, monday = (datetime(2027, 3, d, tzinfo=ROME) for d in (27, 28, 29))
        check_book(
            giulia, long_desk, starts_at=saturday.replace(hour=9),
            ends_at=monday.replace(hour=18), now=friday,
        )  # fmt: skip
        check_claim_desk(giulia, navigli, now=saturday.replace(hour=9, minute=30))
        assert do_release_unclaimed_desks(saturday.replace(hour=11)) == 0
        # 10:30 in Rome is 08:30 UTC on Sunday (summer time), 09:30 UTC the day before.
        assert do_release_unclaimed_desks(datetime(2027, 3, 28, 8, 29, tzinfo=UTC)) == 0
        assert do_release_unclaimed_desks(datetime(2027, 3, 28, 8, 30, tzinfo=UTC)) == 1
        assert do_release_unclaimed_desks(datetime(2027, 3, 29, 8, 30, tzinfo=UTC)) == 1
        assert self.rows(giulia) == [
            (saturday.replace(hour=9), sunday, BookingStatus.CONFIRMED, True),
            (sunday, monday, BookingStatus.RELEASED, False),  # a day of 23 hours
            (monday, monday.replace(hour=18), BookingStatus.RELEASED, False),
        ]
        assert monday.astimezone(UTC) - sunday.astimezone(UTC) == timedelta(hours=23)
        with translation.override("en"), timezone.override(ROME):
            told = [n.shown_text for n in notifications_for(giulia)]
        assert all("10:30" in text for text in told)


@pytest.mark.usefixtures("released_at_half_past_ten")
class TestSeveralDaysWithGuests:
    """A shared desk booked from Monday 9:00 to Wednesday 18:00 with two guests: when a
    day is released or cancelled, the guests follow the days that remain, each part a
    booking of its own in their calendars, and nobody is left invited to the day that
    is gone."""

    @pytest.fixture
    def shared_desk(self, luca: Any, navigli: Any) -> Any:
        return check_create_resource(
            luca, navigli, name="Bench 2", kind="desk", capacity=3,
            max_minutes=7 * 24 * 60, hours=ALL_DAY,
        )  # fmt: skip

    @pytest.fixture
    def three_days(
        self, giulia: Any, marco: Any, shared_desk: Any, django_capture_on_commit_callbacks: Any
    ) -> Any:
        booking = book(giulia, shared_desk, at(9), at(18, days=2))
        with django_capture_on_commit_callbacks(execute=True):
            check_invite_guests(
                giulia, booking, [marco.email, "Anna Bianchi <anna@client.example>"],
                now=NOW - timedelta(hours=1),
            )  # fmt: skip
        mail.outbox.clear()
        return booking

    def parts(self, giulia: Any) -> list[tuple[datetime, datetime, str, list[str]]]:
        return [
            (b.starts_at, b.ends_at, b.status, sorted(g.email for g in b.guests.all()))
            for b in Booking.objects.filter(member=giulia).order_by("starts_at")
        ]

    def sent(self) -> dict[tuple[str, str], tuple[Any, ...]]:
        """(guest, booking UID) → the mail's method, subject, SEQUENCE, start and end."""
        sent = {}
        for message in mail.outbox:
            ((_name, content, _type),) = message.attachments
            calendar = icalendar.Calendar.from_ical(content)
            (event,) = calendar.walk("VEVENT")
            sent[message.to[0], str(event["uid"])] = (
                str(calendar["method"]),
                message.subject,
                event.decoded("sequence"),
                event.decoded("dtstart"),
                event.decoded("dtend"),
            )
        return sent

    GUESTS = ["anna@client.example", "marco@officina.test"]

    def test_a_day_released_in_the_middle(
        self, giulia, navigli, three_days, django_capture_on_commit_callbacks
    ):
        check_claim_desk(giulia, navigli, now=at(9, 5))
        with django_capture_on_commit_callbacks(execute=True):
            assert do_release_unclaimed_desks(at(10, 30, days=1)) == 1
        later = Booking.objects.get(member=giulia, starts_at=at(0, days=2))
        assert self.parts(giulia) == [
            (at(9), at(0, days=1), BookingStatus.CONFIRMED, self.GUESTS),  # Monday
            (at(0, days=1), at(0, days=2), BookingStatus.RELEASED, []),  # Tuesday, gone
            (at(0, days=2), at(18, days=2), BookingStatus.CONFIRMED, self.GUESTS),  # Wednesday
        ]
        # Marco is still the member he was; Anna still named.
        assert {(g.email, g.name, g.member_id) for g in later.guests.all()} == {
            (g.email, g.name, g.member_id) for g in three_days.guests.all()
        }
        monday, wednesday = f"booking-{three_days.pk}@officina", f"booking-{later.pk}@officina"
        sent = self.sent()
        assert set(sent) == {(guest, uid) for guest in self.GUESTS for uid in (monday, wednesday)}
        for guest in self.GUESTS:
            method, subject, sequence, start, end = sent[guest, monday]
            assert (method, sequence, start, end) == ("REQUEST", 1, at(9), at(0, days=1))
            monday_date = formats.date_format(at(9), "DATE_FORMAT")
            assert subject == f"Shortened: Bench 2, now {monday_date} 09:00"
            method, subject, sequence, start, end = sent[guest, wednesday]
            assert (method, sequence, start, end) == ("REQUEST", 0, at(0, days=2), at(18, days=2))
            assert subject.startswith("Invitation: ")
        # Each part moves on its own from now on: a change of Wednesday reaches its guests.
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            check_cancel(giulia, later, now=at(11, days=1))
        assert {(m.to[0], m.subject.split(":")[0]) for m in mail.outbox} == {
            (guest, "Cancelled") for guest in self.GUESTS
        }

    def test_released_on_its_first_day_the_booking_keeps_the_days_after(
        self, giulia, three_days, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            assert do_release_unclaimed_desks(at(10, 30)) == 1
        assert self.parts(giulia) == [
            (at(9), at(0, days=1), BookingStatus.RELEASED, []),
            (at(0, days=1), at(18, days=2), BookingStatus.CONFIRMED, self.GUESTS),
        ]
        three_days.refresh_from_db()
        assert three_days.starts_at == at(0, days=1)  # the same event in their calendars
        assert three_days.claimed_at is None
        uid = f"booking-{three_days.pk}@officina"
        tuesday = formats.date_format(at(0, days=1), "DATE_FORMAT")
        assert self.sent() == {
            (guest, uid): (
                "REQUEST", f"Shortened: Bench 2, now {tuesday} 00:00", 1, at(0, days=1),
                at(18, days=2),
            )
            for guest in self.GUESTS
        }  # fmt: skip

    def test_released_on_its_last_day_and_a_day_alone(
        self, giulia, navigli, three_days, shared_desk, django_capture_on_commit_callbacks
    ):
        for day in (0, 1):
            check_claim_desk(giulia, navigli, now=at(9, 5, days=day))
        with django_capture_on_commit_callbacks(execute=True):
            assert do_release_unclaimed_desks(at(10, 30, days=2)) == 1
        assert self.parts(giulia) == [
            (at(9), at(0, days=2), BookingStatus.CONFIRMED, self.GUESTS),
            (at(0, days=2), at(18, days=2), BookingStatus.RELEASED, []),
        ]
        assert {(to, method) for (to, _uid), (method, *_rest) in self.sent().items()} == {
            (guest, "REQUEST") for guest in self.GUESTS
        }
        # A desk booked for one day and released: its guests are told it is off.
        mail.outbox.clear()
        alone = book(giulia, shared_desk, at(9, days=3), at(18, days=3))
        with django_capture_on_commit_callbacks(execute=True):
            check_invite_guests(giulia, alone, ["anna@client.example"], now=NOW)
            assert do_release_unclaimed_desks(at(10, 30, days=3)) == 1
        assert [(m.to, m.subject.split(":")[0]) for m in mail.outbox] == [
            (["anna@client.example"], "Invitation"),
            (["anna@client.example"], "Cancelled"),
        ]

    def test_a_day_cancelled_in_the_middle(
        self, giulia, marco, three_days, django_capture_on_commit_callbacks
    ):
        marco.language = "it"
        marco.save(update_fields=["language"])
        with django_capture_on_commit_callbacks(execute=True):
            later = check_cancel_day(giulia, three_days, day=at(0, days=1).date(), now=NOW)
        assert later is not None
        assert self.parts(giulia) == [
            (at(9), at(0, days=1), BookingStatus.CONFIRMED, self.GUESTS),
            (at(0, days=1), at(0, days=2), BookingStatus.CANCELLED, []),
            (at(0, days=2), at(18, days=2), BookingStatus.CONFIRMED, self.GUESTS),
        ]
        assert len(self.sent()) == 4
        # The days kept before Tuesday are told as shortened, naming the freed day, in
        # each guest's language (Marco's is Italian).
        kept = {message.to[0]: message for message in mail.outbox if "09:00" in message.subject}
        tuesday = at(0, days=1).date()
        anna = kept["anna@client.example"]
        assert anna.subject.startswith("Shortened: Bench 2, now ")
        assert f"freed {formats.date_format(tuesday, 'DATE_FORMAT')} from" in anna.body
        with translation.override("it"):
            italian_tuesday = formats.date_format(tuesday, "DATE_FORMAT")
        assert kept[marco.email].subject.startswith("Accorciata: Bench 2, ora ")
        assert f"ha liberato il {italian_tuesday} dalla prenotazione" in kept[marco.email].body
        # Tuesday is free for others.
        assert book(marco, three_days.resource, at(11, days=1), at(12, days=1)).is_active

    def test_cancelling_days_down_to_none(self, giulia, three_days):
        for offset in (0, 2):
            check_cancel_day(giulia, three_days, day=at(0, days=offset).date(), now=NOW)
        three_days.refresh_from_db()
        assert (three_days.starts_at, three_days.ends_at) == (at(0, days=1), at(0, days=2))
        assert check_cancel_day(giulia, three_days, day=at(0, days=1).date(), now=NOW) is None
        assert self.parts(giulia) == [
            (at(9), at(0, days=1), BookingStatus.CANCELLED, []),
            (at(0, days=1), at(0, days=2), BookingStatus.CANCELLED, self.GUESTS),
            (at(0, days=2), at(18, days=2), BookingStatus.CANCELLED, []),
        ]

    def test_refusals_change_nothing(self, giulia, marco, luca, three_days):
        before = self.parts(giulia)
        refusals = [
            (marco, at(0, days=1), ErrorCode.NOT_FOUND, "Booking not found."),
            (giulia, at(0, days=3), ErrorCode.INVALID_INPUT, "does not hold Bench 2 on"),
            (giulia, at(0, days=-1), ErrorCode.INVALID_INPUT, "does not hold Bench 2 on"),
        ]
        for who, day, code, text in refusals:
            with pytest.raises(OfficinaError) as refused:
                check_cancel_day(who, three_days, day=day.date(), now=at(9, days=1))
            assert refused.value.code == code
            assert text in str(refused.value)
        with pytest.raises(OfficinaError) as over:
            check_cancel_day(giulia, three_days, day=at(0).date(), now=at(9, days=1))
        assert str(over.value) == "That day is over."
        assert self.parts(giulia) == before
        # The space's manager may cancel a day of it.
        check_cancel_day(luca, three_days, day=at(0, days=2).date(), now=at(9, days=1))
        assert self.parts(giulia)[-1][2] == BookingStatus.CANCELLED

    def test_cancelled_from_my_bookings(self, client_for, giulia, shared_desk):
        local = timezone.localtime(timezone.now(), shared_desk.space.zone)
        first = local.date() + timedelta(days=1)
        booking = check_book(
            giulia, shared_desk,
            starts_at=datetime.combine(first, time(9), tzinfo=ROME),
            ends_at=datetime.combine(first + timedelta(days=2), time(18), tzinfo=ROME),
        )  # fmt: skip
        client = client_for(giulia)
        page = client.get(reverse("bookings:mine")).content.decode()
        for offset in range(3):
            assert f'value="{first + timedelta(days=offset):%Y-%m-%d}"' in page
        url = reverse("bookings:cancel", args=[booking.pk])
        assert client.post(url, {"day": "not a day"}).status_code == 400
        assert client.post(url, {"day": f"{first + timedelta(days=5):%Y-%m-%d}"}).status_code == 400
        assert Booking.objects.filter(member=giulia).count() == 1
        answer = client.post(url, {"day": f"{first + timedelta(days=1):%Y-%m-%d}"}, follow=True)
        assert "Bench 2 is no longer booked on" in answer.content.decode()
        assert sorted(Booking.objects.filter(member=giulia).values_list("status", flat=True)) == [
            BookingStatus.CANCELLED, BookingStatus.CONFIRMED, BookingStatus.CONFIRMED,
        ]  # fmt: skip


class TestWhoIsHereShowsDesks:
    def test_where_each_person_sits(self, giulia, marco, luca, navigli, desk):
        book(giulia, desk, at(9), at(18))
        check_check_in(giulia, navigli, claim_desk=True, now=at(9, 5))
        check_check_in(marco, navigli, now=at(9, 6))
        assert desks_shown(luca, navigli, at(9, 10)) == {"Giulia": "Desk 4", "Marco": ""}
        # When the booking ends the desk is not hers any more.
        assert desks_shown(luca, navigli, at(18, 1)) == {"Giulia": "", "Marco": ""}

    def test_respecting_presence_visibility(self, giulia, marco, luca, navigli, desk):
        check_set_presence_visibility(giulia, PresenceVisibility.COMPANIES)
        book(giulia, desk, at(9), at(18))
        check_check_in(giulia, navigli, claim_desk=True, now=at(9, 5))
        assert desks_shown(marco, navigli, at(9, 10)) == {"Giulia": "Desk 4"}  # a colleague
        assert desks_shown(luca, navigli, at(9, 10)) == {}  # not her colleague: nothing

    def test_the_page_offers_the_desk_and_shows_it(self, client_for, giulia, luca, navigli):
        booking = desk_booked_from_now(luca, giulia, navigli)
        page = client_for(giulia).get(reverse("presence:space", args=[navigli.slug]))
        assert "Take my desk, Desk 13" in page.content.decode()
        sent = client_for(giulia).post(
            reverse("presence:check_in", args=[navigli.slug]), {"claim_desk": "on"}
        )
        assert sent.status_code == 302
        booking.refresh_from_db()
        assert booking.claimed_at is not None
        seen = client_for(luca).get(reverse("presence:space", args=[navigli.slug]))
        assert 'class="desk">Desk 13</span>' in seen.content.decode()


class TestTheManagersSetting:
    def test_set_on_the_manage_page_and_cleared(self, client_for, luca, giulia, navigli):
        url = reverse("bookings:manage", args=[navigli.slug])
        assert client_for(luca).post(url, {"unclaimed_by": "10:30"}).status_code == 302
        assert DeskRelease.objects.get(space=navigli).unclaimed_by == time(10, 30)
        assert 'value="10:30"' in client_for(luca).get(url).content.decode()
        assert client_for(giulia).post(url, {"unclaimed_by": "09:00"}).status_code == 404
        assert client_for(luca).post(url, {"unclaimed_by": "25:00"}).status_code == 400
        assert DeskRelease.objects.get(space=navigli).unclaimed_by == time(10, 30)
        assert client_for(luca).post(url, {"unclaimed_by": ""}).status_code == 302
        assert not DeskRelease.objects.exists()
