"""A menu's caller put through to a member whose only phone is the browser phone
(JsSIP over WebSocket, WebRTC), with rtpengine bridging the browser's leg."""

from __future__ import annotations

import shutil
import time

import numpy as np
import pytest

from officina.accounts.models import Member
from officina.attendant.tests.test_put_through_by_desk import (
    audio_port,
    bobs_menu,
    peer,  # noqa: F401 (a fixture)
    received,
)
from officina.pbx.media.attendant_call import AttendantCall
from officina.pbx.media.bridge import BridgedCall
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, LivePbx, live_officina, port_base
from officina.pbx.tests.test_baresip import command, loudness, wait_for
from officina.pbx.tests.test_browser_calls_both_kinds import BROWSER_AGENT, SIPP_AGENT, _desk_phone
from officina.pbx.tests.test_ring_groups_sipp import stop
from officina.pbx.tests.test_rtpengine_calls import (
    PHONE_CTRL,
    baresip_phone,
    decoded_calls,
    open_phone,
    rtpengine_url,  # noqa: F401 (a fixture)
)
from officina.pbx.tests.test_sipp import PASSWORDS, credentials, finished, sipp
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
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("sipp", "espeak-ng")),
        reason="SIPp and espeak-ng are needed",
    ),
]
with_rtpengine = pytest.mark.skipif(shutil.which("rtpengine") is None, reason="rtpengine is needed")

WEB_PORT, SIP_PORT = port_base() + 76, port_base() + 75


@pytest.fixture
def menu() -> None:
    bobs_menu()


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if len(samples) else 0.0


# Keys the browser phone gets in SIP INFO, as JsSIP reports them (``newDTMF``); and the
# audio bytes it receives, every source's counted (``window.bytesHeard()``): the page's own
# counter restarts when the source changes, as when rtpengine's hold music begins.
HEAR_KEYS = """() => {
  window.keysHeard = [];
  const session = window.officinaPhone.session;
  session.on("newDTMF", (event) => {
    if (event.originator === "remote") window.keysHeard.push(event.dtmf.tone);
  });
  const last = {};
  let total = 0;
  window.bytesHeard = () => total;
  setInterval(async () => {
    if (!session.connection) return;
    (await session.connection.getStats()).forEach((entry) => {
      if (entry.type !== "inbound-rtp") return;
      const now = entry.bytesReceived || 0;
      const before = last[entry.ssrc] || 0;
      total += now >= before ? now - before : now;  // below: counted again from 0
      last[entry.ssrc] = now;
    });
  }, 100);
}"""
MORE_HEARD = "n => window.bytesHeard() > n"
INBOUND_SOURCES = """async () => {
  const sources = [];
  (await window.officinaPhone.session.connection.getStats()).forEach((entry) => {
    if (entry.type === "inbound-rtp") sources.push(entry.ssrc);
  });
  return sources;
}"""


