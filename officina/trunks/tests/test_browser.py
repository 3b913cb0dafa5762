"""In Chromium on a phone, in Italian: Giulia, owner of Studio Rossi, adds the provider's
trunk (a missing password refused first), the company's number ringing her extension,
and lets Marco call abroad; the password is never in a page again. Luca, manager of
the company's space, sees the same page without any form."""

from __future__ import annotations

from typing import Any

import pytest

from officina.pbx.actions import do_provision_extension
from officina.trunks.actions import NumberInput, TrunkInput, check_save_number, check_save_trunk
from officina.trunks.models import OutboundPermission, PhoneNumber, Trunk

PHONE = {"width": 390, "height": 844}
SECRET = "provider-Secret-42"


def assert_no_sideways_scrolling(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px screen"


@pytest.mark.browser
def test_an_owner_sets_up_trunk_number_and_calls_out_and_the_space_manager_sees_them(
    new_context, giulia, marco, luca, studio_rossi, screenshot
):
    extension = do_provision_extension(giulia).number
    owner = new_context(
        giulia, locale="it-IT", viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    owner.goto(f"/companies/{studio_rossi.slug}/")
    owner.get_by_role("link", name="Numeri e linee").click()
    owner.get_by_role("link", name="Nuova linea").click()
    owner.fill("#id_name", "VoIP Italia")
    owner.fill("#id_host", "sip.voip-italia.example")
    owner.fill("#id_username", "studio-rossi")
    owner.click("#trunk-form button[type=submit]")
    error = owner.locator("#trunk-form .errorlist")
    error.wait_for()
    assert "Una linea che si registra ha bisogno della password dell'operatore." in (
        error.inner_text()
    )
    assert not Trunk.objects.exists()
    screenshot(owner, "1-password-missing")
    assert_no_sideways_scrolling(owner)
    owner.fill("#id_password", SECRET)
    owner.click("#trunk-form button[type=submit]")
    owner.locator(".message", has_text="VoIP Italia è salvato.").wait_for()
    card = owner.locator(".trunk")
    assert "password impostata" in card.inner_text()
    assert "non ancora registrata" in card.inner_text()
    assert SECRET not in owner.content()
    card.get_by_role("link", name="VoIP Italia").click()
    assert owner.input_value("#id_password") == ""
    assert SECRET not in owner.content()
    assert "Una password è impostata; lascia vuoto per tenerla." in owner.content()
    owner.get_by_role("link", name="Indietro").click()

    owner.get_by_role("link", name="Nuovo numero").click()
    owner.fill("#id_number", "02 8765 4321")
    owner.select_option("#id_route_kind", "extension")
    owner.fill("#id_route_target", extension)
    owner.check("#id_presented")
    owner.click("#number-form button[type=submit]")
    owner.locator(".message", has_text="+390287654321 è salvato.").wait_for()
    number = owner.locator("[data-number='+390287654321']")
    assert f"Squilla su un interno {extension}" in number.inner_text()
    assert "numero chiamante" in number.inner_text()

    permission = owner.locator(f".permission[data-member='{marco.pk}']")
    permission.get_by_label("internazionali").check()
    permission.get_by_label("Minuti al giorno").fill("30")
    permission.get_by_role("button", name="Salva").click()
    owner.locator(
        ".message", has_text="Le chiamate in uscita di Marco Colombo sono salvate."
    ).wait_for()
    screenshot(owner, "2-numbers-and-calls-out")
    assert_no_sideways_scrolling(owner)
    allowed = OutboundPermission.objects.get(member=marco)
    assert allowed.international and not allowed.premium and allowed.daily_minutes == 30
    assert PhoneNumber.objects.get().presented
    assert Trunk.objects.get().password == SECRET

    manager = new_context(luca, viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    manager.goto(f"/companies/{studio_rossi.slug}/trunks/")
    assert "VoIP Italia" in manager.locator(".trunk").inner_text()
    assert "+390287654321" in manager.locator("#numbers").inner_text()
    assert manager.locator("form[action*='calls-out']").count() == 0
    assert manager.get_by_role("link", name="New trunk").count() == 0
    assert SECRET not in manager.content()
    assert_no_sideways_scrolling(manager)


@pytest.mark.browser
def test_an_owner_forwards_the_company_number_and_a_premium_target_is_refused(
    new_context, giulia, studio_rossi, screenshot
):
    extension = do_provision_extension(giulia).number
    trunk = check_save_trunk(
        studio_rossi, TrunkInput(name="VoIP Italia", host="sip.voip-italia.example", mode="peer")
    )
    number = check_save_number(
        studio_rossi, NumberInput("02 8765 4321", trunk.pk, "extension", extension)
    )
    owner = new_context(
        giulia, locale="it-IT", viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    owner.goto(f"/companies/{studio_rossi.slug}/trunks/")
    owner.get_by_role("link", name="+390287654321").click()
    owner.get_by_label("Inoltra le chiamate di questo numero").select_option("no_answer")
    owner.get_by_label("Inoltra se non risponde nessuno dopo (secondi)").fill("15")
    owner.select_option("#id_forward_kind", "outside")
    owner.get_by_label("Inoltra a: interno, gruppo di chiamata, menu o numero").fill("899 123 456")
    owner.click("#number-form button[type=submit]")
    error = owner.locator("#number-form .errorlist")
    error.wait_for()
    assert "a tariffa" in error.inner_text() and "nazionali e cellulari" in error.inner_text()
    screenshot(owner, "1-premium-refused")
    assert_no_sideways_scrolling(owner)
    number.refresh_from_db()
    assert number.forward_when == ""
    owner.get_by_label("Inoltra a: interno, gruppo di chiamata, menu o numero").fill("333 123 4567")
    owner.click("#number-form button[type=submit]")
    owner.locator(".message", has_text="+390287654321 è salvato.").wait_for()
    shown = owner.locator("[data-number='+390287654321'] [data-forward]").inner_text()
    assert shown == "Inoltrato a un numero esterno +393331234567 se non risponde nessuno dopo 15 s"
    screenshot(owner, "2-forwarded")
    assert_no_sideways_scrolling(owner)
    number.refresh_from_db()
    assert (number.forward_when, number.forward_seconds, number.forward_target) == (
        "no_answer", 15, "+393331234567",
    )  # fmt: skip
