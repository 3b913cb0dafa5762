"""In Chromium on a phone, in English and in Italian: Luca, manager of Officina Navigli,
goes from the space's page to its numbers and trunks, adds the space's trunk shared with
its members for calls out, and the space's number ringing Marco at the reception (a
number of someone not of the space refused first), out of hours Marco's voicemail."""

from __future__ import annotations

import pytest

from officina.pbx.actions import do_provision_extension
from officina.trunks.models import PhoneNumber, Trunk
from officina.trunks.tests.test_browser import PHONE, assert_no_sideways_scrolling

WORDS = {
    "en": {
        "locale": "en-GB",
        "numbers_and_trunks": "Numbers and trunks",
        "new_trunk": "New trunk",
        "new_number": "New number",
        "shared": "Members may call out through it",
        "saved": "is saved.",
        "not_of_the_space": "is not the extension of a member of this space",
        "shared_shown": "Members without a company trunk call out through it",
        "rings": "Rings an extension",
    },
    "it": {
        "locale": "it-IT",
        "numbers_and_trunks": "Numeri e linee",
        "new_trunk": "Nuova linea",
        "new_number": "Nuovo numero",
        "shared": "I membri possono chiamare all'esterno con questa linea",
        "saved": "è salvato.",
        "not_of_the_space": "non è l'interno di un membro di questo spazio",
        "shared_shown": "I membri senza una linea della loro azienda chiamano all'esterno",
        "rings": "Squilla su un interno",
    },
}


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "it"])
def test_a_space_manager_sets_up_the_space_trunk_and_number_on_a_phone(
    new_context, language, luca, marco, sara, navigli, screenshot
):
    words = WORDS[language]
    reception = do_provision_extension(marco).number
    not_of_the_space = do_provision_extension(sara).number
    manager = new_context(
        luca, locale=words["locale"], viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    manager.goto(f"/spaces/{navigli.slug}/")
    manager.get_by_role("link", name=words["numbers_and_trunks"]).click()
    manager.get_by_role("link", name=words["new_trunk"]).click()
    manager.fill("#id_name", "Navigli line")
    manager.select_option("#id_mode", "peer")
    manager.fill("#id_host", "sip.voip-italia.example")
    manager.fill("#id_peer_addresses", "192.0.2.10")
    manager.get_by_label(words["shared"]).check()
    manager.click("#trunk-form button[type=submit]")
    manager.locator(".message", has_text=words["saved"]).wait_for()
    assert manager.url.endswith(f"/spaces/{navigli.slug}/trunks/")
    assert words["shared_shown"] in manager.locator(".trunk").inner_text()
    trunk = Trunk.objects.get()
    assert (trunk.space, trunk.company, trunk.members_call_out) == (navigli, None, True)

    manager.get_by_role("link", name=words["new_number"]).click()
    manager.fill("#id_number", "02 5551 2345")
    manager.select_option("#id_route_kind", "extension")
    manager.fill("#id_route_target", not_of_the_space)
    manager.click("#number-form button[type=submit]")
    error = manager.locator("#number-form .errorlist")
    error.wait_for()
    assert words["not_of_the_space"] in error.inner_text()
    assert not PhoneNumber.objects.exists()
    screenshot(manager, f"1-refused-{language}")
    assert_no_sideways_scrolling(manager)
    manager.fill("#id_route_target", reception)
    manager.select_option("#id_after_hours_kind", "voicemail")
    manager.fill("#id_after_hours_target", reception)
    manager.click("#number-form button[type=submit]")
    manager.locator(".message", has_text=words["saved"]).wait_for()
    number = manager.locator("[data-number='+390255512345']")
    assert f"{words['rings']} {reception}" in number.inner_text()
    screenshot(manager, f"2-space-number-{language}")
    assert_no_sideways_scrolling(manager)
    saved = PhoneNumber.objects.get()
    assert (saved.trunk, saved.route_target, saved.after_hours_kind) == (
        trunk,
        reception,
        "voicemail",
    )