@with_rtpengine
@pytest.mark.parametrize("holder", ["callee", "caller"])
def test_the_desk_puts_a_caller_through_to_a_browser_and_steps_out(
    rtpengine_url,  # noqa: F811
    menu,
    media_browser,  # noqa: F811
    peer,  # noqa: F811
    settings,
    tmp_path,
    holder,
):
    """A SIPp phone that does not transfer dials the menu and presses 2: the desk calls
    Bob, whose only phone is the browser. The proxy bridges the desk's plain RTP leg and
    the browser's WebRTC leg in rtpengine; Bob answers, and the desk steps out: the
    caller's offer goes to the browser through rtpengine, whose port the caller gets in
    the ACK. They hear each other. Then Bob holds (rtpengine plays the hold music to the
    caller), resumes, they hear each other again, and Bob hangs up; before that, the
    caller's phone sends a key in an INFO, which the browser gets, its 200 coming back.
    Or the caller's phone holds (the browser is held, and hears rtpengine's music, a
    source of its own), resumes (the browser hears the caller again: its track takes the
    caller's RTP, whose source it had before the music's) and hangs up."""
    from playwright.sync_api import expect

    settings.RTPENGINE_URL = rtpengine_url
    bob = Member.objects.get(extension__number="202")
    with live_officina(web_port=WEB_PORT, sip_port=SIP_PORT) as officina:
        media, anchor = officina.running.media, officina.running.anchor
        assert anchor is not None
        assert wait_for(lambda: "500" in media.menus.plans and len(media.menus.prompts) > 1, 30)
        context, phone = open_phone(media_browser, officina, bob)
        caller = sipp(
            tmp_path, "uac_menu_desk_steps_out.xml", LivePbx(SIP_PORT, officina.running, None),  # type: ignore[arg-type]
            port_base() + 40, "-m", "1", "-trace_msg", "-key", "holder", holder,
            "-key", "info", "yes" if holder == "callee" else "no",
            rows=[credentials("201", f"500;2;{peer.port};{HOST}")],
        )  # fmt: skip
        assert wait_for(lambda: any(d.call is not None for d in media.dialogs.values()), 15)
        dialog = next(iter(media.dialogs.values()))
        peer.to = (HOST, dialog.local_sdp.media[0].port)
        expect(phone.locator("#incoming")).to_be_visible()
        phone.evaluate(HEAR_KEYS)
        phone.click("#answer")
        expect(phone.locator("#call-state")).to_have_text("Connected")
        # The desk steps out: the caller's ACK names rtpengine, and the desk's ports are free.
        assert wait_for(lambda: media.stats["stepped_out"] == 1, 10), media.stats
        ack = received(tmp_path, "INVITE", "ACK")[-1]
        assert ack.startswith("ACK") and "RTP/AVP" in ack
        peer.to = (HOST, audio_port(ack))
        direct_from = time.monotonic()
        assert wait_for(lambda: media.ports.in_use == set(), 5)
        assert len(anchor.calls) == 1  # the desk's call to the browser, anchored
        wait_for_more_audio(phone, 8000)  # the caller's tone, from rtpengine
        time.sleep(1.5)
        direct_until = time.monotonic()
        if holder == "callee":
            # The caller's key in an INFO reached the browser.
            phone.wait_for_function("() => window.keysHeard.length > 0")
            assert phone.evaluate("() => window.keysHeard") == ["9"]
            # Bob holds: the caller's phone is sent the desk's re-INVITE (sendonly), and
            # rtpengine plays the hold music to it; then he resumes.
            phone.click("#hold")
            expect(phone.locator("#hold")).to_have_text("Resume")
            assert wait_for(lambda: bool(anchor.held), 10), "held"
            phone.wait_for_timeout(1500)
            phone.click("#hold")
            expect(phone.locator("#hold")).to_have_text("Hold")
        else:
            # The caller's phone holds (three seconds after the step-out): the browser
            # is held, and rtpengine plays it the hold music meanwhile.
            phone.wait_for_function("() => window.officinaPhone.session.isOnHold().remote")
            assert wait_for(lambda: bool(anchor.held), 10), "held"
            held_from = phone.evaluate("() => window.bytesHeard()")
            # The music: over a second of it (8,000 bytes of PCMU) in the three seconds.
            phone.wait_for_function(MORE_HEARD, arg=held_from + 8000)
            phone.wait_for_function("() => !window.officinaPhone.session.isOnHold().remote")
        assert wait_for(lambda: not anchor.held, 10), "resumed"
        received_bytes, _sent = audio_bytes(phone)
        resumed_from = time.monotonic()
        if holder == "callee":
            wait_for_more_audio(phone, received_bytes + 8000)
            phone.wait_for_timeout(1500)
        else:  # the caller's tone again, in the two seconds before it hangs up
            heard = phone.evaluate("() => window.bytesHeard()")
            phone.wait_for_function(MORE_HEARD, arg=heard + 4000)
            # Its one inbound stream is the caller's RTP (the source MediaPeer sends), no
            # longer the music's.
            assert phone.evaluate(INBOUND_SOURCES) == [0xCA11E5]
        assert audio_bytes(phone)[1] > 0
        if holder == "callee":
            resumed_until = time.monotonic()
            phone.click("#hangup")
        assert finished(caller, tmp_path) == 0  # held, resumed, hung up (on)
        if holder == "caller":  # what it heard from its resume to its BYE
            resumed_until = time.monotonic()
        expect(phone.locator("#in-call")).to_be_hidden()
        assert wait_for(lambda: not anchor.calls, 5), "the BYE ended the media"
        context.close()
    bridge = dialog.call
    assert isinstance(bridge, BridgedCall) and bridge.direct
    assert bridge.ended_by == f"{holder} hung up"
    assert bridge.keys_sent == {"to_onward": 0, "to_caller": 0}  # none by the desk
    # The caller heard the browser's fake microphone (its beeps) from rtpengine, before
    # the hold and after the resume.
    for since, until in ((direct_from, direct_until), (resumed_from, resumed_until)):
        heard = peer.audio_since(since, until)
        assert len(heard) >= 8000, len(heard)
        assert rms(heard) > 300, rms(heard)
    (record,) = CallRecord.objects.filter(callee_number="202")
    assert record.caller_number == "201" and record.outcome == CallRecord.Outcome.ANSWERED
    assert wait_for(lambda: media.dialogs == {} and media.ports.in_use == set())


