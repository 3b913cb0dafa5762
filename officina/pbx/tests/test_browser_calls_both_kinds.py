"""Without rtpengine a member with phones of both media kinds has all of them rung: those
that speak the caller's media directly, the others through the desk's bridge, as one more
branch of the same fork (``Proxy._with_desk_branches``, ``BridgedBrowserCalls.branch``).
Real peers: Chromium (JsSIP, DTLS-SRTP, Opus) for the browser phones, baresip (plain
RTP, G.711) and SIPp desk phones."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, LivePbx
from officina.pbx.tests.test_baresip import command, loudness, wait_for
from officina.pbx.tests.test_click_to_call_browser import officina_without_rtpengine
from officina.pbx.tests.test_ring_groups_sipp import start_phone, stop
from officina.pbx.tests.test_rtpengine_calls import (
    BARESIP_PASSWORD,
    PHONE_CTRL,
    SIP_PORT,
    baresip_phone,
    decoded_calls,
    open_phone,
)
from officina.pbx.tests.test_softphone_browser import (
    audio_bytes,
    media_browser,  # noqa: F401 (a fixture)
    wait_for_more_audio,
)
from officina.voicemail.actions import check_update_box, do_open_box

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.pbx.models import Extension
    from officina.pbx.tests.livepbx import LiveOfficina

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not shutil.which("baresip") or not shutil.which("sipp"), reason="baresip and SIPp"
    ),
]

BROWSER_AGENT = "Officina browser phone (JsSIP)"
SIPP_AGENT = "SIPp register"  # what the SIPp phones register with
GIULIA_DESK_PASSWORD = "giulia-desk-pw"


def _giulia_with_a_desk_phone_too(giulia: Member, marco: Member) -> Extension:
    """Giulia, 201: the browser phone and a SIPp desk phone; Marco, 202: a baresip.
    Giulia's extension is returned."""
    extension = do_provision_extension(giulia)
    do_set_sip_password(extension, GIULIA_DESK_PASSWORD)
    do_set_sip_password(do_provision_extension(marco), BARESIP_PASSWORD)
    return extension


def _desk_phone(
    officina: LiveOfficina, tmp_path: Path, scenario: str, number: str, password: str, *options: str
) -> subprocess.Popen[bytes]:
    pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
    phone: subprocess.Popen[bytes] = start_phone(
        tmp_path / f"desk-{number}", scenario, pbx, officina.sip_port + 4, number, password,
        "-timeout", "60s", *options,
    )  # fmt: skip
    return phone


def test_a_plain_call_rings_the_browser_and_the_desk_phone_and_the_browser_answers(
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    """Marco's baresip calls Giulia, who has a SIPp desk phone and the browser phone: both
    ring (the desk phone directly, the browser through the desk). The browser answers:
    the desk phone gets the CANCEL, both hear each other through the desk's bridge, and
    Giulia hangs up. One record: Marco's call to Giulia, answered by the browser phone,
    both devices rung, ended by Giulia."""
    from playwright.sync_api import expect

    _giulia_with_a_desk_phone_too(giulia, marco)
    home = tmp_path / "marco"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(home, "202", BARESIP_PASSWORD) as log,
    ):
        desk_phone = _desk_phone(
            officina, tmp_path, "uas_ring_until_cancel.xml", "201", GIULIA_DESK_PASSWORD
        )
        try:
            desk = officina.running.media
            context, phone = open_phone(media_browser, officina, giulia)
            command(PHONE_CTRL, "dial", f"sip:201@{HOST}:{SIP_PORT}")
            expect(phone.locator("#incoming")).to_be_visible(timeout=10_000)
            expect(phone.locator("#incoming-number")).to_have_text("202")
            assert desk_phone.poll() is None, "the desk phone rings on"
            phone.click("#answer")
            expect(phone.locator("#call-state")).to_have_text("Connected")
            assert desk_phone.wait(15) == 0, "the desk phone got its CANCEL"
            assert wait_for(lambda: len(desk.relays) == 1, 10)
            (relay,) = desk.relays
            wait_for_more_audio(phone, 8000)  # a second of audio and more, from baresip
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
    assert (record.caller_number, record.callee_number) == ("202", "201")
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.answered_by == BROWSER_AGENT
    assert sorted(record.devices_rung) == sorted([BROWSER_AGENT, SIPP_AGENT])
    assert record.ended_by == CallRecord.EndedBy.CALLEE


