"""Transfers in calls the desk bridges (``bridged_calls.py``, no rtpengine), with real
peers: Chromium (JsSIP, DTLS-SRTP, Opus) for Giulia's browser phone, baresips (plain RTP,
G.711) for Marco's and Sara's desk phones.

Giulia's browser calls Marco's baresip; the desk bridges them. Marco transfers Giulia
with baresip's ``transfer`` command: the desk, the browser's other end, answers his
REFER, calls the number as Giulia, reports in NOTIFYs, and on the answer bridges the
browser to the new call and ends Marco's."""

from __future__ import annotations

import re
import shutil
from typing import Any

import pytest

from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, LiveOfficina, port_base
from officina.pbx.tests.test_baresip import command, loudness, wait_for
from officina.pbx.tests.test_click_to_call_browser import officina_without_rtpengine
from officina.pbx.tests.test_rtpengine_calls import (
    PHONE_CTRL,
    SECOND_PHONE,
    SIP_PORT,
    baresip_phone,
    decoded_calls,
    injection_file,
    open_phone,
    sipp_phone,
)
from officina.pbx.tests.test_softphone_browser import (
    PHONE_SIZE,
    audio_bytes,
    media_browser,  # noqa: F401 (a fixture)
    signed_in_context,
    wait_for_more_audio,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("baresip"), reason="baresip is needed"),
]

PASSWORDS = {"202": "marco-bridged-pw", "203": "sara-bridged-pw"}


def _bridged_call(officina: LiveOfficina, browser: Any, giulia: Any) -> tuple[Any, Any]:
    """Giulia's browser calls Marco (202), bridged by the desk, and hears him; returns
    (the browser context, the phone's page)."""
    from playwright.sync_api import expect

    desk = officina.running.media
    context, phone = open_phone(browser, officina, giulia)
    phone.fill("#dial-number", "202")
    phone.click("#call")
    expect(phone.locator("#in-call")).to_be_visible(timeout=15_000)
    assert wait_for(lambda: len(desk.relays) == 1, 10)
    wait_for_more_audio(phone, 4000)  # Marco's tone, through the desk
    return context, phone


