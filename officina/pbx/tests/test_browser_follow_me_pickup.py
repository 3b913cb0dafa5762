"""Without rtpengine a follow-me and a pickup ring phones of the other media kind than the
caller's too, through a branch to the desk of the same fork, as the first ring does
(``Proxy.also_ringing``, ``BridgedBrowserCalls.branch``). Real peers: Chromium (JsSIP,
DTLS-SRTP, Opus) for the browser phones, baresip (plain RTP, G.711) and SIPp desk
phones."""

from __future__ import annotations

import shutil
import time
from typing import TYPE_CHECKING

import pytest

from officina.pbx.actions import (
    ForwardingInput,
    check_set_forwarding,
    do_provision_extension,
    do_set_sip_password,
)
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, LivePbx
from officina.pbx.tests.test_baresip import command, loudness, wait_for
from officina.pbx.tests.test_browser_calls_both_kinds import (
    BROWSER_AGENT,
    GIULIA_DESK_PASSWORD,
    SIPP_AGENT,
    _desk_phone,
)
from officina.pbx.tests.test_click_to_call_browser import officina_without_rtpengine
from officina.pbx.tests.test_ring_groups_sipp import stop
from officina.pbx.tests.test_rtpengine_calls import (
    BARESIP_PASSWORD,
    PHONE_CTRL,
    SIP_PORT,
    baresip_phone,
    decoded_calls,
    open_phone,
)
from officina.pbx.tests.test_sipp import finished, sipp
from officina.pbx.tests.test_softphone_browser import (
    audio_bytes,
    media_browser,  # noqa: F401 (a fixture)
    wait_for_more_audio,
)

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.pbx.models import Extension

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not shutil.which("baresip") or not shutil.which("sipp"), reason="baresip and SIPp"
    ),
]

MARCO_DESK_PASSWORD = "marco-desk-pw"
FOLLOW_ME_SECONDS = 5


def _three_phones(giulia: Member, marco: Member, luca: Member) -> Extension:
    """Giulia, 201: the browser phone only; Marco, 202: a SIPp desk phone; Luca, 203: a
    baresip. Giulia and Marco work at Studio Rossi. Marco's extension is returned."""
    do_provision_extension(giulia)
    extension = do_provision_extension(marco)
    do_set_sip_password(extension, MARCO_DESK_PASSWORD)
    do_set_sip_password(do_provision_extension(luca), BARESIP_PASSWORD)
    return extension


