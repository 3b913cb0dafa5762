"""In Chromium on a phone: Giulia, in Italian, makes Studio Rossi's conference room
with a PIN and keeps its page open; callers joining and leaving (as the PBX records
them) appear and go live; she mutes one from the page. Marco, in English, sees who is
in the call but has no mute button. The same page for a meeting room's line: who may
book the room follows it, the space's manager mutes, and removes the line."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from officina.conferences import actions
from officina.conferences.models import Participant, Room

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def assert_no_sideways_scrolling(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px screen"


def on_a_phone(new_context: Any, member: Any, language: str) -> Any:
    """A page of ``member``'s, in ``language``, on a phone."""
    member.language = language
    member.save(update_fields=["language"])
    locale = {"it": "it-IT", "en": "en-GB"}[language]
    return new_context(
        member, locale=locale, viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()


def join_two(server: Any, room: Room) -> None:
    """Anna Verdi and Bruno Neri call the room, as the PBX records them."""
    now = datetime.now(UTC)
    server.run_on_server(actions.do_join, room.pk, "call-a@test", "201", "Anna Verdi", now)
    server.run_on_server(actions.do_join, room.pk, "call-b@test", "202", "Bruno Neri", now)


def mute_bruno(page: Any) -> None:
    """Mute Bruno Neri from an Italian page; the page shows him muted."""
    bruno = page.locator("#participants li", has_text="Bruno Neri")
    bruno.get_by_role("button", name="Silenzia").click()
    expect(bruno).to_contain_text("silenziato")
    assert Participant.objects.get(call_id="call-b@test").muted_by_owner


def test_the_room_page_shows_who_is_in_the_call_live_and_the_owner_mutes(
    new_context, asgi_live_server, giulia, marco, studio_rossi, screenshot
):
    owner = on_a_phone(new_context, giulia, "it")
    owner.goto(f"/companies/{studio_rossi.slug}/")
    owner.get_by_role("link", name="Sale conferenza").click()
    owner.get_by_role("link", name="Nuova sala conferenza").click()
    owner.fill("#id_name", "Riunione del lunedì")
    owner.fill("#id_number", "800")
    owner.fill("#id_pin", "12")
    owner.click("#room-form button[type=submit]")
    expect(owner.locator("#room-form .errorlist")).to_contain_text(
        "Il PIN ha da 4 a 8 cifre, oppure vuoto per nessuno."
    )
    assert not Room.objects.exists()
    owner.fill("#id_pin", "2468")
    owner.click("#room-form button[type=submit]")
    owner.locator(".message", has_text="La sala Riunione del lunedì è salvata.").wait_for()
    owner.get_by_role("link", name="Riunione del lunedì").click()
    expect(owner.locator("#conference")).to_contain_text("poi il PIN 2468")
    expect(owner.locator("#nobody")).to_be_visible()
    expect(owner.locator("html")).to_have_attribute("data-live", "on")
    room = Room.objects.get()

    join_two(asgi_live_server, room)
    rows = owner.locator("#participants li")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Anna Verdi")
    expect(owner.locator("#nobody")).to_be_hidden()
    screenshot(owner, "1-two-in-the-call")
    assert_no_sideways_scrolling(owner)

    mute_bruno(owner)

    member = on_a_phone(new_context, marco, "en")
    member.goto(f"/companies/{studio_rossi.slug}/conferences/{room.pk}/")
    expect(member.locator("#participants li")).to_have_count(2)
    expect(member.get_by_role("button", name="Mute")).to_have_count(0)
    expect(member.locator("html")).to_have_attribute("data-live", "on")

    asgi_live_server.run_on_server(actions.do_leave, room.pk, "call-a@test")
    expect(owner.locator("#participants li")).to_have_count(1)
    expect(member.locator("#participants li")).to_have_count(1)
    expect(member.locator("#participants li")).to_contain_text("muted")
    screenshot(member, "2-member-sees-one-left")
    assert_no_sideways_scrolling(member)


def test_a_meeting_room_s_line_live_for_who_may_book_it_muted_and_removed_by_a_manager(
    new_context, asgi_live_server, luca, giulia, navigli, screenshot
):
    """Luca, who manages Navigli, in Italian, gives Sala Brera its line and keeps the
    call's page open; Giulia, who may book the room, in English, follows it from the
    room's page, with no mute button. Callers joining and leaving appear and go live on
    both; Luca mutes one, then removes the line once he confirms."""
    from officina.bookings.actions import check_create_resource
    from officina.bookings.tests.fixtures import EVERY_DAY

    brera = check_create_resource(
        luca, navigli, name="Sala Brera", kind="room", capacity=8, hours=EVERY_DAY
    )
    manager = on_a_phone(new_context, luca, "it")
    manager.goto(f"/bookings/resources/{brera.pk}/line/")
    manager.fill("#id_number", "810")
    manager.fill("#id_pin", "4321")
    manager.click("#line-form button[type=submit]")
    manager.get_by_role("link", name="Chi è in chiamata").click()
    expect(manager.locator("#conference")).to_contain_text("poi il PIN 4321")
    expect(manager.locator("#nobody")).to_be_visible()
    expect(manager.locator("html")).to_have_attribute("data-live", "on")
    room = Room.objects.get(resource=brera)

    member = on_a_phone(new_context, giulia, "en")
    member.goto(f"/bookings/resources/{brera.pk}/")
    member.get_by_role("link", name="Who is in the call").click()
    expect(member.locator("#conference h1")).to_contain_text("Sala Brera")
    expect(member.locator("#nobody")).to_be_visible()
    expect(member.locator("html")).to_have_attribute("data-live", "on")

    join_two(asgi_live_server, room)
    for page in (manager, member):
        expect(page.locator("#participants li")).to_have_count(2)
        expect(page.locator("#nobody")).to_be_hidden()
    expect(member.get_by_role("button", name="Mute")).to_have_count(0)
    screenshot(manager, "1-two-in-the-meeting-room-call")
    assert_no_sideways_scrolling(manager)

    mute_bruno(manager)
    expect(member.locator("#participants li", has_text="Bruno Neri")).to_contain_text("muted")

    asgi_live_server.run_on_server(actions.do_leave, room.pk, "call-a@test")
    expect(member.locator("#participants li")).to_have_count(1)
    expect(manager.locator("#participants li")).to_have_count(1)
    screenshot(member, "2-member-sees-one-left")
    assert_no_sideways_scrolling(member)

    manager.goto(f"/bookings/resources/{brera.pk}/line/")
    questions: list[str] = []

    def dismiss(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    manager.once("dialog", dismiss)
    manager.get_by_role("button", name="Togli la linea per le conferenze").click()
    expect(manager.get_by_role("button", name="Togli la linea per le conferenze")).to_be_visible()
    assert questions == [
        "Togliere la linea per le conferenze 810 di Sala Brera? Il suo numero non risponderà più."
    ]
    assert Room.objects.filter(pk=room.pk).exists()
    assert_no_sideways_scrolling(manager)
    manager.once("dialog", lambda dialog: dialog.accept())
    manager.get_by_role("button", name="Togli la linea per le conferenze").click()
    manager.locator(
        ".message", has_text="La linea per le conferenze 810 di Sala Brera è stata tolta."
    ).wait_for()
    assert not Room.objects.exists()
    # Giulia's page, still open, sees the call empty.
    expect(member.locator("#nobody")).to_be_visible()
    screenshot(manager, "3-line-removed")
