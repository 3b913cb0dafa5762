"""Transfers between the browser phone and a plain phone, through the PBX and
rtpengine: Chromium (JsSIP, DTLS-SRTP) and baresip (plain RTP). The browser transfers
the baresip phone to a second browser (the REFER reaches the plain phone, whose new
call meets the browser in rtpengine), and a baresip phone transfers the browser (the
browser follows the REFER)."""

from __future__ import annotations

import shutil

import pytest

from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, live_officina
from officina.pbx.tests.test_baresip import command, loudness, wait_for
from officina.pbx.tests.test_rtpengine_calls import (
    BARESIP_PASSWORD,
    PHONE_CTRL,
    SIP_PORT,
    WEB_PORT,
    baresip_phone,
    decoded_calls,
    open_phone,
    rtpengine_url,
)
from officina.pbx.tests.test_softphone_browser import media_browser, wait_for_more_audio

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("rtpengine", "baresip", "sox")),
        reason="rtpengine, baresip and sox are needed",
    ),
]

__all__ = ["media_browser", "rtpengine_url"]  # the fixtures, used by name


def test_the_browser_transfers_a_plain_phone_to_another_browser(
    rtpengine_url, media_browser, giulia, marco, sara, settings, tmp_path
):
    from playwright.sync_api import expect

    settings.RTPENGINE_URL = rtpengine_url
    do_provision_extension(giulia)  # 201, a browser
    do_set_sip_password(do_provision_extension(marco), BARESIP_PASSWORD)  # 202, baresip
    do_provision_extension(sara)  # 203, a browser
    home = tmp_path / "marco"
    with (
        live_officina(web_port=WEB_PORT, sip_port=SIP_PORT) as officina,
        baresip_phone(home, "202", BARESIP_PASSWORD) as log,
    ):
        giulia_context, giulia_phone = open_phone(media_browser, officina, giulia)
        sara_context, sara_phone = open_phone(media_browser, officina, sara)
        giulia_phone.fill("#dial-number", "202")
        giulia_phone.click("#call")
        expect(giulia_phone.locator("#call-state")).to_have_text("Connected")
        wait_for_more_audio(giulia_phone, 4000)

        giulia_phone.click("#transfer-open")
        giulia_phone.fill("#transfer-number", "203")
        giulia_phone.click("#transfer-submit")
        # The plain phone follows the REFER: its call rings Sara's browser.
        expect(sara_phone.locator("#incoming-number")).to_have_text("202")
        sara_phone.click("#answer")
        expect(giulia_phone.locator("#softphone-state")).to_have_text("Transferred to 203")
        expect(giulia_phone.locator("#in-call")).to_be_hidden()
        wait_for_more_audio(sara_phone, 8000)  # the phone's tone, through rtpengine
        sara_phone.wait_for_timeout(2000)  # and the phone hears Sara meanwhile
        sara_phone.click("#hangup")
        assert wait_for(
            lambda: CallRecord.objects.filter(callee_number="203", ended_at__isnull=False).exists()
        ), log.read_text(errors="replace")[-2000:]
        giulia_context.close()
        sara_context.close()

    first = CallRecord.objects.get(caller_number="201", callee_number="202")
    assert first.transferred_to == "203"
    second = CallRecord.objects.get(caller_number="202", callee_number="203")
    assert second.transferred_by == "201"
    assert second.outcome == CallRecord.Outcome.ANSWERED
    heard = decoded_calls(home)[-1]
    assert loudness(heard) > 300, "the plain phone heard Sara's browser"