def test_a_follow_me_from_a_desk_phone_call_rings_a_browser_only_colleague(
    media_browser,  # noqa: F811
    giulia,
    marco,
    luca,
    settings,
    tmp_path,
):
    """Luca's baresip calls Marco, whose SIPp desk phone rings and whose follow-me rings
    Giulia (the browser phone only) after 5 seconds. Her browser rings then, through the
    desk, and she answers: Marco's desk phone gets the CANCEL, Giulia and Luca hear each
    other through the desk's bridge, she hangs up. One record: Luca's call to Marco,
    answered by the browser phone, both devices rung."""
    from playwright.sync_api import expect

    check_set_forwarding(
        _three_phones(giulia, marco, luca),
        ForwardingInput(follow_me="201", follow_me_seconds=FOLLOW_ME_SECONDS),
    )
    home = tmp_path / "luca"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(home, "203", BARESIP_PASSWORD) as log,
    ):
        desk_phone = _desk_phone(
            officina, tmp_path, "uas_ring_until_cancel.xml", "202", MARCO_DESK_PASSWORD
        )
        try:
            desk = officina.running.media
            context, phone = open_phone(media_browser, officina, giulia)
            dialled = time.monotonic()
            command(PHONE_CTRL, "dial", f"sip:202@{HOST}:{SIP_PORT}")
            expect(phone.locator("#incoming")).to_be_visible(timeout=15_000)
            waited = time.monotonic() - dialled
            assert waited >= FOLLOW_ME_SECONDS - 0.5, f"the browser rang after {waited:.1f} s"
            expect(phone.locator("#incoming-number")).to_have_text("203")
            assert desk_phone.poll() is None, "Marco's desk phone rings on"
            phone.click("#answer")
            expect(phone.locator("#call-state")).to_have_text("Connected")
            assert desk_phone.wait(15) == 0, "Marco's desk phone got its CANCEL"
            assert wait_for(lambda: len(desk.relays) == 1, 10)
            (relay,) = desk.relays
            wait_for_more_audio(phone, 8000)  # a second of Luca's tone and more
            phone.wait_for_timeout(1500)  # and baresip hears the browser meanwhile
            assert relay.relayed["to_onward"] > 50 and relay.relayed["to_caller"] > 50
            phone.click("#hangup")
            expect(phone.locator("#in-call")).to_be_hidden()
            assert wait_for(lambda: not desk.relays and not desk.ports.in_use, 5)
            ended = lambda: "terminated" in log.read_text(errors="replace")  # noqa: E731
            assert wait_for(ended, 5), log.read_text(errors="replace")[-2000:]
            context.close()
        finally:
            stop(desk_phone)

    (decoded,) = decoded_calls(home)
    assert loudness(decoded) > 300, log.read_text(errors="replace")[-2000:]
    record = CallRecord.objects.get()
    assert (record.caller_number, record.callee_number) == ("203", "202")
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.answered_by == BROWSER_AGENT
    assert sorted(record.devices_rung) == sorted([BROWSER_AGENT, SIPP_AGENT])
    assert record.ended_by == CallRecord.EndedBy.CALLEE


@pytest.mark.parametrize("pickup_code", ["*8", "**202", "** 202"])
def test_a_colleague_picks_up_from_the_browser_a_plain_call_ringing_a_desk_phone(
    media_browser,  # noqa: F811
    giulia,
    marco,
    luca,
    settings,
    tmp_path,
    pickup_code,
):
    """Luca's baresip calls Marco's SIPp desk phone; Giulia, his colleague with the
    browser phone only, dials *8 (any call ringing in the company) or **202 (the call
    ringing on Marco's 202, typed with a space or not). Her browser is rung through the
    desk with the call and answers it by itself (the pickup's Answer-Mode on the desk's
    call); Marco's desk phone gets the CANCEL, completed elsewhere; Giulia and Luca hear
    each other through the desk's bridge; Luca hangs up. One record: Luca's call to
    Marco, picked up by Giulia on the browser phone."""
    from playwright.sync_api import expect

    _three_phones(giulia, marco, luca)
    home = tmp_path / "luca"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(home, "203", BARESIP_PASSWORD) as log,
    ):
        desk_phone = _desk_phone(
            officina, tmp_path, "uas_ring_answered_elsewhere.xml", "202", MARCO_DESK_PASSWORD
        )
        try:
            desk = officina.running.media
            proxy = officina.running.server.proxy
            context, phone = open_phone(media_browser, officina, giulia)
            command(PHONE_CTRL, "dial", f"sip:202@{HOST}:{SIP_PORT}")
            ringing = lambda: any(c.branches for c in list(proxy.contexts.values()))  # noqa: E731
            assert wait_for(ringing, 10), "Marco's desk phone rings"
            phone.fill("#dial-number", pickup_code)
            phone.click("#call")
            expect(phone.locator("#call-state")).to_have_text("Connected", timeout=15_000)
            expect(phone.locator("#incoming")).to_be_hidden()
            assert desk_phone.wait(15) == 0, "Marco's desk phone got its CANCEL"
            assert wait_for(lambda: len(desk.relays) == 1, 10)
            (relay,) = desk.relays
            received, _sent = audio_bytes(phone)
            wait_for_more_audio(phone, received + 8000)  # a second of Luca's tone and more
            phone.wait_for_timeout(1500)  # and baresip hears the browser meanwhile
            assert relay.relayed["to_onward"] > 50 and relay.relayed["to_caller"] > 50
            command(PHONE_CTRL, "hangup")
            expect(phone.locator("#in-call")).to_be_hidden(timeout=10_000)
            assert wait_for(lambda: not desk.relays and not desk.ports.in_use, 5)
            context.close()
        finally:
            stop(desk_phone)

    (decoded,) = decoded_calls(home)
    assert loudness(decoded) > 300, log.read_text(errors="replace")[-2000:]
    record = CallRecord.objects.get()
    assert (record.caller_number, record.callee_number) == ("203", "202")
    assert record.outcome == CallRecord.Outcome.PICKED_UP
    assert record.callee is not None and record.callee.number == "201"
    assert record.answered_by == BROWSER_AGENT
    assert sorted(record.devices_rung) == sorted([BROWSER_AGENT, SIPP_AGENT])
    assert record.ended_by == CallRecord.EndedBy.CALLER