def test_a_plain_call_answered_on_the_desk_phone_takes_the_browsers_popup_away(
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    """Marco's baresip calls Giulia; her browser shows the call while her SIPp desk phone
    rings, which answers: the browser's popup goes (the desk's call to it is cancelled),
    nothing is left bridging; Marco hangs up and the desk phone gets the BYE. One record:
    answered by the desk phone, ended by Marco."""
    from playwright.sync_api import expect

    _giulia_with_a_desk_phone_too(giulia, marco)
    home = tmp_path / "marco"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(home, "202", BARESIP_PASSWORD),
    ):
        desk_phone = _desk_phone(
            officina, tmp_path, "uas_answer_after_ringing.xml", "201", GIULIA_DESK_PASSWORD,
            "-d", "4000",
        )  # fmt: skip
        try:
            desk = officina.running.media
            bridges = officina.running.server.proxy.browser_bridges
            assert bridges is not None
            context, phone = open_phone(media_browser, officina, giulia)
            command(PHONE_CTRL, "dial", f"sip:201@{HOST}:{SIP_PORT}")
            expect(phone.locator("#incoming")).to_be_visible(timeout=10_000)
            expect(phone.locator("#incoming")).to_be_hidden(timeout=10_000)  # answered there
            expect(phone.locator("#in-call")).to_be_hidden()
            assert wait_for(lambda: not bridges.calls and not desk.ports.in_use, 5)
            command(PHONE_CTRL, "hangup")
            assert desk_phone.wait(15) == 0, "the desk phone got Marco's BYE"
            context.close()
        finally:
            stop(desk_phone)

    record = CallRecord.objects.get()
    assert (record.caller_number, record.callee_number) == ("202", "201")
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.answered_by == SIPP_AGENT
    assert sorted(record.devices_rung) == sorted([BROWSER_AGENT, SIPP_AGENT])
    assert record.ended_by == CallRecord.EndedBy.CALLER


def test_a_plain_call_nobody_answers_goes_to_voicemail_once(
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    """Marco's baresip calls Giulia, whose browser and SIPp desk phone both ring and
    neither answers: after her voicemail's seconds both are cancelled (the popup goes, the
    desk phone gets the CANCEL) and Marco is put through to her voicemail once, which
    answers him. One record, to her voicemail."""
    from playwright.sync_api import expect

    box = do_open_box(_giulia_with_a_desk_phone_too(giulia, marco))
    check_update_box(box, enabled=True, ring_seconds=6, email_messages=False)
    home = tmp_path / "marco"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(home, "202", BARESIP_PASSWORD) as log,
    ):
        desk_phone = _desk_phone(
            officina, tmp_path, "uas_ring_until_cancel.xml", "201", GIULIA_DESK_PASSWORD
        )
        try:
            desk = officina.running.media
            bridges = officina.running.server.proxy.browser_bridges
            assert bridges is not None
            context, phone = open_phone(media_browser, officina, giulia)
            command(PHONE_CTRL, "dial", f"sip:201@{HOST}:{SIP_PORT}")
            expect(phone.locator("#incoming")).to_be_visible(timeout=10_000)
            expect(phone.locator("#incoming")).to_be_hidden(timeout=15_000)
            assert desk_phone.wait(15) == 0, "the desk phone got its CANCEL"
            established = lambda: "established" in log.read_text(errors="replace")  # noqa: E731
            assert wait_for(established, 10), log.read_text(errors="replace")[-2000:]
            assert wait_for(lambda: len(desk.dialogs) == 1, 5), "the voicemail's call"
            assert not bridges.calls, "nothing bridged"
            command(PHONE_CTRL, "hangup")
            assert wait_for(lambda: not desk.dialogs, 5), "the voicemail's call ended"
            context.close()
        finally:
            stop(desk_phone)

    record = CallRecord.objects.get()
    assert (record.caller_number, record.callee_number) == ("202", "201")
    assert record.voicemail
    assert sorted(record.devices_rung) == sorted([BROWSER_AGENT, SIPP_AGENT])


