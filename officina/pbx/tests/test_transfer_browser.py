"""Transfers in the browser phone, end to end: three members in three Chromium contexts
(fake media devices), the web server and the PBX in one loop as ``officina serve``
runs them. Giulia (201) talks to Marco (202) and transfers him to Sara (203): blind
(REFER, RFC 3515), attended (a consultation call whose dialog the REFER's Replaces
names, RFC 3891), and a blind one to a number that does not exist. Marco's phone is
the one transferred: it follows the REFER; Sara's takes the INVITE that replaces her
consultation call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from officina.pbx.actions import do_provision_extension
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import LiveOfficina, live_officina, port_base
from officina.pbx.tests.test_softphone_browser import (
    PHONE_SIZE,
    media_browser,
    signed_in_context,
    wait_for_more_audio,
)

pytestmark = [pytest.mark.browser, pytest.mark.realpeer, pytest.mark.django_db(transaction=True)]

__all__ = ["media_browser"]  # the fixture, used by name


@pytest.fixture
def officina() -> Iterator[LiveOfficina]:
    with live_officina(web_port=port_base() + 92, sip_port=port_base() + 93) as live:
        yield live


def open_small_phone(browser: Any, officina: LiveOfficina, member: Any, locale: str) -> Any:
    from playwright.sync_api import expect

    context = signed_in_context(browser, officina, member, locale=locale, viewport=PHONE_SIZE)
    phone = context.new_page()
    phone.goto("/phone/browser/")
    expect(phone.locator("#softphone-state")).to_have_attribute("data-state", "registered")
    return phone


def three_phones(browser: Any, officina: LiveOfficina, giulia: Any, marco: Any, sara: Any) -> Any:
    for member in (giulia, marco, sara):
        do_provision_extension(member)  # 201, 202, 203
    return (
        open_small_phone(browser, officina, giulia, "en-US"),
        open_small_phone(browser, officina, marco, "it-IT"),
        open_small_phone(browser, officina, sara, "en-US"),
    )


def giulia_calls_marco(giulia_phone: Any, marco_phone: Any) -> None:
    from playwright.sync_api import expect

    giulia_phone.fill("#dial-number", "202")
    giulia_phone.click("#call")
    expect(marco_phone.locator("#incoming")).to_be_visible()
    marco_phone.click("#answer")
    expect(giulia_phone.locator("#call-state")).to_have_text("Connected")
    wait_for_more_audio(giulia_phone, 0)


def wait_for_record(phone: Any, *, ended: bool, **lookup: str) -> CallRecord:
    """The call's record, which the PBX writes behind, in batches."""
    record = None
    for _ in range(50):
        record = CallRecord.objects.filter(**lookup).order_by("started_at").first()
        if record is not None and (record.ended_at is not None or not ended):
            return record
        phone.wait_for_timeout(200)
    raise AssertionError(f"no ended call record {lookup}: {record}")


def test_a_blind_transfer_puts_the_other_party_through_and_ends_our_call(
    officina, media_browser, giulia, marco, sara, screenshot
):
    from playwright.sync_api import expect

    giulia_phone, marco_phone, sara_phone = three_phones(
        media_browser, officina, giulia, marco, sara
    )
    giulia_calls_marco(giulia_phone, marco_phone)

    giulia_phone.click("#transfer-open")
    expect(giulia_phone.locator("#transfer-open")).to_have_attribute("aria-expanded", "true")
    expect(giulia_phone.locator("#transfer-number")).to_be_focused()
    giulia_phone.fill("#transfer-number", "203")
    screenshot(giulia_phone, "transfer-panel-en-390")
    giulia_phone.click("#transfer-submit")

    # Marco's phone follows the REFER and calls Sara; she sees Marco calling.
    expect(marco_phone.locator("#transfer-status")).to_have_text("Ti stanno trasferendo a 203")
    expect(sara_phone.locator("#incoming")).to_be_visible()
    expect(sara_phone.locator("#incoming-number")).to_have_text("202")
    expect(giulia_phone.locator("#transfer-status")).to_contain_text("203")
    screenshot(marco_phone, "being-transferred-it-390")
    sara_phone.click("#answer")

    # Giulia's call ends once the NOTIFY says Sara answered; Marco and Sara talk.
    expect(giulia_phone.locator("#in-call")).to_be_hidden()
    expect(giulia_phone.locator("#softphone-state")).to_have_text("Transferred to 203")
    expect(marco_phone.locator("#call-number")).to_have_text("203")
    expect(marco_phone.locator("#call-state")).to_have_text("Connesso")
    # Transferred and answered: the line no longer says he is being transferred.
    expect(marco_phone.locator("#transfer-status")).to_have_text("")
    wait_for_more_audio(sara_phone, 0)  # Marco's audio reaches Sara
    screenshot(giulia_phone, "transferred-en-390")

    first = wait_for_record(giulia_phone, ended=True, caller_number="201", callee_number="202")
    assert first.transferred_to == "203"
    second = wait_for_record(giulia_phone, ended=False, caller_number="202", callee_number="203")
    assert second.transferred_by == "201"
    assert second.outcome == CallRecord.Outcome.ANSWERED