@with_rtpengine
@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("baresip", "sox")), reason="baresip and sox are needed"
)
def test_a_menu_refers_a_baresip_to_a_browser(
    rtpengine_url,  # noqa: F811
    menu,
    media_browser,  # noqa: F811
    settings,
    tmp_path,
):
    """Alice's baresip (it transfers) dials the menu and presses 2: the menu's REFER
    sends her phone to Bob, whose only phone is the browser. Her new call is bridged by
    rtpengine (plain RTP to WebRTC); Bob answers and each hears the other."""
    from playwright.sync_api import expect

    settings.RTPENGINE_URL = rtpengine_url
    bob = Member.objects.get(extension__number="202")
    home = tmp_path / "alice"
    with (
        live_officina(web_port=WEB_PORT, sip_port=SIP_PORT) as officina,
        baresip_phone(home, "201", PASSWORDS["201"]) as log,
    ):
        media, anchor = officina.running.media, officina.running.anchor
        assert anchor is not None
        assert wait_for(lambda: "500" in media.menus.plans and len(media.menus.prompts) > 1, 30)
        context, phone = open_phone(media_browser, officina, bob)
        command(PHONE_CTRL, "dial", f"sip:500@{HOST}:{SIP_PORT}")
        assert wait_for(lambda: any(d.call is not None for d in media.dialogs.values()), 15)
        time.sleep(1)
        command(PHONE_CTRL, "sndcode", "2")
        expect(phone.locator("#incoming")).to_be_visible()
        phone.click("#answer")
        expect(phone.locator("#call-state")).to_have_text("Connected")
        assert wait_for(lambda: media.stats["transferred"] == 1, 10), media.stats
        assert wait_for(lambda: not media.dialogs, 10), "the menu's leg is hung up"
        assert len(anchor.calls) == 1  # Alice's new call, through rtpengine
        wait_for_more_audio(phone, 8000)  # Alice's tone
        phone.wait_for_timeout(3000)  # and Alice hears the browser meanwhile
        assert audio_bytes(phone)[1] > 0
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert wait_for(lambda: not anchor.calls, 5), "the BYE ended the media"
        context.close()
    # The menu's call, then the call to Bob: in the second, Alice's phone decoded the
    # browser's fake microphone (its beeps).
    calls = decoded_calls(home)
    assert len(calls) == 2, log.read_text(errors="replace")[-2000:]
    assert loudness(calls[-1]) > 300, loudness(calls[-1])
    assert CallRecord.objects.filter(
        caller_number="201", callee_number="202", outcome=CallRecord.Outcome.ANSWERED
    ).exists()


@pytest.mark.parametrize("voicemail", [True, False], ids=["voicemail", "no-voicemail"])
def test_without_rtpengine_a_browser_only_member_is_rung_and_the_caller_not_left_in_silence(
    menu,
    media_browser,  # noqa: F811
    peer,  # noqa: F811
    settings,
    tmp_path,
    voicemail,
):
    """No rtpengine: the desk bridges the menu's plain call to Bob's browser, which rings.
    Unanswered, the caller is put through to his voicemail (answering the call the desk
    placed in the browser's place, by plain RTP, relayed as it is), whose greeting they
    hear; or, his box closed and the call declined, hears "There is no answer." and the
    menu again, where the key they press next is heard."""
    from playwright.sync_api import expect

    settings.RTPENGINE_URL = ""
    bob = Member.objects.get(extension__number="202")
    check_update_box(
        do_open_box(bob.extension), enabled=voicemail, ring_seconds=5, email_messages=False
    )
    with live_officina(web_port=WEB_PORT, sip_port=SIP_PORT) as officina:
        media = officina.running.media
        assert officina.running.anchor is None
        assert wait_for(lambda: "500" in media.menus.plans and len(media.menus.prompts) > 1, 30)
        assert wait_for(lambda: (media.ring_seconds(bob.extension.pk) is not None) == voicemail, 15)
        context, phone = open_phone(media_browser, officina, bob)
        caller = sipp(
            tmp_path, "uac_menu_refer_refused.xml", LivePbx(SIP_PORT, officina.running, None),  # type: ignore[arg-type]
            port_base() + 40, "-m", "1", "-d", "14000", "-trace_msg",
            rows=[credentials("201", f"500;2;{peer.port};5;501;{'488' if voicemail else ''}")],
        )  # fmt: skip
        assert wait_for(lambda: any(d.call is not None for d in media.dialogs.values()), 15)
        dialog = next(iter(media.dialogs.values()))
        call = dialog.call
        assert isinstance(call, AttendantCall)
        peer.to = (HOST, dialog.local_sdp.media[0].port)
        expect(phone.locator("#incoming")).to_be_visible()  # Bob's browser rings
        if not voicemail:
            phone.click("#decline")
        expect(phone.locator("#incoming")).to_be_hidden(timeout=15000)
        failed_at = time.monotonic()
        assert finished(caller, tmp_path) == 0
        heard = peer.audio_since(failed_at)
        context.close()
    assert rms(heard) > 300, rms(heard)  # spoken to, not left in silence
    (record,) = CallRecord.objects.filter(callee_number="202")
    assert record.caller_number == "201"
    if voicemail:
        assert record.voicemail is not None
        assert media.stats["stored"] == 1
    else:
        assert record.outcome != CallRecord.Outcome.ANSWERED
        assert wait_for(lambda: call.ended_by == "caller hung up", 5)
        # The reason, then the menu again, where the caller's 5 (not on the menu) is heard.
        assert call.rounds == 3 and call.chosen is None and list(call.keys) == ["2", "5"]


