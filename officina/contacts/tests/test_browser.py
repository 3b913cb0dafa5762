"""In Chromium, on a phone, in Italian: Giulia keeps Studio Rossi's address book (a bad
number refused, then saved; a file with a bad row refused whole with its report,
then imported), and her call history names Sara as the supplier she is."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from officina.contacts.models import Contact
from officina.pbx.actions import CallRow, do_provision_extension, do_write_call_records

PHONE = {"width": 390, "height": 844}


def assert_no_sideways_scrolling(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px screen"


@pytest.mark.browser
def test_an_owner_keeps_the_book_on_a_phone_and_sees_callers_named(
    new_context, giulia, sara, studio_rossi, panificio, tmp_path, screenshot
):
    phone = new_context(
        giulia, locale="it-IT", viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    phone.goto(f"/companies/{studio_rossi.slug}/")
    phone.get_by_role("link", name="Contatti").click()
    phone.get_by_role("link", name="Nuovo contatto").click()
    phone.fill("#id_name", "Sara Bianchi")
    phone.select_option("#id_relation", "supplier")
    phone.select_option("#id_linked_company", panificio.slug)
    phone.fill("#id_email", sara.email)
    phone.fill("#id_mobile_phone", "347 12")
    phone.click("#contact-form button[type=submit]")
    error = phone.locator("#contact-form .errorlist")
    error.wait_for()
    assert "“347 12” non è un numero valido nel suo paese." in error.inner_text()
    screenshot(phone, "1-bad-number")
    assert_no_sideways_scrolling(phone)
    phone.fill("#id_mobile_phone", "347 123 4567")
    phone.click("#contact-form button[type=submit]")
    phone.locator(".message", has_text="Sara Bianchi è salvato.").wait_for()
    assert "+393471234567" in phone.locator("#contacts").inner_text()

    bad = tmp_path / "rubrica.csv"
    bad.write_text("Nome;Relazione;Cellulare\nAda Verdi;cliente;333 123 4567\nBruno;amico;\n")
    phone.get_by_role("link", name="Importa").click()
    phone.set_input_files("#id_file", str(bad))
    phone.click("#import-form button[type=submit]")
    report = phone.locator("#import-report")
    report.wait_for()
    assert "Non è stato importato nulla: 1 riga da correggere." in report.inner_text()
    assert "La relazione deve essere cliente, fornitore o partner." in report.inner_text()
    screenshot(phone, "2-import-refused")
    assert_no_sideways_scrolling(phone)
    assert Contact.objects.count() == 1

    bad.write_text("Nome;Relazione;Cellulare\nAda Verdi;cliente;333 123 4567\nBruno;partner;\n")
    phone.set_input_files("#id_file", str(bad))
    phone.click("#import-form button[type=submit]")
    phone.locator(".message", has_text="2 contatti importati.").wait_for()
    assert Contact.objects.count() == 3
    screenshot(phone, "3-book")
    assert_no_sideways_scrolling(phone)

    # A call Sara made to Giulia, as the PBX records it.
    sara_extension = do_provision_extension(sara)
    giulia_extension = do_provision_extension(giulia)
    started = timezone.now() - timedelta(minutes=3)
    do_write_call_records(
        [
            CallRow(
                call_id="call-from-sara",
                caller_id=sara_extension.pk,
                caller_number=sara_extension.number,
                callee_id=giulia_extension.pk,
                callee_number=giulia_extension.number,
                devices_rung=["desk"],
                answered_by="desk",
                started_at=started,
                answered_at=started + timedelta(seconds=5),
                ended_at=started + timedelta(seconds=65),
                outcome="answered",
                final_status=200,
            )
        ],
        [],
    )
    phone.goto("/phone/")
    named = phone.locator("#calls .caller-identity")
    named.wait_for()
    assert named.inner_text() == "Sara Bianchi, Panificio Bianchi fornitore"
    screenshot(phone, "4-call-history")
    assert_no_sideways_scrolling(phone)
