"""In Chromium on a phone, in Italian: Giulia builds Studio Rossi's front-desk menu (a
taken number and a key to nobody's extension refused first, with the reason next to
the field); the typed greeting is spoken and plays in the page. Marco, in English,
sees the menu and cannot change it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from officina.attendant.models import Menu
from officina.pbx.actions import do_provision_extension

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def assert_no_sideways_scrolling(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px screen"


def test_an_owner_builds_a_menu_and_a_member_sees_it(
    new_context, giulia, marco, studio_rossi, screenshot
):
    giulia.language, marco.language = "it", "en"
    giulia.save()
    marco.save()
    taken = do_provision_extension(giulia).number
    owner = new_context(
        giulia, locale="it-IT", viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    owner.goto(f"/companies/{studio_rossi.slug}/")
    owner.get_by_role("link", name="Centralino automatico").click()
    owner.get_by_role("link", name="Nuovo menu").click()
    owner.fill("#id_name", "Reception")
    owner.fill("#id_number", taken)
    owner.select_option("#id_language", "it")
    owner.fill("#id_greeting_text", "Benvenuti in Studio Rossi. Premete 1 per Giulia.")
    owner.select_option("#id_option_1", "extension")
    owner.fill("#id_target_1", "999")
    owner.click("#menu-form button[type=submit]")
    error = owner.locator("#menu-form .errorlist")
    error.wait_for()
    assert f"{taken} è già in uso: scegli un altro numero." in error.inner_text()
    screenshot(owner, "1-number-taken")
    assert_no_sideways_scrolling(owner)
    owner.fill("#id_number", "500")
    owner.click("#menu-form button[type=submit]")
    expect(owner.locator("#menu-form .errorlist")).to_contain_text(
        "Tasto 1: 999 non è l'interno di nessuno."
    )
    assert not Menu.objects.exists(), "nothing is saved half-way"
    owner.fill("#id_target_1", taken)
    owner.click("#menu-form button[type=submit]")
    owner.locator(".message", has_text="Reception è salvato.").wait_for()
    card = owner.locator(".menu")
    expect(card).to_contain_text("500")
    expect(card).to_contain_text(f"l'interno di una persona {taken}")
    # The spoken greeting plays in the page.
    duration = owner.evaluate(
        """async () => {
            const audio = document.querySelector('.menu audio');
            audio.preload = 'auto';
            audio.load();
            await new Promise((done) => audio.addEventListener('loadedmetadata', done));
            return audio.duration;
        }"""
    )
    assert duration > 1.5, "the greeting was spoken (seconds)"
    screenshot(owner, "2-menu")
    assert_no_sideways_scrolling(owner)
    menu = Menu.objects.get()
    assert menu.options.get().number == taken

    member = new_context(marco, viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    member.goto(f"/companies/{studio_rossi.slug}/attendant/")
    expect(member.locator("h1")).to_have_text("Auto-attendant of Studio Rossi")
    expect(member.locator(".menu")).to_contain_text("a person's extension")
    expect(member.get_by_role("link", name="New menu")).to_have_count(0)
    assert member.goto(f"/companies/{studio_rossi.slug}/attendant/{menu.pk}/").status == 404
    screenshot(member, "3-member")
