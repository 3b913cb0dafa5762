"""The booking pages as members see them, in English and Italian."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, translation

from officina.bookings.actions import (
    check_book,
    check_create_resource,
    check_invite_guests,
    check_update_resource,
    check_watch_free_again,
    feed_token,
)
from officina.bookings.kinds import BookingStatus
from officina.bookings.models import Booking, BookingGuest, FreeAgainWatch, SlotSearchWatch
from officina.bookings.tests.fixtures import EVERY_DAY, at, five_booths_booked

pytestmark = pytest.mark.django_db


def book_form(
    day: date, starts: str = "10:00", ends: str = "11:00", title: str = ""
) -> dict[str, str]:
    return {"day": day.isoformat(), "starts": starts, "ends": ends, "title": title}


def test_pages_need_a_signed_in_member_of_the_space(client, client_for, sara, room):
    assert client.get(reverse("bookings:mine")).status_code == 302
    assert client_for(sara).get(reverse("bookings:space", args=["navigli"])).status_code == 404
    assert client_for(sara).get(reverse("bookings:resource", args=[room.pk])).status_code == 404


def test_booking_from_the_resource_page(client_for, giulia, room, navigli, tomorrow):
    url = reverse("bookings:resource", args=[room.pk])
    response = client_for(giulia).post(url, book_form(tomorrow, title="Call"), follow=True)
    assert response.status_code == 200
    assert "Booked." in response.text
    booking = Booking.objects.get()
    assert (booking.member, booking.starts_at, booking.title) == (
        giulia,
        at(navigli, tomorrow, 10),
        "Call",
    )
    assert "10:00–11:00 Giulia Rossi" in response.text


def test_a_conflict_is_shown_on_the_form_and_books_nothing(
    client_for, giulia, marco, room, navigli, tomorrow
):
    check_book(giulia, room, starts_at=at(navigli, tomorrow, 10), ends_at=at(navigli, tomorrow, 11))
    url = reverse("bookings:resource", args=[room.pk])
    response = client_for(marco).post(url, book_form(tomorrow, "10:30", "11:30"))
    assert response.status_code == 400
    assert "Sala Brera is already booked from 10:00 to 11:00." in response.text
    assert Booking.objects.count() == 1


def test_errors_are_translated(client_for, marco, room, navigli, tomorrow):
    marco.language = "it"
    marco.save()
    url = reverse("bookings:resource", args=[room.pk])
    response = client_for(marco).post(
        url, book_form(tomorrow, "19:00", "21:00"), HTTP_ACCEPT_LANGUAGE="it"
    )
    assert response.status_code == 400
    assert "si può prenotare quel giorno dalle 08:00 alle 20:00" in response.text
    assert not Booking.objects.exists()


def test_the_space_day_and_the_week_of_a_resource(client_for, giulia, room, navigli, tomorrow):
    check_book(giulia, room, starts_at=at(navigli, tomorrow, 9), ends_at=at(navigli, tomorrow, 10))
    client = client_for(giulia)
    day = client.get(reverse("bookings:space", args=["navigli"]), {"date": tomorrow.isoformat()})
    assert day.status_code == 200
    assert "09:00–10:00 Giulia Rossi" in day.text
    assert "free 10:00–20:00" in day.text
    week = client.get(
        reverse("bookings:resource", args=[room.pk]),
        {"date": tomorrow.isoformat(), "view": "week"},
    )
    assert week.status_code == 200
    assert week.text.count("free 08:00–20:00") >= 6


def test_find_a_slot_lists_free_rooms_with_a_button_to_book(
    client_for, giulia, room, buffered_room, tomorrow
):
    response = client_for(giulia).get(
        reverse("bookings:find", args=["navigli"]),
        {
            "day": tomorrow.isoformat(),
            "earliest": "10:00",
            "latest": "12:00",
            "minutes": "60",
            "people": "6",
            "amenities": ["screen"],
        },
    )
    assert response.status_code == 200
    assert "Sala Brera" in response.text
    assert "Sala Darsena" not in response.text
    assert 'name="starts" value="10:00"' in response.text


def test_find_a_slot_with_a_window_backwards_is_an_error(client_for, giulia, room, tomorrow):
    response = client_for(giulia).get(
        reverse("bookings:find", args=["navigli"]),
        {
            "day": tomorrow.isoformat(),
            "earliest": "12:00",
            "latest": "10:00",
            "minutes": "60",
            "people": "1",
        },
    )
    assert response.status_code == 400
    assert "must come after its start" in response.text


def test_my_bookings_move_and_cancel(client_for, giulia, room, navigli, tomorrow):
    booking = check_book(
        giulia, room, starts_at=at(navigli, tomorrow, 10), ends_at=at(navigli, tomorrow, 11)
    )
    client = client_for(giulia)
    assert "Sala Brera" in client.get(reverse("bookings:mine")).text
    moved = client.post(
        reverse("bookings:move", args=[booking.pk]), book_form(tomorrow, "14:00", "15:00")
    )
    assert moved.status_code == 302
    booking.refresh_from_db()
    assert booking.starts_at == at(navigli, tomorrow, 14)
    client.post(reverse("bookings:cancel", args=[booking.pk]))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_others_cannot_cancel_a_booking(client_for, giulia, marco, room, navigli, tomorrow):
    booking = check_book(
        giulia, room, starts_at=at(navigli, tomorrow, 10), ends_at=at(navigli, tomorrow, 11)
    )
    assert client_for(marco).post(reverse("bookings:cancel", args=[booking.pk])).status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_a_manager_creates_a_resource_and_approves_requests(
    client_for, luca, giulia, room, navigli, tomorrow
):
    client = client_for(luca)
    hours = {f"opens_{day}": "09:00" for day in range(5)} | {
        f"closes_{day}": "18:00" for day in range(5)
    }
    response = client.post(
        reverse("bookings:resource_create", args=["navigli"]),
        {
            "name": "Stampante 3D",
            "kind": "equipment",
            "capacity": "1",
            "max_minutes": "480",
            "max_days_ahead": "30",
            "min_notice_minutes": "0",
            "buffer_minutes": "0",
            "approval_required": "on",
            "is_active": "on",
            **hours,
        },
    )
    assert response.status_code == 302
    printer = navigli.bookable_resources.get(name="Stampante 3D")
    assert printer.approval_required and printer.hours.count() == 5
    check_update_resource(luca, room, hours=EVERY_DAY, approval_required=True, name=room.name)
    request = check_book(
        giulia, room, starts_at=at(navigli, tomorrow, 10), ends_at=at(navigli, tomorrow, 11)
    )
    assert "Giulia Rossi" in client.get(reverse("bookings:manage", args=["navigli"])).text
    client.post(reverse("bookings:answer", args=[request.pk]), {"answer": "approve"})
    request.refresh_from_db()
    assert request.status == BookingStatus.CONFIRMED


def test_members_cannot_manage(client_for, giulia, room):
    client = client_for(giulia)
    assert client.get(reverse("bookings:manage", args=["navigli"])).status_code == 404
    assert client.get(reverse("bookings:resource_edit", args=[room.pk])).status_code == 404


def test_the_ical_feed_has_the_bookings_and_no_email_address(
    client, giulia, room, navigli, tomorrow
):
    check_book(giulia, room, starts_at=at(navigli, tomorrow, 10), ends_at=at(navigli, tomorrow, 11))
    response = client.get(reverse("bookings:feed", args=[feed_token(giulia)]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert b"mailto" not in response.content and b"@officina" not in response.content.replace(
        b"@officina\r", b""
    ).replace(b"booking-", b"")
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == at(navigli, tomorrow, 10)
    assert "Sala Brera" in str(event["location"])
    assert client.get(reverse("bookings:feed", args=["x" * 32])).status_code == 404


def test_the_admin_lists_resources_and_bookings(client_for, admin, giulia, room, navigli, tomorrow):
    check_book(giulia, room, starts_at=at(navigli, tomorrow, 10), ends_at=at(navigli, tomorrow, 11))
    client = client_for(admin)
    assert "Sala Brera" in client.get("/admin/bookings/resource/").text
    assert client.get(f"/admin/bookings/resource/{room.pk}/change/").status_code == 200
    assert "Giulia Rossi" in client.get("/admin/bookings/booking/").text


class TestTheAdminsRecordsAndRequests:
    """Guests, free-again requests and slot searches in /admin/: listed, searched and
    filtered; read only, as they are written on the site where the rules run."""

    @pytest.fixture
    def rows(self, giulia, marco, room, navigli, tomorrow):
        booking = check_book(
            giulia, room, starts_at=at(navigli, tomorrow, 10), ends_at=at(navigli, tomorrow, 11)
        )
        (anna, _marco) = check_invite_guests(
            giulia, booking, ["Anna Bianchi <anna@client.example>", marco.email]
        )
        watch = check_watch_free_again(
            marco, room, starts_at=at(navigli, tomorrow, 10), ends_at=at(navigli, tomorrow, 11)
        )
        search = SlotSearchWatch.objects.create(
            space=navigli, member=marco, day=tomorrow, earliest=time(10), latest=time(11),
            minutes=60, people=20,
        )  # fmt: skip
        return {"guest": anna, "watch": watch, "search": search}

    def test_guests_listed_searched_filtered_and_read_only(self, client_for, admin, rows):
        client = client_for(admin)
        listed = client.get("/admin/bookings/bookingguest/").text
        assert "anna@client.example" in listed and "marco@" in listed
        found = client.get("/admin/bookings/bookingguest/", {"q": "bianchi"}).text
        assert "anna@client.example" in found and "marco@" not in found
        outside = client.get("/admin/bookings/bookingguest/", {"member__isempty": "1"}).text
        assert "anna@client.example" in outside and "marco@" not in outside
        guest = rows["guest"]
        url = f"/admin/bookings/bookingguest/{guest.pk}/change/"
        page = client.get(url)
        assert page.status_code == 200 and 'name="_save"' not in page.text
        assert client.post(url, {"email": "x@example.com"}).status_code == 403
        assert client.get("/admin/bookings/bookingguest/add/").status_code == 403
        # Taking a guest off mails them a cancellation: that happens on the site only.
        delete = f"/admin/bookings/bookingguest/{guest.pk}/delete/"
        assert client.post(delete, {"post": "yes"}).status_code == 403
        assert BookingGuest.objects.filter(pk=guest.pk).exists()

    def test_requests_listed_read_only_and_forgettable(self, client_for, admin, rows, navigli):
        client = client_for(admin)
        watches = client.get("/admin/bookings/freeagainwatch/", {"q": "marco"}).text
        assert "Sala Brera" in watches
        searches = client.get(
            "/admin/bookings/slotsearchwatch/", {"space__id__exact": navigli.pk}
        ).text
        assert "Marco Colombo" in searches
        for name, key in (("freeagainwatch", "watch"), ("slotsearchwatch", "search")):
            change = f"/admin/bookings/{name}/{rows[key].pk}/change/"
            assert client.post(change, {"minutes": "15"}).status_code == 403
            assert client.get(f"/admin/bookings/{name}/add/").status_code == 403
            forgotten = client.post(
                f"/admin/bookings/{name}/{rows[key].pk}/delete/", {"post": "yes"}
            )
            assert forgotten.status_code == 302
        assert not FreeAgainWatch.objects.exists() and not SlotSearchWatch.objects.exists()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_days_out_of_range_show_today_or_ask_again(client_for, giulia, room, day):
    client = client_for(giulia)
    assert client.get(reverse("bookings:space", args=["navigli"]), {"date": day}).status_code == 200
    week = client.get(reverse("bookings:resource", args=[room.pk]), {"date": day, "view": "week"})
    assert week.status_code == 200
    find = client.get(
        reverse("bookings:find", args=["navigli"]),
        {"day": day, "earliest": "10:00", "latest": "12:00", "minutes": "60", "people": "1"},
    )
    assert find.status_code == 400
    booked = client.post(
        reverse("bookings:resource", args=[room.pk]), book_form(date.fromisoformat(day))
    )
    assert booked.status_code == 400
    assert not Booking.objects.exists()


def test_finding_a_slot_takes_as_many_queries_for_many_resources_as_for_one(
    client_for, marco, luca, navigli, studio_rossi, panificio, room, tomorrow,
):  # fmt: skip
    query = {"day": tomorrow.isoformat(), "earliest": "10:00", "latest": "12:00",
             "minutes": "60", "people": "1"}  # fmt: skip
    client = client_for(marco)
    url = reverse("bookings:find", args=["navigli"])
    client.get(url, query)
    with CaptureQueriesContext(connection) as one_resource:
        client.get(url, query)
    for number in range(5):
        check_create_resource(
            luca, navigli, name=f"Cabina {number}", kind="booth", hours=EVERY_DAY,
            only_companies=[panificio if number % 2 else studio_rossi],
        )  # fmt: skip
    with CaptureQueriesContext(connection) as six_resources:
        response = client.get(url, query)
    assert len(six_resources) == len(one_resource)
    # Marco is of Studio Rossi: the booths limited to Panificio's people are not offered.
    assert response.text.count("Cabina") == 3


def test_a_manager_limits_a_resource_to_some_companies(
    client_for, luca, marco, sara, navigli, studio_rossi, panificio, room, tomorrow
):
    form = client_for(luca).get(reverse("bookings:resource_edit", args=[room.pk]))
    assert form.status_code == 200 and "Panificio Bianchi" in form.text
    hours = {f"opens_{day}": "08:00" for day in range(7)} | {
        f"closes_{day}": "20:00" for day in range(7)
    }
    fields = {"name": "Sala Brera", "kind": "room", "capacity": "8", "max_minutes": "240",
              "max_days_ahead": "60", "min_notice_minutes": "0", "buffer_minutes": "0",
              "is_active": "on", "only_companies": [panificio.pk], **hours}  # fmt: skip
    saved = client_for(luca).post(reverse("bookings:resource_edit", args=[room.pk]), fields)
    assert saved.status_code == 302
    assert list(room.only_companies.all()) == [panificio]
    # Marco (Studio Rossi) still sees the room but may not book it.
    page = client_for(marco).post(reverse("bookings:resource", args=[room.pk]), book_form(tomorrow))
    assert "Only some companies" in page.text
    assert not Booking.objects.exists()


def test_a_spaces_day_takes_as_many_queries_for_many_resources_and_bookings_as_for_one(
    client_for, giulia, marco, luca, navigli, room, tomorrow
):
    client = client_for(giulia)
    url = f"{reverse('bookings:space', args=['navigli'])}?date={tomorrow.isoformat()}"
    client.get(url)
    with CaptureQueriesContext(connection) as one_resource:
        client.get(url)
    five_booths_booked(luca, navigli, tomorrow, giulia, marco)
    with CaptureQueriesContext(connection) as six_resources:
        response = client.get(url)
    assert len(six_resources) == len(one_resource)
    assert response.text.count("Cabina") == 5
    assert response.text.count(marco.display_name) == 5


class TestADeskOverSeveralDays:
    """The resource page books a desk from one day to a later one; each refusal is shown
    beside the field it concerns, in the member's language, and books nothing."""

    @pytest.fixture
    def desk(self, luca, navigli, tomorrow):
        # Three days at most; closed on the weekday five days from tomorrow.
        closed = (tomorrow + timedelta(days=5)).weekday()
        return check_create_resource(
            luca, navigli, name="Desk 4", kind="desk", max_minutes=3 * 24 * 60,
            hours={day: hours for day, hours in EVERY_DAY.items() if day != closed},
        )  # fmt: skip

    def post(self, client: Any, desk: Any, first: date, last: date, **headers: Any) -> Any:
        url = reverse("bookings:resource", args=[desk.pk])
        data = {**book_form(first, "09:00", "18:00"), "last_day": last.isoformat()}
        return client.post(url, data, **headers)

    def test_three_days_booked_from_the_page(
        self, client_for, giulia, desk, room, navigli, tomorrow
    ):
        client = client_for(giulia)
        page = client.get(reverse("bookings:resource", args=[desk.pk])).text
        assert 'name="last_day"' in page and "several days in a row" in page
        # Only a desk is booked over several days: a room's page has no such field.
        assert (
            'name="last_day"' not in client.get(reverse("bookings:resource", args=[room.pk])).text
        )
        last = tomorrow + timedelta(days=2)
        response = self.post(client, desk, tomorrow, last)
        assert response.status_code == 302
        booking = Booking.objects.get()
        assert (booking.starts_at, booking.ends_at) == (
            at(navigli, tomorrow, 9),
            at(navigli, last, 18),
        )
        shown = client.get(response.url).text
        assert f"Booked from {formats.date_format(tomorrow, 'DATE_FORMAT')} to" in shown
        middle = client.get(
            reverse("bookings:resource", args=[desk.pk]),
            {"date": (tomorrow + timedelta(days=1)).isoformat()},
        ).text
        assert f"{formats.date_format(at(navigli, tomorrow, 9), 'j M H:i')} – " in middle
        assert "fully booked" in middle
        # The same day as the first, or none: one day.
        Booking.objects.all().delete()
        assert self.post(client, desk, tomorrow, tomorrow).status_code == 302
        assert Booking.objects.get().ends_at == at(navigli, tomorrow, 18)

    @pytest.mark.parametrize(
        ("case", "error"),
        [
            ("before the first", "The last day cannot come before the first."),
            ("past", "That time has already passed."),
            ("closed", "Desk 4 is closed on "),
            ("taken", "Desk 4 is already booked on "),
            ("too many", "Desk 4 can be booked for 3 days at most."),
            ("repeating", "Book several days in a row or a repeating series, not both."),
        ],
    )
    def test_refusals_beside_the_field_and_nothing_booked(
        self, client_for, giulia, marco, desk, navigli, tomorrow, case, error
    ):
        day = tomorrow + timedelta(days=1)
        check_book(marco, desk, starts_at=at(navigli, day, 11), ends_at=at(navigli, day, 12))
        after = [tomorrow + timedelta(days=offset) for offset in range(7)]
        first, last, extra, field = {
            "before the first": (day, tomorrow, {}, "last_day"),
            "past": (tomorrow - timedelta(days=2), tomorrow, {}, "starts"),
            "closed": (after[4], after[6], {}, "last_day"),
            "taken": (tomorrow, after[2], {}, "last_day"),
            "too many": (after[2], after[5], {}, "last_day"),
            "repeating": (
                tomorrow, day, {"repeat": "weekly", "until": f"{tomorrow + timedelta(days=21)}"},
                "last_day",
            ),
        }[case]  # fmt: skip
        url = reverse("bookings:resource", args=[desk.pk])
        data = {**book_form(first, "09:00", "18:00"), "last_day": last.isoformat(), **extra}
        response = client_for(giulia).post(url, data)
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert list(errors) == [field]
        assert errors[field][0].startswith(error)
        assert Booking.objects.count() == 1

    def test_refused_in_italian(self, client_for, giulia, marco, desk, navigli, tomorrow):
        giulia.language = "it"
        giulia.save(update_fields=["language"])
        day = tomorrow + timedelta(days=1)
        check_book(marco, desk, starts_at=at(navigli, day, 11), ends_at=at(navigli, day, 12))
        client = client_for(giulia)
        taken = self.post(client, desk, tomorrow, day, HTTP_ACCEPT_LANGUAGE="it")
        with translation.override("it"):
            on = formats.date_format(day, "DATE_FORMAT")
        assert taken.context["form"].errors["last_day"] == [
            f"Desk 4 è già prenotata il {on}, dalle 11:00 alle 12:00."
        ]
        too_many = self.post(
            client, desk, tomorrow, tomorrow + timedelta(days=4), HTTP_ACCEPT_LANGUAGE="it"
        )
        assert too_many.context["form"].errors["last_day"] == [
            "Desk 4 si può prenotare per 3 giorni al massimo."
        ]
        assert "Fino al giorno" in too_many.text
        assert Booking.objects.count() == 1

    def test_moved_on_the_page_over_other_days(self, client_for, giulia, desk, navigli, tomorrow):
        days = [tomorrow + timedelta(days=offset) for offset in range(5)]
        booking = check_book(
            giulia, desk, starts_at=at(navigli, days[0], 9), ends_at=at(navigli, days[2], 18)
        )
        client = client_for(giulia)
        url = reverse("bookings:move", args=[booking.pk])
        form = client.get(url).context["form"]
        assert (form.initial["day"], form.initial["last_day"]) == (days[0], days[2])
        refused = client.post(url, {**book_form(days[1], "09:00", "18:00"), "last_day": days[0]})
        assert refused.context["form"].errors["last_day"] == [
            "The last day cannot come before the first."
        ]
        moved = client.post(url, {**book_form(days[1], "10:00", "17:00"), "last_day": days[3]})
        assert moved.status_code == 302
        booking.refresh_from_db()
        assert (booking.starts_at, booking.ends_at) == (
            at(navigli, days[1], 10),
            at(navigli, days[3], 17),
        )