def test_without_rtpengine_a_member_with_both_kinds_of_phone_is_put_through_to_the_browser(
    menu,
    media_browser,  # noqa: F811
    peer,  # noqa: F811
    settings,
    tmp_path,
):
    """No rtpengine: a SIPp phone that does not transfer dials the menu and presses 2.
    The desk puts it through to Bob, who has a SIPp desk phone and the browser phone:
    both ring (the desk phone directly, the browser through the desk's branch of the same
    fork). The browser answers, the desk phone gets the CANCEL, and the caller and Bob
    hear each other across the two relays of the desk (the put-through's and the
    branch's bridge); the caller hangs up. One record of the put-through: Alice's call
    to Bob, answered by the browser, both phones rung (the menu's call besides)."""
    from playwright.sync_api import expect

    settings.RTPENGINE_URL = ""
    bob = Member.objects.get(extension__number="202")
    with live_officina(web_port=WEB_PORT, sip_port=SIP_PORT) as officina:
        media = officina.running.media
        assert officina.running.anchor is None
        assert wait_for(lambda: "500" in media.menus.plans and len(media.menus.prompts) > 1, 30)
        desk_phone = _desk_phone(
            officina, tmp_path, "uas_ring_until_cancel.xml", "202", PASSWORDS["202"]
        )
        try:
            context, phone = open_phone(media_browser, officina, bob)
            caller = sipp(
                tmp_path, "uac_menu_refer_refused.xml", LivePbx(SIP_PORT, officina.running, None),  # type: ignore[arg-type]
                port_base() + 40, "-m", "1", "-d", "8000", "-trace_msg",
                rows=[credentials("201", f"500;2;{peer.port};5;501;488")],
            )  # fmt: skip
            assert wait_for(lambda: any(d.call is not None for d in media.dialogs.values()), 15)
            dialog = next(iter(media.dialogs.values()))
            peer.to = (HOST, dialog.local_sdp.media[0].port)
            expect(phone.locator("#incoming")).to_be_visible(timeout=10_000)
            assert desk_phone.poll() is None, "the desk phone rings on"
            phone.click("#answer")
            expect(phone.locator("#call-state")).to_have_text("Connected")
            answered_at = time.monotonic()
            assert desk_phone.wait(15) == 0, "the desk phone got its CANCEL"
            assert wait_for(lambda: isinstance(dialog.call, BridgedCall), 10)
            assert wait_for(lambda: len(media.relays) == 1, 10)
            (branch,) = media.relays  # the desk's branch: Bob's browser and the put-through
            wait_for_more_audio(phone, 8000)  # a second of the caller's tone and more
            assert finished(caller, tmp_path) == 0  # the key, eight seconds, BYE
            expect(phone.locator("#in-call")).to_be_hidden(timeout=10_000)
            heard = peer.audio_since(answered_at)
            context.close()
        finally:
            stop(desk_phone)
    put_through = dialog.call
    assert isinstance(put_through, BridgedCall) and not put_through.direct
    assert put_through.ended_by == "caller hung up"
    assert put_through.relayed["to_onward"] > 300 and put_through.relayed["to_caller"] > 300
    assert branch.relayed["to_onward"] > 300 and branch.relayed["to_caller"] > 300
    assert rms(heard) > 300, rms(heard)  # the caller heard the browser's fake microphone
    (record,) = CallRecord.objects.filter(callee_number="202")
    assert record.caller_number == "201" and record.outcome == CallRecord.Outcome.ANSWERED
    assert record.answered_by == BROWSER_AGENT
    assert sorted(record.devices_rung) == sorted([BROWSER_AGENT, SIPP_AGENT])
    assert CallRecord.objects.filter(callee_number="500", caller_number="201").count() == 1
    assert wait_for(lambda: not media.dialogs and not media.ports.in_use and not media.relays)