def test_a_plain_phone_transfers_the_browser_which_follows_the_refer(
    rtpengine_url, media_browser, giulia, marco, sara, settings, tmp_path
):
    from playwright.sync_api import expect

    settings.RTPENGINE_URL = rtpengine_url
    do_provision_extension(giulia)  # 201, a browser
    do_set_sip_password(do_provision_extension(marco), BARESIP_PASSWORD)  # 202, baresip
    do_provision_extension(sara)  # 203, a browser
    with (
        live_officina(web_port=WEB_PORT, sip_port=SIP_PORT) as officina,
        baresip_phone(tmp_path / "marco", "202", BARESIP_PASSWORD) as log,
    ):
        giulia_context, giulia_phone = open_phone(media_browser, officina, giulia)
        sara_context, sara_phone = open_phone(media_browser, officina, sara)
        command(PHONE_CTRL, "dial", f"sip:201@{HOST}:{SIP_PORT}")
        expect(giulia_phone.locator("#incoming")).to_be_visible()
        giulia_phone.click("#answer")
        expect(giulia_phone.locator("#call-state")).to_have_text("Connected")
        wait_for_more_audio(giulia_phone, 4000)

        command(PHONE_CTRL, "transfer", f"sip:203@{HOST}:{SIP_PORT}")
        expect(giulia_phone.locator("#transfer-status")).to_have_text(
            "You are being transferred to 203"
        )
        expect(sara_phone.locator("#incoming-number")).to_have_text("201")
        sara_phone.click("#answer")
        expect(giulia_phone.locator("#call-number")).to_have_text("203")
        expect(giulia_phone.locator("#call-state")).to_have_text("Connected")
        wait_for_more_audio(sara_phone, 0)  # browser to browser, Giulia's audio
        # The plain phone hangs up its call once the NOTIFY says the new one is answered.
        assert wait_for(
            lambda: CallRecord.objects.filter(callee_number="201", ended_at__isnull=False).exists()
        ), log.read_text(errors="replace")[-2000:]
        expect(giulia_phone.locator("#in-call")).to_be_visible()
        giulia_context.close()
        sara_context.close()

    first = CallRecord.objects.get(caller_number="202", callee_number="201")
    assert first.transferred_to == "203"
    second = CallRecord.objects.get(caller_number="201", callee_number="203")
    assert second.transferred_by == "202"


def test_an_attended_transfer_a_plain_phone_cannot_follow_fails_and_is_cancelled(
    rtpengine_url, media_browser, giulia, marco, sara, settings, tmp_path
):
    """baresip 1.0 puts a Refer-To's Replaces into its INVITE's Request-URI, which the
    proxy refuses (400): the browser says the transfer failed and keeps both calls;
    Cancel hangs the consultation up and the plain phone is back."""
    from playwright.sync_api import expect

    settings.RTPENGINE_URL = rtpengine_url
    do_provision_extension(giulia)  # 201, a browser
    do_set_sip_password(do_provision_extension(marco), BARESIP_PASSWORD)  # 202, baresip
    do_provision_extension(sara)  # 203, a browser
    with (
        live_officina(web_port=WEB_PORT, sip_port=SIP_PORT) as officina,
        baresip_phone(tmp_path / "marco", "202", BARESIP_PASSWORD) as log,
    ):
        giulia_context, giulia_phone = open_phone(media_browser, officina, giulia)
        sara_context, sara_phone = open_phone(media_browser, officina, sara)
        giulia_phone.fill("#dial-number", "202")
        giulia_phone.click("#call")
        expect(giulia_phone.locator("#call-state")).to_have_text("Connected")
        giulia_phone.click("#transfer-open")
        giulia_phone.fill("#transfer-number", "203")
        giulia_phone.click("#transfer-consult")
        expect(sara_phone.locator("#incoming-number")).to_have_text("201")
        sara_phone.click("#answer")
        giulia_phone.click("#transfer-complete")
        expect(giulia_phone.locator("#transfer-status")).to_have_text(
            "Transfer failed: The call could not be made. The call is still yours."
        )
        assert "headers are not allowed in a Request-URI" in log.read_text(errors="replace")
        expect(giulia_phone.locator("#transfer-complete")).to_be_visible()  # may try again
        expect(sara_phone.locator("#call-number")).to_have_text("201")

        giulia_phone.click("#transfer-cancel")
        expect(sara_phone.locator("#in-call")).to_be_hidden()
        expect(giulia_phone.locator("#hold")).to_have_text("Hold")
        expect(giulia_phone.locator("#call-number")).to_have_text("202")
        received = int(
            giulia_phone.locator("#call-audio").get_attribute("data-bytes-received") or 0
        )
        wait_for_more_audio(giulia_phone, received + 4000)  # the plain phone, resumed
        giulia_phone.click("#hangup")
        expect(giulia_phone.locator("#in-call")).to_be_hidden()
        giulia_context.close()
        sara_context.close()
