"""In Chromium on a phone: Giulia, in Italian, makes Studio Rossi's conference room
with a PIN and keeps its page open; callers joining and leaving (as the PBX records
them) appear and go live; she mutes one from the page. Marco, in English, sees who is
in the call but has no mute button."""

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


def test_the_room_page_shows_who_is_in_the_call_live_and_the_owner_mutes(
    new_context, asgi_live_server, giulia, marco, studio_rossi, screenshot
):
    giulia.language, marco.language = "it", "en"
    giulia.save()
    marco.save()
    owner = new_context(
        giulia, locale="it-IT", viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
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

    now = datetime.now(UTC)
    asgi_live_server.run_on_server(
        actions.do_join, room.pk, "call-a@test", "201", "Anna Verdi", now
    )
    asgi_live_server.run_on_server(
        actions.do_join, room.pk, "call-b@test", "202", "Bruno Neri", now
    )
    rows = owner.locator("#participants li")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Anna Verdi")
    expect(owner.locator("#nobody")).to_be_hidden()
    screenshot(owner, "1-two-in-the-call")
    assert_no_sideways_scrolling(owner)

    owner.locator("#participants li", has_text="Bruno Neri").get_by_role(
        "button", name="Silenzia"
    ).click()
    expect(owner.locator("#participants li", has_text="Bruno Neri")).to_contain_text("silenziato")
    assert Participant.objects.get(call_id="call-b@test").muted_by_owner

    member = new_context(marco, viewport=PHONE, is_mobile=True, has_touch=True).new_page()
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
