"""In Chromium on a phone, in English and in Italian: Luca, manager of Officina Navigli,
goes from the space's page to its auto-attendant and builds the space's reception menu
(a key to someone not of the space refused first, with the reason next to the field);
the saved menu is listed with its key to Marco, the page never wider than the phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from officina.attendant.models import Menu
from officina.attendant.tests.test_browser import PHONE, assert_no_sideways_scrolling
from officina.pbx.actions import do_provision_extension

WORDS = {
    "en": {
        "locale": "en-GB",
        "attendant": "Auto-attendant",
        "title": "Auto-attendant of Officina Navigli",
        "new_menu": "New menu",
        "not_of_the_space": "is not the extension of a member of the space.",
        "saved": "Reception is saved.",
        "extension": "a person's extension",
    },
    "it": {
        "locale": "it-IT",
        "attendant": "Centralino automatico",
        "title": "Centralino automatico di Officina Navigli",
        "new_menu": "Nuovo menu",
        "not_of_the_space": "non è l'interno di un membro dello spazio.",
        "saved": "Reception è salvato.",
        "extension": "l'interno di una persona",
    },
}


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "it"])
def test_a_space_manager_builds_the_space_menu_on_a_phone(
    new_context, language, luca, marco, sara, navigli, screenshot
):
    words = WORDS[language]
    luca.language = language
    luca.save()
    reception = do_provision_extension(marco).number
    not_of_the_space = do_provision_extension(sara).number
    manager = new_context(
        luca, locale=words["locale"], viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    manager.goto(f"/spaces/{navigli.slug}/")
    manager.get_by_role("link", name=words["attendant"]).click()
    expect(manager.locator("h1")).to_have_text(words["title"])
    manager.get_by_role("link", name=words["new_menu"]).click()
    manager.fill("#id_name", "Reception")
    manager.fill("#id_number", "500")
    manager.select_option("#id_language", language)
    manager.fill("#id_greeting_text", "Officina Navigli. 2: reception.")
    manager.select_option("#id_option_2", "extension")
    manager.fill("#id_target_2", not_of_the_space)
    manager.click("#menu-form button[type=submit]")
    expect(manager.locator("#menu-form .errorlist")).to_contain_text(words["not_of_the_space"])
    assert not Menu.objects.exists(), "nothing is saved half-way"
    screenshot(manager, f"1-refused-{language}")
    assert_no_sideways_scrolling(manager)
    manager.fill("#id_target_2", reception)
    manager.click("#menu-form button[type=submit]")
    manager.locator(".message", has_text=words["saved"]).wait_for()
    assert manager.url.endswith(f"/spaces/{navigli.slug}/attendant/")
    expect(manager.locator(".menu")).to_contain_text(f"{words['extension']} {reception}")
    screenshot(manager, f"2-space-menu-{language}")
    assert_no_sideways_scrolling(manager)
    menu = Menu.objects.get()
    assert (menu.space, menu.company, menu.options.get().number) == (navigli, None, reception)
