"""In Chromium on a phone, in Italian: Giulia builds Studio Rossi's front-desk menu (a
taken number and a key to an extension not of the company refused first, with the
reason next to the field); the typed greeting is spoken and plays in the page. Marco, in
English, sees the menu and cannot change it. A menu a number is routed to says so on its
page and is not removed."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from officina.attendant.actions import MenuInput, check_save_menu
from officina.attendant.models import Menu
from officina.pbx.actions import do_provision_extension
from officina.trunks.actions import NumberInput, TrunkInput, check_save_number, check_save_trunk

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
        "Tasto 1: 999 non è l'interno di una persona dell'azienda."
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


def test_a_menu_a_number_is_routed_to_says_so_and_stays(
    new_context, giulia, studio_rossi, screenshot
):
    """On a phone, in Italian: the menu's page lists the number routed to it; removing it
    is refused on the same page, and the menu stays."""
    giulia.language = "it"
    giulia.save()
    extension = do_provision_extension(giulia).number
    menu = check_save_menu(
        studio_rossi, MenuInput(name="Sera", number="501", greeting_text="Siamo chiusi.")
    )
    trunk = check_save_trunk(
        studio_rossi, TrunkInput(name="Linea", host="sip.example", mode="peer")
    )
    check_save_number(
        studio_rossi,
        NumberInput("0255510001", trunk.pk, "extension", extension, "menu", "501"),
    )
    owner = new_context(
        giulia, locale="it-IT", viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    owner.goto(f"/companies/{studio_rossi.slug}/attendant/{menu.pk}/")
    expect(owner.locator("#routed-from")).to_contain_text(
        "Qui arrivano le chiamate da: il numero +390255510001 fuori orario."
    )
    owner.get_by_role("button", name="Elimina questo menu").click()
    expect(owner.locator(".message")).to_have_text(
        "In uso: qui arrivano le chiamate da: il numero +390255510001 fuori orario. "
        "Prima mandale altrove."
    )
    assert owner.url.endswith(f"/attendant/{menu.pk}/")
    screenshot(owner, "routed-here")
    assert_no_sideways_scrolling(owner)
    assert Menu.objects.filter(pk=menu.pk).exists()
