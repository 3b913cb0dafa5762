"""Without rtpengine a browser's call to plain phones is bridged by the desk
(``bridged_calls.py``), with real peers: Chromium (JsSIP, DTLS-SRTP, Opus) for the member
calling, a baresip (plain RTP, G.711) or a SIPp desk phone for the callee."""

from __future__ import annotations

import shutil
import subprocess

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

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.skipif(not shutil.which("baresip"), reason="baresip is needed")
def test_a_browsers_call_to_a_plain_phone_is_bridged_by_the_desk(
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    """Giulia's browser phone dials Marco's extension, whose only phone is a baresip: the
    desk answers the browser once baresip has answered and relays between them. Both hear
    each other; a hold from the browser plays music to Marco and the resume brings the
    voice back; Marco hangs up and the browser's call ends; one record, Giulia's call to
    Marco, answered, ended by Marco; every media port is freed."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    do_set_sip_password(do_provision_extension(marco), BARESIP_PASSWORD)  # 202, baresip
    home = tmp_path / "marco"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(home, "202", BARESIP_PASSWORD) as log,
    ):
        desk = officina.running.media
        context, phone = open_phone(media_browser, officina, giulia)
        phone.fill("#dial-number", "202")
        phone.click("#call")
        expect(phone.locator("#in-call")).to_be_visible(timeout=15_000)
        assert wait_for(lambda: len(desk.relays) == 1, 10)
        (relay,) = desk.relays
        wait_for_more_audio(phone, 8000)  # a second of audio and more, from baresip
        phone.wait_for_timeout(1500)  # and baresip hears the browser meanwhile
        assert relay.relayed["to_onward"] > 50 and relay.relayed["to_caller"] > 50
        # A key from the dial pad: the browser sends it in an INFO, the desk on to Marco.
        phone.click(".dialpad [data-key='5']")
        heard_key = "received event: '5'"  # baresip's RFC 4733 event
        assert wait_for(lambda: heard_key in log.read_text(errors="replace"), 5)

        phone.click("#hold")
        expect(phone.locator("#hold")).to_have_text("Resume")
        assert wait_for(lambda: relay.holding == {"caller"}, 5)
        assert wait_for(lambda: relay.music_sent["to_onward"] > 25, 5), "Marco hears music"
        phone.click("#hold")
        expect(phone.locator("#hold")).to_have_text("Hold")
        assert wait_for(lambda: not relay.holding, 5)
        received, _sent = audio_bytes(phone)
        wait_for_more_audio(phone, received + 4000)  # Marco's voice is back

        command(PHONE_CTRL, "hangup")
        expect(phone.locator("#in-call")).to_be_hidden(timeout=10_000)
        assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        context.close()

    (decoded,) = decoded_calls(home)
    assert loudness(decoded) > 300, log.read_text(errors="replace")[-2000:]
    record = CallRecord.objects.get()
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert (record.caller_number, record.callee_number) == ("201", "202")
    assert record.ended_by == CallRecord.EndedBy.CALLEE


@pytest.mark.skipif(not shutil.which("baresip"), reason="baresip is needed")
def test_a_plain_phones_call_to_a_member_on_the_browser_phone_is_bridged_by_the_desk(
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    """Marco's baresip calls Giulia, whose only phone is the browser phone: the desk calls
    the browser without an offer, answers the browser's in the ACK and Marco's in his 200,
    and relays. The incoming call names Marco; both hear each other; Giulia hangs up and
    Marco's call ends. One record: Marco's call to Giulia, answered, ended by Giulia."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    do_set_sip_password(do_provision_extension(marco), BARESIP_PASSWORD)  # 202, baresip
    home = tmp_path / "marco"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(home, "202", BARESIP_PASSWORD) as log,
    ):
        desk = officina.running.media
        context, phone = open_phone(media_browser, officina, giulia)
        command(PHONE_CTRL, "dial", f"sip:201@{HOST}:{SIP_PORT}")
        expect(phone.locator("#incoming")).to_be_visible(timeout=10_000)
        expect(phone.locator("#incoming-number")).to_have_text("202")
        phone.click("#answer")
        expect(phone.locator("#call-state")).to_have_text("Connected")
        assert wait_for(lambda: len(desk.relays) == 1, 10)
        (relay,) = desk.relays
        wait_for_more_audio(phone, 8000)  # a second of audio and more, from baresip
        phone.wait_for_timeout(1500)  # and baresip hears the browser meanwhile
        assert relay.relayed["to_onward"] > 50 and relay.relayed["to_caller"] > 50
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        ended = lambda: "terminated" in log.read_text(errors="replace")  # noqa: E731
        assert wait_for(ended, 5), log.read_text(errors="replace")[-2000:]
        context.close()

    (decoded,) = decoded_calls(home)
    assert loudness(decoded) > 300, log.read_text(errors="replace")[-2000:]
    # The record's end is written by the PBX's batch of closing updates, after the BYE.
    assert wait_for(lambda: CallRecord.objects.exclude(ended_by="").exists(), 5)
    record = CallRecord.objects.get()
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert (record.caller_number, record.callee_number) == ("202", "201")
    assert record.ended_by == CallRecord.EndedBy.CALLEE


@pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed")
def test_a_browsers_call_to_a_busy_plain_phone_goes_to_the_callees_voicemail(
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    """Marco's only phone, a SIPp desk phone, answers busy: the desk's call on Giulia's
    behalf goes to Marco's voicemail, as any call does, and Giulia's browser is put
    through to it (the greeting is heard); she hangs up. One record: her call to Marco,
    to his voicemail."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    box_owner = do_provision_extension(marco)  # 202, the SIPp desk phone
    do_set_sip_password(box_owner, "marco-desk-pw")
    box = do_open_box(box_owner)
    check_update_box(box, enabled=True, ring_seconds=10, email_messages=False)
    with officina_without_rtpengine(settings) as officina:
        pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
        marco_desk: subprocess.Popen[bytes] = start_phone(
            tmp_path / "marco", "uas_busy.xml", pbx, officina.sip_port + 4, "202",
            "marco-desk-pw", "-timeout", "60s",
        )  # fmt: skip
        try:
            desk = officina.running.media
            context, phone = open_phone(media_browser, officina, giulia)
            phone.fill("#dial-number", "202")
            phone.click("#call")
            expect(phone.locator("#in-call")).to_be_visible(timeout=15_000)
            assert wait_for(lambda: len(desk.relays) == 1, 10)
            received, _sent = audio_bytes(phone)
            wait_for_more_audio(phone, received + 4000)  # the greeting, through the desk
            phone.click("#hangup")
            assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
            context.close()
        finally:
            stop(marco_desk)
    record = CallRecord.objects.get()
    assert (record.caller_number, record.callee_number) == ("201", "202")
    assert record.voicemail


@pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed")
def test_a_browser_giving_up_while_a_plain_phone_rings_cancels_the_desks_call(
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    """Giulia's browser calls Marco's SIPp desk phone, which rings; she hangs up before
    it answers: the browser hears the ringing, the desk phone gets the CANCEL of the
    desk's call, nothing is left open, and the record says cancelled."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    do_set_sip_password(do_provision_extension(marco), "marco-desk-pw")  # 202, SIPp
    with officina_without_rtpengine(settings) as officina:
        pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
        marco_desk: subprocess.Popen[bytes] = start_phone(
            tmp_path / "marco", "uas_ring_until_cancel.xml", pbx, officina.sip_port + 4,
            "202", "marco-desk-pw", "-timeout", "60s",
        )  # fmt: skip
        try:
            desk = officina.running.media
            context, phone = open_phone(media_browser, officina, giulia)
            phone.fill("#dial-number", "202")
            phone.click("#call")
            expect(phone.locator("#call-state")).to_contain_text("Ringing", timeout=10_000)
            phone.click("#hangup")
            expect(phone.locator("#in-call")).to_be_hidden()
            assert marco_desk.wait(15) == 0, "the desk phone got its CANCEL"
            bridges = officina.running.server.proxy.browser_bridges
            assert bridges is not None
            assert wait_for(lambda: not bridges.calls and not desk.ports.in_use, 5)
            context.close()
        finally:
            stop(marco_desk)
    record = CallRecord.objects.get()
    assert (record.caller_number, record.callee_number) == ("201", "202")
    assert record.outcome == CallRecord.Outcome.CANCELLED


@pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed")
def test_a_busy_plain_phone_without_voicemail_is_busy_for_the_browser(
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    """Marco's only phone, a SIPp desk phone, answers busy and he has no voicemail: the
    desk passes the 486 back, the browser phone says *Busy*, nothing is left open, and
    the one record says busy."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    box_owner = do_provision_extension(marco)  # 202, the SIPp desk phone
    do_set_sip_password(box_owner, "marco-desk-pw")
    check_update_box(do_open_box(box_owner), enabled=False, ring_seconds=10, email_messages=False)
    with officina_without_rtpengine(settings) as officina:
        pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
        marco_desk: subprocess.Popen[bytes] = start_phone(
            tmp_path / "marco", "uas_busy.xml", pbx, officina.sip_port + 4, "202",
            "marco-desk-pw", "-timeout", "60s",
        )  # fmt: skip
        try:
            desk = officina.running.media
            context, phone = open_phone(media_browser, officina, giulia)
            phone.fill("#dial-number", "202")
            phone.click("#call")
            expect(phone.locator("#softphone-state")).to_have_text("Busy", timeout=10_000)
            expect(phone.locator("#in-call")).to_be_hidden()
            assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
            context.close()
        finally:
            stop(marco_desk)
    record = CallRecord.objects.get()
    assert (record.caller_number, record.callee_number) == ("201", "202")
    assert record.outcome == CallRecord.Outcome.BUSY
