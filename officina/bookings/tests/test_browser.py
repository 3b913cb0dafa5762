"""In Chromium, in English and Italian: Giulia books a room; Marco, in a second browser,
is refused the same time with a clear message; on a phone, Marco finds a free slot and
books it. On a phone, in Italian, Giulia books a desk for three days (four are refused
beside the last day's field); Marco sees it taken on each of them, and free on the day
she then cancels alone. On a phone, Giulia's
weekly series is refused for the one date Marco holds, then booked without it, then
cancelled from its last date on. On a phone, Giulia takes a
guest off her booking, once she confirms; the guest is mailed a cancellation. On a phone,
in Italian, Luca adds a photo of a room and sees it on the room's page. On a phone, Luca
makes a new address for a room's calendar: the old one stops answering, the new one
holds Giulia's booking."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import icalendar
import pytest
from django.utils import formats, translation
from playwright.sync_api import expect

from officina.bookings.actions import check_book, check_create_resource, check_invite_guests
from officina.bookings.models import Booking, BookingGuest, BookingSeries
from officina.bookings.tests.fixtures import EVERY_DAY, at, photo_bytes

PHONE = {"width": 390, "height": 844}


def assert_no_sideways_scrolling(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px screen"


BOOKED = {"en": "Booked.", "it": "Prenotato."}
TAKEN = {
    "en": "Sala Brera is already booked from 10:00 to 11:00.",
    "it": "Sala Brera è già prenotata dalle 10:00 alle 11:00.",
}


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "it"])
def test_book_then_a_second_member_is_refused_then_finds_a_slot_on_a_phone(
    new_context, giulia, marco, room, buffered_room, navigli, tomorrow, screenshot, language
):
    for member in (giulia, marco):
        member.language = language
        member.save(update_fields=["language"])
    giulia_page = new_context(giulia, locale=language).new_page()
    giulia_page.goto(f"/bookings/resources/{room.pk}/?date={tomorrow}")
    giulia_page.fill("#id_day", tomorrow.isoformat())
    giulia_page.fill("#id_starts", "10:00")
    giulia_page.fill("#id_ends", "11:00")
    giulia_page.fill("#id_title", "Kick-off")
    giulia_page.click("#booking-form button[type=submit]")
    giulia_page.locator(".message", has_text=BOOKED[language]).wait_for()
    assert "10:00–11:00 Giulia Rossi" in giulia_page.locator("#resource-days").inner_text()
    screenshot(giulia_page, f"1-booked-{language}")

    marco_page = new_context(marco, locale=language).new_page()
    marco_page.goto(f"/bookings/resources/{room.pk}/?date={tomorrow}")
    marco_page.fill("#id_day", tomorrow.isoformat())
    marco_page.fill("#id_starts", "10:30")
    marco_page.fill("#id_ends", "11:30")
    marco_page.click("#booking-form button[type=submit]")
    error = marco_page.locator("#booking-form .errorlist")
    error.wait_for()
    assert TAKEN[language] in error.inner_text()
    screenshot(marco_page, f"2-refused-{language}")
    assert Booking.objects.count() == 1

    phone = new_context(
        marco, locale=language, viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    phone.goto("/bookings/navigli/find/")
    phone.fill("#id_day", tomorrow.isoformat())
    phone.fill("#id_earliest", "10:00")
    phone.fill("#id_latest", "12:00")
    phone.select_option("#id_minutes", "60")
    phone.fill("#id_people", "6")
    phone.check("input[name=amenities][value=screen]")
    phone.click("#find-form button[type=submit]")
    slots = phone.locator("#slots .booking-row")
    slots.first.wait_for()
    # Sala Brera is taken until 11:00 and Sala Darsena seats 4: 11:00 in Sala Brera.
    assert slots.count() == 1
    assert "11:00–12:00" in slots.first.inner_text()
    assert_no_sideways_scrolling(phone)
    screenshot(phone, f"3-phone-slots-{language}")
    slots.first.locator("button").click()
    phone.locator(".message", has_text=BOOKED[language]).wait_for()
    assert_no_sideways_scrolling(phone)
    screenshot(phone, f"4-phone-booked-{language}")
    assert Booking.objects.filter(member=marco, resource=room).count() == 1

    phone.goto("/bookings/")
    assert "Sala Brera" in phone.locator("#my-bookings").inner_text()
    assert_no_sideways_scrolling(phone)
    screenshot(phone, f"5-phone-mine-{language}")


@pytest.mark.browser
def test_the_space_day_in_italian_on_a_phone(new_context, giulia, room, tomorrow, screenshot):
    page = new_context(giulia, locale="it-IT", viewport=PHONE, is_mobile=True).new_page()
    page.goto(f"/bookings/navigli/?date={tomorrow}")
    assert "Prenotazioni a Officina Navigli" in page.locator("h1").inner_text()
    assert "libera 08:00–20:00" in page.locator("#space-day").inner_text()
    assert_no_sideways_scrolling(page)
    screenshot(page, "space-day-it")


WEEK_TITLE = {"en": "Week of", "it": "Settimana del"}


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "it"])
def test_the_week_of_a_space_and_of_a_member_on_a_phone(
    new_context, giulia, marco, luca, room, navigli, tomorrow, screenshot, language
):
    giulia.language = language
    giulia.save(update_fields=["language"])
    long_name = check_create_resource(
        luca, navigli, name="Sala riunioni grande del secondo piano con vista sul Naviglio",
        kind="room", capacity=12, hours=EVERY_DAY,
    )  # fmt: skip
    for member, resource, hour in (
        (giulia, room, 9), (marco, room, 10), (giulia, long_name, 11), (marco, long_name, 14),
    ):  # fmt: skip
        check_book(
            member, resource, starts_at=at(navigli, tomorrow, hour),
            ends_at=at(navigli, tomorrow, hour + 1),
        )  # fmt: skip
    page = new_context(
        giulia, locale=language, viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    page.goto(f"/bookings/navigli/?date={tomorrow}&view=week")
    week = page.locator("#space-week")
    assert WEEK_TITLE[language] in page.locator(".day-nav strong").inner_text()
    assert week.locator(".week-day").count() == 7
    assert "10:00–11:00 Marco" in week.inner_text()
    assert_no_sideways_scrolling(page)
    screenshot(page, f"space-week-{language}")

    page.goto(f"/bookings/?view=week&date={tomorrow}")
    mine = page.locator("#my-calendar")
    assert mine.locator(".week-day").count() == 7
    assert "09:00–10:00" in mine.inner_text() and "11:00–12:00" in mine.inner_text()
    assert "10:00–11:00" not in mine.inner_text()
    assert_no_sideways_scrolling(page)
    screenshot(page, f"my-week-{language}")


WORDS = {
    "en": {
        "refused": "Nothing was booked. These dates cannot be:",
        "taken": "Sala Brera is already booked from 09:30 to 10:30.",
        "booked": "Booked 3 dates.",
        "cancelled": "1 date cancelled.",
    },
    "it": {
        "refused": "Non è stato prenotato nulla. Queste date non si possono prenotare:",
        "taken": "Sala Brera è già prenotata dalle 09:30 alle 10:30.",
        "booked": "Prenotate 3 date.",
        "cancelled": "1 data annullata.",
    },
}


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "it"])
def test_a_weekly_series_on_a_phone_refused_for_a_taken_date_then_booked_without_it(
    new_context, giulia, marco, room, navigli, tomorrow, screenshot, language
):
    words = WORDS[language]
    taken = tomorrow + timedelta(weeks=2)
    check_book(marco, room, starts_at=at(navigli, taken, 9, 30), ends_at=at(navigli, taken, 10, 30))
    giulia.language = language
    giulia.save(update_fields=["language"])
    phone = new_context(
        giulia, locale=language, viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    phone.goto(f"/bookings/resources/{room.pk}/?date={tomorrow}")
    phone.fill("#id_day", tomorrow.isoformat())
    phone.fill("#id_starts", "09:00")
    phone.fill("#id_ends", "10:00")
    phone.fill("#id_title", "Stand-up")
    phone.select_option("#id_repeat", "weekly")
    phone.fill("#id_until", (tomorrow + timedelta(weeks=3)).isoformat())
    phone.click("#booking-form button[type=submit]")
    error = phone.locator("#booking-form .errorlist")
    error.wait_for()
    with translation.override(language):
        shown_day = formats.date_format(taken, "DATE_FORMAT")
    assert words["refused"] in error.inner_text()
    assert f"{shown_day}: {words['taken']}" in error.inner_text()
    assert Booking.objects.count() == 1
    assert_no_sideways_scrolling(phone)
    screenshot(phone, f"series-refused-{language}")

    # The form keeps what was typed: skip the taken date and book the rest.
    phone.fill("#id_skip", taken.isoformat())
    phone.click("#booking-form button[type=submit]")
    phone.locator(".message", has_text=words["booked"]).wait_for()
    dates = phone.locator("#series-dates .booking-row")
    assert dates.count() == 3
    assert_no_sideways_scrolling(phone)
    screenshot(phone, f"series-booked-{language}")
    series = BookingSeries.objects.get()
    assert series.member == giulia and series.skipped == [taken.isoformat()]

    # Cancel the series from its last date on.
    phone.fill("#id_cancel-from_day", (tomorrow + timedelta(weeks=3)).isoformat())
    phone.click("#series-cancel button[type=submit]")
    phone.locator(".message", has_text=words["cancelled"]).wait_for()
    statuses = list(series.occurrences.order_by("starts_at").values_list("status", flat=True))
    assert statuses == ["confirmed", "confirmed", "cancelled"]
    assert_no_sideways_scrolling(phone)
    screenshot(phone, f"series-cancelled-{language}")


GUEST_WORDS = {
    "en": {
        "question": "Take Anna Bianchi off the guests? They will get a cancellation by e-mail.",
        "button": "Remove Anna Bianchi",
        "done": "Anna Bianchi is no longer invited and gets a cancellation by e-mail.",
    },
    "it": {
        "question": "Togliere Anna Bianchi dagli ospiti? Riceverà un annullamento per e-mail.",
        "button": "Rimuovi Anna Bianchi",
        "done": "Anna Bianchi non è più invitata/o e riceve un annullamento per e-mail.",
    },
}


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "it"])
def test_a_guest_taken_off_the_guests_page_on_a_phone_after_confirming(
    new_context, giulia, room, navigli, tomorrow, mailoutbox, screenshot, language
):
    giulia.language = language
    giulia.save(update_fields=["language"])
    booking = check_book(
        giulia, room, starts_at=at(navigli, tomorrow, 10), ends_at=at(navigli, tomorrow, 11)
    )
    check_invite_guests(
        giulia, booking, ["Anna Bianchi <anna@client.example>", "piero.verdi@client.example"]
    )
    mailoutbox.clear()
    words = GUEST_WORDS[language]
    page = new_context(giulia, locale=language, viewport=PHONE, is_mobile=True).new_page()
    page.goto(f"/bookings/{booking.pk}/guests/")
    assert_no_sideways_scrolling(page)
    screenshot(page, f"guests-{language}")
    remove = page.get_by_role("button", name=words["button"])
    # Dismissed: nothing happens.
    questions: list[str] = []

    def dismiss(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    remove.click()
    expect(page.locator("#guest-list li")).to_have_count(2)
    assert questions == [words["question"]]
    assert BookingGuest.objects.filter(booking=booking).count() == 2
    # Accepted: Anna is taken off and mailed a cancellation; Piero stays.
    page.once("dialog", lambda dialog: dialog.accept())
    remove.click()
    expect(page.locator(".message", has_text=words["done"])).to_be_visible()
    expect(page.locator("#guest-list li")).to_have_count(1)
    expect(page.locator("#guest-list")).to_contain_text("piero.verdi@client.example")
    assert_no_sideways_scrolling(page)
    screenshot(page, f"guest-removed-{language}")
    (sent,) = mailoutbox
    assert sent.to == ["anna@client.example"]
    calendar = icalendar.Calendar.from_ical(sent.attachments[0][1])
    assert str(calendar["method"]) == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("sequence") == 1  # the invitations were 0


@pytest.mark.browser
def test_a_desk_booked_for_three_days_on_a_phone_in_italian_then_taken_for_another(
    new_context, luca, giulia, marco, navigli, tomorrow, screenshot
):
    desk = check_create_resource(
        luca, navigli, name="Desk 4", kind="desk", max_minutes=3 * 24 * 60, hours=EVERY_DAY
    )
    giulia.language, marco.language = "it", "en"
    giulia.save(update_fields=["language"])
    marco.save(update_fields=["language"])
    days = [tomorrow + timedelta(days=offset) for offset in range(3)]
    page = new_context(
        giulia, locale="it-IT", viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    page.goto(f"/bookings/resources/{desk.pk}/?date={tomorrow}")
    last_day = page.get_by_label("Fino al giorno")
    expect(last_day).to_be_visible()
    page.fill("#id_day", tomorrow.isoformat())
    page.fill("#id_starts", "09:00")
    page.fill("#id_ends", "18:00")
    # Four days are one too many: said beside the last day, and nothing is booked.
    last_day.fill((tomorrow + timedelta(days=3)).isoformat())
    page.click("#booking-form button[type=submit]")
    expect(page.locator("#booking-form div:has(> #id_last_day) .errorlist")).to_have_text(
        "Desk 4 si può prenotare per 3 giorni al massimo."
    )
    assert not Booking.objects.exists()
    assert_no_sideways_scrolling(page)
    screenshot(page, "1-four-days-refused-it")
    page.get_by_label("Fino al giorno").fill(days[-1].isoformat())
    page.click("#booking-form button[type=submit]")
    with translation.override("it"):
        first, last = (formats.date_format(day, "DATE_FORMAT") for day in (days[0], days[-1]))
    page.locator(".message", has_text=f"Prenotato dal {first} al {last}.").wait_for()
    booking = Booking.objects.get()
    assert (booking.member, booking.starts_at, booking.ends_at) == (
        giulia,
        at(navigli, days[0], 9),
        at(navigli, days[-1], 18),
    )
    assert_no_sideways_scrolling(page)
    screenshot(page, "2-three-days-booked-it")

    other = new_context(marco, viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    for day in (days[0], days[2], days[1]):
        other.goto(f"/bookings/resources/{desk.pk}/?date={day}")
        expect(other.locator("#resource-days .busy").first).to_contain_text(
            f"{days[0]:%-d %b} 09:00 – {days[2]:%-d %b} 18:00 Giulia Rossi"
        )
    expect(other.locator("#resource-days")).to_contain_text("fully booked")  # the middle day
    other.fill("#id_day", days[1].isoformat())
    other.fill("#id_starts", "10:00")
    other.fill("#id_ends", "11:00")
    other.click("#booking-form button[type=submit]")
    expect(other.locator("#booking-form .errorlist")).to_contain_text(
        "Desk 4 is already booked from 09:00 on"
    )
    assert Booking.objects.count() == 1
    assert_no_sideways_scrolling(other)
    screenshot(other, "3-taken-for-marco-en")

    # Giulia gives the middle day back from her bookings; Marco may have it.
    page.goto("/bookings/")
    page.get_by_label("Annulla un giorno").select_option(days[1].isoformat())
    assert_no_sideways_scrolling(page)
    screenshot(page, "4-cancel-one-day-it")
    page.get_by_role("button", name="Annulla questo giorno").click()
    with translation.override("it"):
        middle = formats.date_format(days[1], "DATE_FORMAT")
    page.locator(".message", has_text=f"Desk 4 non è più prenotata il {middle}.").wait_for()
    assert page.get_by_label("Annulla un giorno").count() == 0  # two bookings of a day each
    other.goto(f"/bookings/resources/{desk.pk}/?date={days[1]}")
    expect(other.locator("#resource-days")).to_contain_text("free 08:00–20:00")
    assert Booking.objects.filter(status="confirmed").count() == 2


@pytest.mark.browser
def test_a_manager_adds_a_photo_on_a_phone_in_italian_and_sees_it_on_the_resource_page(
    new_context, luca, room, screenshot
):
    luca.language = "it"
    luca.save(update_fields=["language"])
    page = new_context(luca, locale="it-IT", viewport=PHONE, is_mobile=True).new_page()
    page.goto(f"/bookings/resources/{room.pk}/photos/")
    assert "Foto di Sala Brera" in page.locator("h1").inner_text()
    page.set_input_files(
        "#id_photo", {"name": "sala.png", "mimeType": "image/png", "buffer": photo_bytes("PNG")}
    )
    page.fill("#id_caption", "Il tavolo lungo e la finestra")
    page.get_by_role("button", name="Aggiungi la foto").click()
    expect(page.locator(".message", has_text="Foto aggiunta.")).to_be_visible()
    assert_no_sideways_scrolling(page)
    screenshot(page, "photos-it")

    page.goto(f"/bookings/resources/{room.pk}/")
    photo = page.get_by_role("img", name="Il tavolo lungo e la finestra")
    expect(photo).to_have_attribute("loading", "lazy")
    photo.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=photo.element_handle()
    )
    assert photo.bounding_box()["width"] <= PHONE["width"]
    assert_no_sideways_scrolling(page)
    screenshot(page, "resource-with-photo-it")


FEED_WORDS = {
    "en": {
        "heading": "Its calendar",
        "address": "Resource calendar address",
        "button": "Make a new address (the old one stops working)",
        "done": "New calendar address made; the old one no longer works.",
    },
    "it": {
        "heading": "Il suo calendario",
        "address": "Indirizzo del calendario della risorsa",
        "button": "Crea un nuovo indirizzo (il vecchio smette di funzionare)",
        "done": "Nuovo indirizzo del calendario creato; il vecchio non funziona più.",
    },
}


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "it"])
def test_a_manager_replaces_a_resource_s_calendar_address_on_a_phone(
    new_context, luca, giulia, room, navigli, tomorrow, screenshot, language
):
    luca.language = language
    luca.save(update_fields=["language"])
    check_book(giulia, room, starts_at=at(navigli, tomorrow, 10), ends_at=at(navigli, tomorrow, 11))
    words = FEED_WORDS[language]
    page = new_context(luca, locale=language, viewport=PHONE, is_mobile=True).new_page()
    page.goto(f"/bookings/resources/{room.pk}/")
    expect(page.locator("#resource-calendar h2")).to_have_text(words["heading"])
    old = page.get_by_label(words["address"]).input_value()
    assert old.endswith(f"/bookings/resources/ical/{room.feed_token}.ics")
    assert_no_sideways_scrolling(page)
    screenshot(page, f"resource-calendar-{language}")
    page.get_by_role("button", name=words["button"]).click()
    expect(page.locator(".message", has_text=words["done"])).to_be_visible()
    new = page.get_by_label(words["address"]).input_value()
    assert new != old
    assert_no_sideways_scrolling(page)
    # As a calendar app fetches it: without a session, the old address gone.
    anonymous = new_context().request
    assert anonymous.get(old).status == 404
    fetched = anonymous.get(new)
    assert fetched.ok
    (event,) = icalendar.Calendar.from_ical(fetched.body()).walk("VEVENT")
    assert str(event["summary"]) == "Giulia Rossi"
    assert event.decoded("dtstart") == at(navigli, tomorrow, 10)
