"""The browser phone, end to end: two members in two Chromium contexts call each other
through Officina (JsSIP over /sip/ws, the registrar and the proxy), with fake media
devices; the audio flows peer to peer over loopback, both ways."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from officina.conftest import CHROMIUM, CHROMIUM_ARGS
from officina.pbx.actions import do_provision_extension
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import LiveOfficina, live_officina, port_base
from officina.voicemail.actions import check_update_box, do_open_box
from officina.voicemail.kinds import RING_SECONDS_DEFAULT

pytestmark = [pytest.mark.browser, pytest.mark.realpeer, pytest.mark.django_db(transaction=True)]

# Chromium's fake microphone (a beeping tone) and no permission prompt; loopback ICE
# candidates, since both browsers are on this machine.
MEDIA_ARGS = [
    *CHROMIUM_ARGS,
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
]
TIMEOUT_MS = 30_000
PHONE_SIZE = {"width": 390, "height": 844}


@pytest.fixture
def officina() -> Iterator[LiveOfficina]:
    with live_officina(web_port=port_base() + 76, sip_port=port_base() + 75) as live:
        yield live


@pytest.fixture
def media_browser() -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=MEDIA_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def signed_in_context(browser: Any, officina: LiveOfficina, member: Any, **options: Any) -> Any:
    client = Client()
    client.force_login(member, backend="django.contrib.auth.backends.ModelBackend")
    context = browser.new_context(base_url=officina.url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": officina.url,
            }
        ]
    )
    return context


def audio_bytes(page: Any) -> tuple[int, int]:
    """(received, sent) audio bytes of the call, as getStats last reported them."""
    counters = page.locator("#call-audio")
    return (
        int(counters.get_attribute("data-bytes-received") or 0),
        int(counters.get_attribute("data-bytes-sent") or 0),
    )


def wait_for_more_audio(page: Any, than: int) -> None:
    page.wait_for_function(
        "n => Number(document.getElementById('call-audio').dataset.bytesReceived) > n", arg=than
    )


def test_two_members_call_each_other_from_their_browsers(
    officina, media_browser, giulia, marco, screenshot
):
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201
    do_provision_extension(marco)  # 202

    # Marco keeps the phone open on his mobile, in Italian, and reads the feed in a tab.
    marco_context = signed_in_context(
        media_browser, officina, marco, locale="it-IT", viewport=PHONE_SIZE
    )
    marco_phone = marco_context.new_page()
    marco_phone.goto("/phone/browser/")
    expect(marco_phone.locator("#softphone-state")).to_have_attribute("data-state", "registered")
    expect(marco_phone.locator("#softphone-state")).to_have_text("Pronto")
    marco_feed = marco_context.new_page()
    marco_feed.goto("/feed/")

    # Giulia calls him from his profile: the phone opens in its own window and dials.
    giulia_context = signed_in_context(media_browser, officina, giulia, locale="en-US")
    giulia_tab = giulia_context.new_page()
    giulia_tab.goto(f"/members/{marco.pk}/")
    with giulia_context.expect_page() as opened:
        giulia_tab.click("#softphone-call-member")
    giulia_phone = opened.value
    expect(giulia_phone.locator("#softphone-state")).to_have_attribute("data-state", "registered")
    expect(giulia_phone.locator("#in-call")).to_be_visible()

    # Marco's phone rings with Giulia's name as Officina knows it; so does his feed tab.
    expect(marco_phone.locator("#incoming")).to_be_visible()
    expect(marco_phone.locator("#incoming-name")).to_have_text("Giulia Rossi")
    expect(marco_phone.locator("#incoming-number")).to_have_text("201")
    screenshot(marco_phone, "incoming-it-390")
    banner = marco_feed.locator(".softphone-banner")
    expect(banner).to_contain_text("Giulia Rossi (201)")
    expect(banner).to_contain_text("Chiamata in arrivo da")
    screenshot(marco_feed, "banner-it-390")
    banner.locator("[data-answer]").click()  # answered from the feed tab
    expect(banner).to_have_count(0)

    # Audio both ways: each browser receives RTP from the other.
    wait_for_more_audio(marco_phone, 0)
    wait_for_more_audio(giulia_phone, 0)
    assert audio_bytes(marco_phone)[1] > 0 and audio_bytes(giulia_phone)[1] > 0
    expect(giulia_phone.locator("#call-name")).to_have_text("Marco Colombo")
    expect(marco_phone.locator("#call-state")).to_have_text("Connesso")
    screenshot(marco_phone, "in-call-it-390")

    # Marco picks another microphone mid-call: Giulia keeps hearing him.
    microphones = marco_phone.locator("#microphone option")
    expect(microphones).not_to_have_count(1)  # the fake devices, listed once in use
    chosen = microphones.nth(microphones.count() - 1).inner_text()
    marco_phone.select_option("#microphone", index=microphones.count() - 1)
    marco_phone.wait_for_function(
        """label => officinaPhone.session.connection.getSenders()
             .some((sender) => sender.track && sender.track.label === label)""",
        arg=chosen,
    )
    expect(marco_phone.locator("#softphone-error")).to_be_hidden()
    received, _sent = audio_bytes(giulia_phone)
    wait_for_more_audio(giulia_phone, received + 4000)

    # Giulia goes on using Officina in her tab: the call goes on in the phone's window.
    giulia_tab.goto("/feed/")
    giulia_tab.goto("/members/")
    received, _sent = audio_bytes(giulia_phone)
    wait_for_more_audio(giulia_phone, received)

    # Hold and resume (re-INVITEs through the proxy), mute, a tone.
    giulia_phone.click("#hold")
    expect(giulia_phone.locator("#hold")).to_have_text("Resume")
    expect(marco_phone.locator("#call-state")).to_have_text("In attesa")
    giulia_phone.click("#hold")
    expect(giulia_phone.locator("#hold")).to_have_text("Hold")
    expect(marco_phone.locator("#call-state")).to_have_text("Connesso")
    received, _sent = audio_bytes(marco_phone)
    wait_for_more_audio(marco_phone, received)  # audio is back after the resume
    giulia_phone.click("#mute")
    expect(giulia_phone.locator("#mute")).to_have_attribute("aria-pressed", "true")
    giulia_phone.click("#mute")
    expect(giulia_phone.locator("#mute")).to_have_attribute("aria-pressed", "false")
    giulia_phone.click(".dialpad [data-key='5']")
    expect(giulia_phone.locator("#dial-number")).to_have_value("")  # a tone, not a digit
    screenshot(giulia_phone, "in-call-en")

    # Marco hangs up; both phones show the call in their recent calls.
    marco_phone.click("#hangup")
    expect(giulia_phone.locator("#in-call")).to_be_hidden()
    expect(giulia_phone.locator("#softphone-state")).to_have_text("Call ended")
    expect(giulia_phone.locator("#recent-calls li").first).to_contain_text("202 · Marco Colombo")
    expect(marco_phone.locator("#recent-calls li").first).to_contain_text("201 · Giulia Rossi")
    screenshot(marco_phone, "after-call-it-390")

    # The call record is written behind, in batches, by the PBX.
    record = None
    for _ in range(50):
        record = CallRecord.objects.filter(caller_number="201", callee_number="202").first()
        if record is not None and record.ended_at is not None:
            break
        giulia_phone.wait_for_timeout(200)
    assert record is not None
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.answered_at is not None and record.ended_at is not None
    for context in (giulia_context, marco_context):
        context.close()


def test_an_unreachable_callee_a_wrong_number_and_bad_input_are_told_in_italian(
    officina, media_browser, giulia, marco
):
    from playwright.sync_api import expect

    do_provision_extension(giulia)
    # Registered nowhere, and no voicemail: unreachable.
    check_update_box(
        do_open_box(do_provision_extension(marco)),
        enabled=False, ring_seconds=RING_SECONDS_DEFAULT, email_messages=False,
    )  # fmt: skip
    context = signed_in_context(media_browser, officina, giulia, locale="it-IT")
    phone = context.new_page()
    phone.goto("/phone/browser/")
    expect(phone.locator("#softphone-state")).to_have_attribute("data-state", "registered")
    # The credential is fetched again before it expires, and registering anew uses it.
    username = phone.evaluate(
        """() => officinaPhone.refreshCredential().then(() => new Promise((done) => {
             const ua = officinaPhone.ua;
             ua.once("unregistered", () => {
               ua.once("registered", () => done(ua.get("authorization_user")));
               ua.register();
             });
             ua.unregister();
           }))"""
    )
    assert username.startswith("201.")
    # Marco registered nowhere: once the PBX has read his new extension (it re-reads
    # extensions every few seconds), calling him says nobody can answer.
    for _ in range(100):
        if officina.running.directory.entry("202") is not None:
            break
        phone.wait_for_timeout(100)
    phone.fill("#dial-number", "202")
    phone.click("#call")
    expect(phone.locator("#softphone-state")).to_have_text(
        "Nessuna risposta, o nessun suo dispositivo è connesso"
    )
    phone.fill("#dial-number", "999")
    phone.click("#call")
    expect(phone.locator("#softphone-state")).to_have_text("Numero inesistente")
    # A number outside as contacts write it, with no trunk to call it out through.
    phone.fill("#dial-number", "+39 (02) 1234-5678")
    phone.click("#call")
    expect(phone.locator("#softphone-state")).to_have_text(
        "Questo numero non si può chiamare da qui: non è un numero valido, o la tua "
        "azienda non ha una linea per le chiamate verso l'esterno"
    )
    # A pickup of an extension that is not of her company: the PBX's 403.
    phone.fill("#dial-number", "**299")
    phone.click("#call")
    expect(phone.locator("#softphone-state")).to_have_text("Non consentito dal tuo interno")
    for typed in ("20a", "+39 02 +1234", "***8"):
        phone.fill("#dial-number", typed)
        phone.click("#call")
        expect(phone.locator("#softphone-error")).to_have_text(
            "Scrivi un interno o un numero: cifre, con + davanti al prefisso del paese, o "
            "un codice che inizia con * o ** (*8, **202). Spazi, punti, trattini e "
            "parentesi non contano."
        )
        expect(phone.locator("#in-call")).to_be_hidden()
    context.close()