def test_a_plain_phone_transfers_its_bridged_browser_party_blind(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Marco transfers Giulia's browser to Sara (203): Sara's baresip answers, Giulia's
    browser goes on hearing audio (Sara's tone) and Sara hears Giulia; Marco's call ends;
    Giulia's call stays one call in her browser. Records: Giulia's call to Marco
    transferred to 203, her call to Sara placed by Marco's transfer."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    for member, number in ((marco, "202"), (sara, "203")):
        do_set_sip_password(do_provision_extension(member), PASSWORDS[number])
    marco_home, sara_home = tmp_path / "marco", tmp_path / "sara"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(marco_home, "202", PASSWORDS["202"]) as marco_log,
        baresip_phone(sara_home, "203", PASSWORDS["203"], SECOND_PHONE) as sara_log,
    ):
        desk = officina.running.media
        context, phone = _bridged_call(officina, media_browser, giulia)
        command(PHONE_CTRL, "transfer", f"sip:203@{HOST}:{SIP_PORT}")
        answered = CallRecord.objects.filter(callee_number="203", outcome="answered")
        assert wait_for(answered.exists, 15), sara_log.read_text(errors="replace")[-2000:]
        marco_done = lambda: "terminated" in marco_log.read_text(errors="replace")  # noqa: E731
        assert wait_for(marco_done, 10), marco_log.read_text(errors="replace")[-2000:]
        expect(phone.locator("#call-state")).to_have_text("Connected")
        received, _sent = audio_bytes(phone)
        wait_for_more_audio(phone, received + 8000)  # Sara's tone now
        phone.wait_for_timeout(1500)  # and Sara hears the browser meanwhile
        assert len(desk.relays) == 1
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        sara_done = lambda: "terminated" in sara_log.read_text(errors="replace")  # noqa: E731
        assert wait_for(sara_done, 5), sara_log.read_text(errors="replace")[-2000:]
        assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        context.close()

    (heard,) = decoded_calls(sara_home)
    assert loudness(heard) > 300, "Sara heard Giulia"
    to_marco = CallRecord.objects.get(callee_number="202")
    assert (to_marco.caller_number, to_marco.outcome) == ("201", "answered")
    assert to_marco.transferred_to == "203"
    assert to_marco.ended_at is not None
    to_sara = CallRecord.objects.get(callee_number="203")
    assert (to_sara.caller_number, to_sara.outcome) == ("201", "answered")
    assert to_sara.transferred_by == "202"


def test_a_bridged_transfer_to_no_such_number_fails_and_the_desk_keeps_the_call(
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    """Marco transfers Giulia to 299, no one's number: the final NOTIFY tells his phone
    404 Not Found, and the desk hangs up neither side. baresip 1.0 ends its own call on
    a failed transfer (``ua.c`` drops the call on ``CALL_EVENT_TRANSFER_FAILED``), so
    the call ends by Marco's BYE, which the browser follows; the records say so."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    do_set_sip_password(do_provision_extension(marco), PASSWORDS["202"])
    marco_home = tmp_path / "marco"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(marco_home, "202", PASSWORDS["202"]) as marco_log,
    ):
        desk = officina.running.media
        context, phone = _bridged_call(officina, media_browser, giulia)
        command(PHONE_CTRL, "transfer", f"sip:299@{HOST}:{SIP_PORT}")
        failed = lambda: "transfer failed: 404 Not Found" in marco_log.read_text(errors="replace")  # noqa: E731
        assert wait_for(failed, 10), marco_log.read_text(errors="replace")[-2000:]
        expect(phone.locator("#in-call")).to_be_hidden(timeout=10_000)
        assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        context.close()

    record = CallRecord.objects.get(callee_number="202")
    assert (record.caller_number, record.outcome) == ("201", "answered")
    assert record.ended_by == CallRecord.EndedBy.CALLEE, "Marco's phone hung up, not the desk"
    assert record.transferred_to == "299"
    attempt = CallRecord.objects.get(callee_number="299")
    assert (attempt.caller_number, attempt.outcome) == ("201", "not-found")
    assert attempt.transferred_by == "202"


def _small_bridged_call(
    officina: LiveOfficina, browser: Any, giulia: Any, locale: str
) -> tuple[Any, Any]:
    """Giulia's browser (390 px, ``locale``) calls Marco (202), bridged by the desk, and
    hears him; returns (the browser context, the phone's page)."""
    from playwright.sync_api import expect

    desk = officina.running.media
    context = signed_in_context(browser, officina, giulia, locale=locale, viewport=PHONE_SIZE)
    phone = context.new_page()
    phone.goto("/phone/browser/")
    expect(phone.locator("#softphone-state")).to_have_attribute("data-state", "registered")
    phone.fill("#dial-number", "202")
    phone.click("#call")
    expect(phone.locator("#in-call")).to_be_visible(timeout=15_000)
    assert wait_for(lambda: len(desk.relays) == 1, 10)
    wait_for_more_audio(phone, 4000)  # Marco's tone, through the desk
    return context, phone


def test_the_browser_transfers_its_bridged_plain_party_blind(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
    screenshot,
):
    """Giulia's browser transfers Marco's baresip to Sara (203), a plain phone too: the
    desk sends Marco's phone a REFER of its own, Marco's baresip calls Sara directly (no
    bridge: the desk relays nothing afterwards) and they hear each other; the browser
    sees the NOTIFYs' progress and its call ends with *Transferred to 203*. Records:
    Giulia's call to Marco transferred to 203, Marco's call to Sara transferred by 201."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    for member, number in ((marco, "202"), (sara, "203")):
        do_set_sip_password(do_provision_extension(member), PASSWORDS[number])
    marco_home, sara_home = tmp_path / "marco", tmp_path / "sara"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(marco_home, "202", PASSWORDS["202"]) as marco_log,
        baresip_phone(sara_home, "203", PASSWORDS["203"], SECOND_PHONE) as sara_log,
    ):
        desk = officina.running.media
        context, phone = _small_bridged_call(officina, media_browser, giulia, "en-US")
        phone.click("#transfer-open")
        phone.fill("#transfer-number", "203")
        phone.click("#transfer-submit")
        expect(phone.locator("#in-call")).to_be_hidden(timeout=15_000)
        expect(phone.locator("#softphone-state")).to_have_text("Transferred to 203")
        screenshot(phone, "bridged-transferred-en-390")
        answered = CallRecord.objects.filter(
            caller_number="202", callee_number="203", outcome="answered"
        )
        assert wait_for(answered.exists, 15), sara_log.read_text(errors="replace")[-2000:]
        assert wait_for(lambda: not desk.relays, 10), "Marco and Sara talk directly"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        phone.wait_for_timeout(3000)  # Marco and Sara hear each other meanwhile
        command(PHONE_CTRL, "hangup")
        sara_done = lambda: "terminated" in sara_log.read_text(errors="replace")  # noqa: E731
        assert wait_for(sara_done, 5), sara_log.read_text(errors="replace")[-2000:]
        context.close()
        marco_said = marco_log.read_text(errors="replace")

    assert "REFER" in marco_said or "transfer" in marco_said.lower(), marco_said[-2000:]
    assert loudness(decoded_calls(sara_home)[-1]) > 300, "Sara heard Marco"
    assert loudness(decoded_calls(marco_home)[-1]) > 300, "Marco heard Sara"
    to_marco = CallRecord.objects.get(caller_number="201", callee_number="202")
    assert to_marco.outcome == "answered"
    assert to_marco.transferred_to == "203"
    assert to_marco.ended_at is not None
    to_sara = CallRecord.objects.get(caller_number="202", callee_number="203")
    assert to_sara.transferred_by == "201"


def test_a_failed_transfer_by_the_browser_keeps_its_bridged_call(
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
    screenshot,
):
    """Giulia (Italian) transfers Marco's baresip to 299, no one's number: Marco's phone
    tries, the NOTIFY passed back says 404, the browser says so and keeps the call, whose
    audio goes on through the desk."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    do_set_sip_password(do_provision_extension(marco), PASSWORDS["202"])
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(tmp_path / "marco", "202", PASSWORDS["202"]) as marco_log,
    ):
        desk = officina.running.media
        context, phone = _small_bridged_call(officina, media_browser, giulia, "it-IT")
        phone.click("#transfer-open")
        phone.fill("#transfer-number", "299")
        phone.click("#transfer-submit")
        expect(phone.locator("#transfer-status")).to_have_text(
            "Trasferimento non riuscito: Numero inesistente. La chiamata resta tua.",
            timeout=15_000,
        )
        screenshot(phone, "bridged-transfer-failed-it-390")
        expect(phone.locator("#in-call")).to_be_visible()
        phone.wait_for_timeout(1000)
        received, _sent = audio_bytes(phone)
        wait_for_more_audio(phone, received + 4000)  # Marco's tone, still through the desk
        assert len(desk.relays) == 1, marco_log.read_text(errors="replace")[-2000:]
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
        context.close()

    record = CallRecord.objects.get(caller_number="201", callee_number="202")
    assert record.transferred_to == "299"
    attempt = CallRecord.objects.get(caller_number="202", callee_number="299")
    assert attempt.outcome == "not-found"
    assert attempt.transferred_by == "201"


def test_a_browser_callee_transfers_its_bridged_plain_caller_blind(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
    screenshot,
):
    """Marco's baresip calls Giulia, whose only phone is the browser phone (bridged by
    the desk); Giulia (Italian, 390 px) transfers Marco to Sara (203): the desk's REFER
    goes to Marco's phone straight, naming the PBX by its address on his transport, and
    Marco's baresip calls Sara directly. Records: Marco's call to Giulia transferred to
    203, his call to Sara transferred by 201."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    for member, number in ((marco, "202"), (sara, "203")):
        do_set_sip_password(do_provision_extension(member), PASSWORDS[number])
    marco_home, sara_home = tmp_path / "marco", tmp_path / "sara"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(marco_home, "202", PASSWORDS["202"]),
        baresip_phone(sara_home, "203", PASSWORDS["203"], SECOND_PHONE) as sara_log,
    ):
        desk = officina.running.media
        context = signed_in_context(
            media_browser, officina, giulia, locale="it-IT", viewport=PHONE_SIZE
        )
        phone = context.new_page()
        phone.goto("/phone/browser/")
        expect(phone.locator("#softphone-state")).to_have_attribute("data-state", "registered")
        command(PHONE_CTRL, "dial", f"sip:201@{HOST}:{SIP_PORT}")
        expect(phone.locator("#incoming")).to_be_visible(timeout=10_000)
        phone.click("#answer")
        expect(phone.locator("#call-state")).to_have_text("Connesso")
        assert wait_for(lambda: len(desk.relays) == 1, 10)
        wait_for_more_audio(phone, 4000)
        phone.click("#transfer-open")
        phone.fill("#transfer-number", "203")
        phone.click("#transfer-submit")
        expect(phone.locator("#in-call")).to_be_hidden(timeout=15_000)
        expect(phone.locator("#softphone-state")).to_have_text("Trasferita a 203")
        screenshot(phone, "bridged-callee-transferred-it-390")
        answered = CallRecord.objects.filter(
            caller_number="202", callee_number="203", outcome="answered"
        )
        assert wait_for(answered.exists, 15), sara_log.read_text(errors="replace")[-2000:]
        assert wait_for(lambda: not desk.relays, 10), "Marco and Sara talk directly"
        phone.wait_for_timeout(3000)
        command(PHONE_CTRL, "hangup")
        context.close()

    assert loudness(decoded_calls(sara_home)[-1]) > 300, "Sara heard Marco"
    to_giulia = CallRecord.objects.get(caller_number="202", callee_number="201")
    assert to_giulia.transferred_to == "203"
    to_sara = CallRecord.objects.get(caller_number="202", callee_number="203")
    assert to_sara.transferred_by == "201"


@pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed")
def test_the_desks_call_for_a_transfer_says_who_referred_it(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Marco's baresip transfers Giulia's browser to Sara, a SIPp phone: the INVITE the
    desk places for the transfer carries ``Referred-By: <sip:202@…>`` (RFC 3892), so
    Sara's phone can show who put the call through. The browser's hang-up ends Sara's."""
    do_provision_extension(giulia)  # 201, the browser
    do_set_sip_password(do_provision_extension(marco), PASSWORDS["202"])
    do_set_sip_password(do_provision_extension(sara), PASSWORDS["203"])
    base = port_base()
    sara_port, sara_media = base + 20, base + 30
    rows = injection_file(
        tmp_path, "203", f"[authentication username=203 password={PASSWORDS['203']}]"
    )
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(tmp_path / "marco", "202", PASSWORDS["202"]),
    ):
        sara_phone = sipp_phone(tmp_path, "uas_answer.xml", sara_port, "-mp", str(sara_media))
        register = sipp_phone(
            tmp_path,
            "register.xml", base + 21, f"{HOST}:{SIP_PORT}",
            "-key", "contact_host", HOST, "-key", "contact_port", str(sara_port),
            "-key", "expires", "300", "-inf", rows,
        )  # fmt: skip
        assert register.wait(30) == 0
        context, phone = _bridged_call(officina, media_browser, giulia)
        command(PHONE_CTRL, "transfer", f"sip:203@{HOST}:{SIP_PORT}")
        answered = CallRecord.objects.filter(callee_number="203", outcome="answered")
        assert wait_for(answered.exists, 15)
        phone.wait_for_timeout(1000)
        phone.click("#hangup")
        assert sara_phone.wait(30) == 0, sara_phone.stderr.read() if sara_phone.stderr else ""
        context.close()

    (log,) = tmp_path.glob("uas_answer_*_messages.log")
    invite = log.read_text().split("\nINVITE ", 1)[1].split("\n\n", 1)[0]
    assert re.search(r"^Referred-By: <sip:202@[^>]+>\s*$", invite, re.MULTILINE), invite
    assert CallRecord.objects.get(callee_number="203").transferred_by == "202"


@pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed")
def test_a_refer_naming_no_consultation_of_the_desks_fails_and_the_call_goes_on(
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    """Giulia's browser calls Marco, a SIPp phone, bridged by the desk; Marco's phone
    sends a REFER naming a call to replace (an attended transfer) by a Call-ID the desk
    bridges (here Marco's own call with the desk) but a dialog it does not hold (a
    to-tag no one has): the desk, which would carry out an attended transfer to a
    consultation it bridges, finds none, answers 202 and reports 481 in its NOTIFY, as
    a phone asked to replace a call it does not have would. The call goes on until
    Giulia hangs up; Giulia's browser was never referred, nothing rang."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    do_set_sip_password(do_provision_extension(marco), PASSWORDS["202"])
    base = port_base()
    marco_port, marco_media = base + 20, base + 30
    rows = injection_file(
        tmp_path, "202", f"[authentication username=202 password={PASSWORDS['202']}]"
    )
    with officina_without_rtpengine(settings) as officina:
        desk = officina.running.media
        marco_phone = sipp_phone(
            tmp_path,
            "uas_transferor_no_dialog.xml", marco_port, "-mp", str(marco_media),
            "-key", "user", "202",
            "-key", "refer_to", f"<sip:203@{HOST}:{SIP_PORT}?Replaces=",
        )  # fmt: skip
        register = sipp_phone(
            tmp_path,
            "register.xml", base + 21, f"{HOST}:{SIP_PORT}",
            "-key", "contact_host", HOST, "-key", "contact_port", str(marco_port),
            "-key", "expires", "300", "-inf", rows,
        )  # fmt: skip
        assert register.wait(30) == 0
        context, phone = open_phone(media_browser, officina, giulia)
        phone.evaluate(
            """() => officinaPhone.ua.on("newRTCSession", ({ session }) =>
                 session.on("refer", () => { window.referred = true; }))"""
        )
        phone.fill("#dial-number", "202")
        phone.click("#call")
        expect(phone.locator("#in-call")).to_be_visible(timeout=15_000)
        assert wait_for(lambda: len(desk.relays) == 1, 10)
        failed = lambda: any(  # noqa: E731
            "SIP/2.0 481" in log.read_text() for log in tmp_path.glob("uas_transferor_*.log")
        )
        assert wait_for(failed, 15), "the desk reported the transfer failed"
        phone.wait_for_timeout(1000)  # a REFER to the browser would have come by now
        expect(phone.locator("#call-state")).to_have_text("Connected")
        assert len(desk.relays) == 1, "the call goes on"
        assert phone.evaluate("window.referred") is None, "the browser was never referred"
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert marco_phone.wait(30) == 0, marco_phone.stderr.read() if marco_phone.stderr else ""
        assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
        context.close()

    record = CallRecord.objects.get(callee_number="202")
    assert (record.caller_number, record.outcome) == ("201", "answered")
    assert record.ended_at is not None
    assert record.ended_by == CallRecord.EndedBy.CALLER, "Giulia hung up, not the desk"
    assert not CallRecord.objects.filter(callee_number="203").exists(), "no call placed"