def test_an_attended_transfer_replaces_the_consultation_call(
    officina, media_browser, giulia, marco, sara, screenshot
):
    from playwright.sync_api import expect

    giulia_phone, marco_phone, sara_phone = three_phones(
        media_browser, officina, giulia, marco, sara
    )
    giulia_calls_marco(giulia_phone, marco_phone)

    # Giulia consults Sara first: Marco waits on hold. She thinks better of it while
    # Sara's phone rings: Cancel hangs that call up and Marco is back.
    giulia_phone.click("#transfer-open")
    giulia_phone.fill("#transfer-number", "203")
    giulia_phone.click("#transfer-consult")
    expect(marco_phone.locator("#call-state")).to_have_text("In attesa")
    expect(sara_phone.locator("#incoming")).to_be_visible()
    giulia_phone.click("#transfer-cancel")
    expect(sara_phone.locator("#incoming")).to_be_hidden()
    expect(marco_phone.locator("#call-state")).to_have_text("Connesso")
    expect(giulia_phone.locator("#hold")).to_have_text("Hold")
    expect(giulia_phone.locator("#transfer")).to_be_hidden()
    expect(giulia_phone.locator("#transfer-status")).to_have_text("")

    # Again, and this time Sara answers.
    giulia_phone.click("#transfer-open")
    giulia_phone.fill("#transfer-number", "203")
    giulia_phone.click("#transfer-consult")
    expect(marco_phone.locator("#call-state")).to_have_text("In attesa")
    expect(sara_phone.locator("#incoming-number")).to_have_text("201")
    sara_phone.click("#answer")
    expect(giulia_phone.locator("#transfer-complete")).to_be_visible()
    expect(giulia_phone.locator("#transfer-status")).to_contain_text("Talking to 203")
    expect(giulia_phone.locator("#transfer-submit")).to_be_hidden()  # one transfer at a time
    screenshot(giulia_phone, "consulting-en-390")
    giulia_phone.click("#transfer-complete")

    # Marco's phone calls Sara with Replaces; her phone swaps Giulia for Marco.
    expect(giulia_phone.locator("#in-call")).to_be_hidden()
    expect(giulia_phone.locator("#softphone-state")).to_have_text("Transferred to 203")
    expect(sara_phone.locator("#call-number")).to_have_text("202")
    expect(marco_phone.locator("#call-number")).to_have_text("203")
    expect(sara_phone.locator("#in-call")).to_be_visible()
    sara_phone.wait_for_function("() => officinaPhone.session?.isEstablished()")
    received = sara_phone.evaluate(
        """() => officinaPhone.session.connection.getStats().then((report) => {
             let bytes = 0;
             report.forEach((entry) => {
               if (entry.type === "inbound-rtp") bytes += entry.bytesReceived;
             });
             return bytes;
           })"""
    )
    wait_for_more_audio(sara_phone, received)  # Marco's audio on the new call

    first = wait_for_record(giulia_phone, ended=True, caller_number="201", callee_number="202")
    assert first.transferred_to == "203"
    replacing = wait_for_record(giulia_phone, ended=False, caller_number="202", callee_number="203")
    assert replacing.transferred_by == "201"
    assert replacing.replaced_call_id


def test_a_failed_blind_transfer_keeps_the_call_and_says_why(
    officina, media_browser, giulia, marco, sara, screenshot
):
    from playwright.sync_api import expect

    giulia_phone, marco_phone, _sara_phone = three_phones(
        media_browser, officina, giulia, marco, sara
    )
    giulia_calls_marco(giulia_phone, marco_phone)
    giulia_phone.click("#transfer-open")
    giulia_phone.fill("#transfer-number", "20a")
    giulia_phone.click("#transfer-submit")
    expect(giulia_phone.locator("#transfer-status")).to_have_text(
        "Type an extension or a number: digits, with + before a country code, or a code "
        "starting with * or ** (*8, **202). Spaces, dots, dashes and brackets are left out."
    )
    # A number outside as contacts write it, with no trunk to call it out through.
    giulia_phone.fill("#transfer-number", "+39 (02) 1234-5678")
    giulia_phone.click("#transfer-submit")
    expect(giulia_phone.locator("#transfer-status")).to_have_text(
        "Transfer failed: This number cannot be called from here: it is not a valid number, "
        "or your company has no line for calls outside. The call is still yours."
    )
    expect(marco_phone.locator("#transfer-status")).to_have_text(
        "Trasferimento non riuscito: Questo numero non si può chiamare da qui: non è un "
        "numero valido, o la tua azienda non ha una linea per le chiamate verso l'esterno. "
        "La chiamata resta tua."
    )
    expect(giulia_phone.locator("#transfer-submit")).to_be_enabled()
    giulia_phone.fill("#transfer-number", "999")
    giulia_phone.click("#transfer-submit")
    expect(giulia_phone.locator("#transfer-status")).to_have_text(
        "Transfer failed: No such number. The call is still yours."
    )
    expect(marco_phone.locator("#transfer-status")).to_have_text(
        "Trasferimento non riuscito: Numero inesistente. La chiamata resta tua."
    )
    screenshot(giulia_phone, "transfer-failed-en-390")
    screenshot(marco_phone, "transfer-failed-it-390")
    expect(giulia_phone.locator("#in-call")).to_be_visible()
    expect(marco_phone.locator("#call-number")).to_have_text("201")
    expect(giulia_phone.locator("#transfer-submit")).to_be_enabled()
    # The call goes on: audio still flows, and the member hangs up as usual.
    received = int(giulia_phone.locator("#call-audio").get_attribute("data-bytes-received") or 0)
    wait_for_more_audio(giulia_phone, received + 2000)
    giulia_phone.click("#hangup")
    expect(marco_phone.locator("#in-call")).to_be_hidden()
