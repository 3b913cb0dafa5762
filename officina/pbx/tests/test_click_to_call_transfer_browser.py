"""The browser's blind transfer in a click-to-call the desk bridges (no rtpengine), with
real peers: Chromium (JsSIP, DTLS-SRTP, Opus) for Giulia's browser phone, which answers
her click-to-call; the target a baresip (plain RTP, which takes a REFER and reports in
NOTIFYs) or a SIPp phone that refuses REFER; the transfer target a second baresip.

The desk holds two dialogs, one with the browser and one with the target, so it cannot
relay the browser's REFER: it sends the target a REFER of its own naming the same number
(``browser_referrals.py``), and passes the target's answer and NOTIFYs back."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from officina.api.actions import do_create_api_token
from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, port_base
from officina.pbx.tests.test_baresip import command, loudness, wait_for
from officina.pbx.tests.test_click_to_call import api, follow
from officina.pbx.tests.test_click_to_call_browser import officina_without_rtpengine
from officina.pbx.tests.test_rtpengine_calls import (
    PHONE_CTRL,
    SECOND_PHONE,
    SIP_PORT,
    SIPP,
    baresip_phone,
    decoded_calls,
    injection_file,
    open_phone,
    sipp_phone,
)
from officina.pbx.tests.test_softphone_browser import (
    media_browser,  # noqa: F401 (a fixture)
    wait_for_more_audio,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
]

PASSWORDS = {"202": "marco-c2c-pw", "203": "sara-c2c-pw"}


def _answered_click_to_call(
    officina: Any, browser: Any, giulia: Any, token: str, *, target_sends: bool = True
) -> tuple[Any, Any, str]:
    """Giulia clicks 202, answers in her browser phone, and the desk bridges her to the
    target (whose audio she hears, when it ``target_sends`` any); returns (the browser
    context, the phone's page, the call's ticket)."""
    from playwright.sync_api import expect

    context, phone = open_phone(browser, officina, giulia)
    status, placed = api(officina, token, "/phone/calls", {"target": "202"})
    assert status == 201, placed
    expect(phone.locator("#incoming")).to_be_visible()
    phone.click("#answer")
    assert follow(officina, token, placed["ticket"], "connected", 15) == "connected"
    assert wait_for(lambda: len(officina.running.media.relays) == 1, 10)
    if target_sends:
        wait_for_more_audio(phone, 4000)  # the target's audio, through the desk
    return context, phone, placed["ticket"]


@pytest.mark.skipif(not shutil.which("baresip"), reason="baresip is needed")
def test_the_browser_transfers_the_target_of_its_bridged_click_to_call_blind(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Giulia's click-to-call to Marco's baresip is answered in her browser and bridged
    by the desk; she transfers Marco to Sara (203). The desk sends Marco's phone a REFER
    of its own, Marco's baresip calls Sara directly and they hear each other; the
    browser sees the NOTIFYs' progress and its call ends with *Transferred to 203*; the
    desk relays nothing afterwards. Records: Giulia's call to Marco transferred to 203,
    Marco's call to Sara transferred by 201."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    for member, number in ((marco, "202"), (sara, "203")):
        do_set_sip_password(do_provision_extension(member), PASSWORDS[number])
    _key, token = do_create_api_token(giulia, "click-to-call")
    marco_home, sara_home = tmp_path / "marco", tmp_path / "sara"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(marco_home, "202", PASSWORDS["202"]) as marco_log,
        baresip_phone(sara_home, "203", PASSWORDS["203"], SECOND_PHONE) as sara_log,
    ):
        desk = officina.running.media
        context, phone, ticket = _answered_click_to_call(officina, media_browser, giulia, token)
        phone.click("#transfer-open")
        phone.fill("#transfer-number", "203")
        phone.click("#transfer-submit")
        expect(phone.locator("#in-call")).to_be_hidden(timeout=15_000)
        expect(phone.locator("#softphone-state")).to_have_text("Transferred to 203")
        answered = CallRecord.objects.filter(
            caller_number="202", callee_number="203", outcome="answered"
        )
        assert wait_for(answered.exists, 15), sara_log.read_text(errors="replace")[-2000:]
        assert follow(officina, token, ticket, "ended", 10) == "ended"
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


@pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed")
@pytest.mark.parametrize("refusal", ["405 Method Not Allowed", "501 Not Implemented"])
def test_a_target_refusing_the_desks_refer_keeps_the_click_to_call(
    refusal,
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    """Marco's phone (SIPp, as a provider's gateway may) refuses REFER: the desk's REFER
    on Giulia's behalf gets ``refusal``, which is the browser's answer too. The browser
    says the call cannot be transferred, the call goes on through the desk until Giulia
    hangs up, and the record says nothing was transferred."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    do_set_sip_password(do_provision_extension(marco), PASSWORDS["202"])
    _key, token = do_create_api_token(giulia, "click-to-call")
    base = port_base()
    marco_port, marco_media = base + 20, base + 30
    rows = injection_file(
        tmp_path, "202", f"[authentication username=202 password={PASSWORDS['202']}]"
    )
    scenario = tmp_path / "uas_refer_refused.xml"
    scenario.write_text(
        (SIPP / "uas_refer_refused.xml").read_text().replace("405 Method Not Allowed", refusal)
    )
    with officina_without_rtpengine(settings) as officina:
        desk = officina.running.media
        marco_phone = sipp_phone(tmp_path, str(scenario), marco_port, "-mp", str(marco_media))
        register = sipp_phone(
            tmp_path,
            "register.xml", base + 21, f"{HOST}:{SIP_PORT}",
            "-key", "contact_host", HOST, "-key", "contact_port", str(marco_port),
            "-key", "expires", "300", "-inf", rows,
        )  # fmt: skip
        assert register.wait(30) == 0
        context, phone, ticket = _answered_click_to_call(
            officina, media_browser, giulia, token, target_sends=False
        )
        (relay,) = desk.relays
        phone.click("#transfer-open")
        phone.fill("#transfer-number", "203")
        phone.click("#transfer-submit")
        expect(phone.locator("#transfer-status")).to_have_text(
            "This call cannot be transferred; it is still yours.", timeout=15_000
        )
        expect(phone.locator("#in-call")).to_be_visible()
        expect(phone.locator("#transfer-submit")).to_be_enabled()
        relayed = relay.relayed["to_onward"]
        assert wait_for(lambda: relay.relayed["to_onward"] > relayed + 25, 5), "still relayed"
        assert desk.relays == {relay}, "the call goes on"
        assert follow(officina, token, ticket, "connected", 1) == "connected"
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert marco_phone.wait(30) == 0, marco_phone.stderr.read() if marco_phone.stderr else ""
        assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
        context.close()

    (log,) = tmp_path.glob("uas_refer_refused_*_messages.log")
    said = log.read_text()
    assert "Referred-By: <sip:201@" in said, "the REFER is on Giulia's behalf"
    assert f"SIP/2.0 {refusal}" in said
    record = CallRecord.objects.get(callee_number="202")
    assert (record.caller_number, record.outcome) == ("201", "answered")
    assert record.transferred_to == ""