def test_a_browsers_call_rings_the_callees_browser_and_plain_phone(
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    """Giulia's browser calls Marco, who has a baresip and the browser phone: both ring
    (his browser directly, the baresip through the desk). The baresip answers: Marco's
    browser stops ringing, Giulia and the baresip hear each other through the desk's
    bridge; Giulia hangs up. One record: Giulia's call to Marco, answered by baresip, both
    of his devices rung."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    do_set_sip_password(do_provision_extension(marco), BARESIP_PASSWORD)  # 202
    home = tmp_path / "marco"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(home, "202", BARESIP_PASSWORD) as log,
    ):
        desk = officina.running.media
        marco_context, marco_phone = open_phone(media_browser, officina, marco)
        context, phone = open_phone(media_browser, officina, giulia)
        phone.fill("#dial-number", "202")
        phone.click("#call")
        expect(phone.locator("#call-state")).to_have_text("Connected", timeout=15_000)
        assert wait_for(lambda: len(desk.relays) == 1, 10)
        (relay,) = desk.relays
        expect(marco_phone.locator("#incoming")).to_be_hidden()
        expect(marco_phone.locator("#in-call")).to_be_hidden()
        received, _sent = audio_bytes(phone)
        wait_for_more_audio(phone, received + 8000)  # a second of baresip's tone and more
        phone.wait_for_timeout(1500)  # and baresip hears the browser meanwhile
        assert relay.relayed["to_onward"] > 50 and relay.relayed["to_caller"] > 50
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert wait_for(lambda: not desk.relays and not desk.ports.in_use, 5)
        ended = lambda: "terminated" in log.read_text(errors="replace")  # noqa: E731
        assert wait_for(ended, 5), log.read_text(errors="replace")[-2000:]
        context.close()
        marco_context.close()

    (decoded,) = decoded_calls(home)
    assert loudness(decoded) > 300, log.read_text(errors="replace")[-2000:]
    record = CallRecord.objects.get()
    assert (record.caller_number, record.callee_number) == ("201", "202")
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.answered_by.startswith("baresip")
    assert sorted(record.devices_rung) == sorted([BROWSER_AGENT, record.answered_by])
    assert record.ended_by == CallRecord.EndedBy.CALLER


def test_each_step_of_a_hunt_group_rings_the_phones_of_both_kinds(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    studio_rossi,
    settings,
    tmp_path,
):
    """Sara's baresip calls Studio Rossi's hunt group (Giulia, then Marco, 5 seconds
    each). Giulia's step rings her SIPp desk phone and her browser phone; neither answers,
    and both are cancelled as the hunt moves on (her popup goes, the desk phone gets the
    CANCEL). Marco's step is his browser phone only, through the desk: he answers and
    hears Sara. One record: Sara's call to the group, taken by Marco on the browser
    phone, every device of both steps rung."""
    from playwright.sync_api import expect

    from officina.ringgroups.actions import RingGroupInput, check_save_ring_group

    _giulia_with_a_desk_phone_too(giulia, marco)  # 201 and 202 (Marco: the browser here)
    do_set_sip_password(do_provision_extension(sara), BARESIP_PASSWORD)  # 203, baresip
    check_save_ring_group(
        studio_rossi,
        RingGroupInput(
            name="Reception", number="600", strategy="hunt", ring_seconds=5,
            member_ids=[giulia.pk, marco.pk],
        ),
    )  # fmt: skip
    home = tmp_path / "sara"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(home, "203", BARESIP_PASSWORD) as log,
    ):
        desk_phone = _desk_phone(
            officina, tmp_path, "uas_ring_until_cancel.xml", "201", GIULIA_DESK_PASSWORD
        )
        try:
            desk = officina.running.media
            giulia_context, giulia_phone = open_phone(media_browser, officina, giulia)
            marco_context, marco_phone = open_phone(media_browser, officina, marco)
            command(PHONE_CTRL, "dial", f"sip:600@{HOST}:{SIP_PORT}")
            expect(giulia_phone.locator("#incoming")).to_be_visible(timeout=10_000)
            assert desk_phone.poll() is None, "Giulia's desk phone rings too"
            expect(marco_phone.locator("#incoming")).to_be_visible(timeout=15_000)
            expect(giulia_phone.locator("#incoming")).to_be_hidden()
            assert desk_phone.wait(5) == 0, "Giulia's desk phone got its CANCEL"
            marco_phone.click("#answer")
            expect(marco_phone.locator("#call-state")).to_have_text("Connected")
            assert wait_for(lambda: len(desk.relays) == 1, 10)
            wait_for_more_audio(marco_phone, 8000)  # a second of Sara's tone and more
            marco_phone.click("#hangup")
            expect(marco_phone.locator("#in-call")).to_be_hidden()
            assert wait_for(lambda: not desk.relays and not desk.ports.in_use, 5)
            ended = lambda: "terminated" in log.read_text(errors="replace")  # noqa: E731
            assert wait_for(ended, 5), log.read_text(errors="replace")[-2000:]
            giulia_context.close()
            marco_context.close()
        finally:
            stop(desk_phone)

    record = CallRecord.objects.get()
    assert (record.caller_number, record.callee_number) == ("203", "600")
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.callee is not None and record.callee.number == "202"
    assert record.answered_by == BROWSER_AGENT
    assert sorted(record.devices_rung) == sorted([BROWSER_AGENT, SIPP_AGENT, BROWSER_AGENT])


def test_a_click_to_call_rings_the_targets_phones_of_both_kinds(
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    """Giulia asks for a call to Marco through the API; her baresip answers, and Marco's
    SIPp desk phone and browser phone both ring (the browser through the desk's branch).
    His browser answers: the desk phone gets the CANCEL, and Giulia's baresip hears
    Marco's browser through the desk."""
    from playwright.sync_api import expect

    from officina.api.actions import do_create_api_token
    from officina.pbx.tests.test_click_to_call import api, follow

    do_set_sip_password(do_provision_extension(giulia), BARESIP_PASSWORD)  # 201, baresip
    do_set_sip_password(do_provision_extension(marco), "marco-desk-pw")  # 202, both kinds
    _key, token = do_create_api_token(giulia, "click-to-call")
    home = tmp_path / "giulia"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(home, "201", BARESIP_PASSWORD) as log,
    ):
        desk_phone = _desk_phone(
            officina, tmp_path, "uas_ring_until_cancel.xml", "202", "marco-desk-pw"
        )
        try:
            desk = officina.running.media
            context, phone = open_phone(media_browser, officina, marco)
            status, placed = api(officina, token, "/phone/calls", {"target": "202"})
            assert status == 201, placed
            expect(phone.locator("#incoming")).to_be_visible(timeout=15_000)
            assert desk_phone.poll() is None, "Marco's desk phone rings too"
            phone.click("#answer")
            assert follow(officina, token, placed["ticket"], "connected", 15) == "connected"
            assert desk_phone.wait(15) == 0, "the desk phone got its CANCEL"
            assert wait_for(lambda: len(desk.relays) == 1, 10)
            wait_for_more_audio(phone, 8000)  # a second of Giulia's tone and more
            phone.wait_for_timeout(1500)  # and the baresip hears the browser meanwhile
            phone.click("#hangup")
            assert follow(officina, token, placed["ticket"], "ended", 10) == "ended"
            assert wait_for(lambda: not desk.relays and not desk.ports.in_use, 5)
            context.close()
        finally:
            stop(desk_phone)

    (decoded,) = decoded_calls(home)
    assert loudness(decoded) > 300, log.read_text(errors="replace")[-2000:]
    record = CallRecord.objects.get(callee_number="202")
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.answered_by == BROWSER_AGENT
    assert sorted(record.devices_rung) == sorted([BROWSER_AGENT, SIPP_AGENT])