def test_a_colleague_picks_up_from_a_desk_phone_a_browsers_call(
    media_browser,  # noqa: F811
    giulia,
    marco,
    luca,
    settings,
    tmp_path,
):
    """Luca's browser calls Marco, whose browser phone rings; Giulia, his colleague with
    SIPp desk phones only, dials *8 from one of them. Her phones are rung through the desk
    (the caller's offer is WebRTC) with Answer-Mode: Auto and answer-after=0 on the desk's
    call, which the SIPp phone requires, and it answers: Marco's popup goes, Luca's
    browser is connected (through the desk's bridge), Luca hangs up and the phone gets the
    BYE. One record: Luca's call to Marco, picked up by Giulia's desk phone."""
    from playwright.sync_api import expect

    do_set_sip_password(do_provision_extension(giulia), GIULIA_DESK_PASSWORD)  # 201, SIPp
    do_provision_extension(marco)  # 202, the browser
    do_provision_extension(luca)  # 203, the browser
    with officina_without_rtpengine(settings) as officina:
        pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
        giulia_phone = _desk_phone(
            officina, tmp_path, "uas_auto_answer.xml", "201", GIULIA_DESK_PASSWORD
        )
        try:
            desk = officina.running.media
            marco_context, marco_phone = open_phone(media_browser, officina, marco)
            context, phone = open_phone(media_browser, officina, luca)
            phone.fill("#dial-number", "202")
            phone.click("#call")
            expect(marco_phone.locator("#incoming")).to_be_visible(timeout=10_000)
            picking = tmp_path / "picking"
            picking.mkdir()
            credentials = f"[authentication username=201 password={GIULIA_DESK_PASSWORD}]"
            picker = sipp(
                picking, "uac_pickup.xml", pbx, officina.sip_port + 8, "-m", "1",
                rows=[f"201;{credentials};*8"],
            )  # fmt: skip
            assert finished(picker, picking) == 0, "480 Call Picked Up to Giulia's *8"
            expect(phone.locator("#call-state")).to_have_text("Connected", timeout=15_000)
            expect(marco_phone.locator("#incoming")).to_be_hidden()
            assert wait_for(lambda: len(desk.relays) == 1, 10), "bridged by the desk"
            phone.click("#hangup")
            expect(phone.locator("#in-call")).to_be_hidden()
            assert giulia_phone.wait(15) == 0, "Giulia's phone answered with the headers, then BYE"
            assert wait_for(lambda: not desk.relays and not desk.ports.in_use, 5)
            context.close()
            marco_context.close()
        finally:
            stop(giulia_phone)

    record = CallRecord.objects.get()
    assert (record.caller_number, record.callee_number) == ("203", "202")
    assert record.outcome == CallRecord.Outcome.PICKED_UP
    assert record.callee is not None and record.callee.number == "201"
    assert record.answered_by == SIPP_AGENT
    assert sorted(record.devices_rung) == sorted([BROWSER_AGENT, SIPP_AGENT])
    assert record.ended_by == CallRecord.EndedBy.CALLER
