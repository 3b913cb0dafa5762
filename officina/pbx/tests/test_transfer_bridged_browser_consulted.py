"""A plain phone's attended transfer of its browser party to a browser it consulted, both
calls bridged by the desk (``BridgedBrowserCalls._refer_to_consulted_browser``), with
real peers: Chromium (JsSIP) for Giulia's and Sara's browser phones, SIPp for Marco's
desk phone (the transferor: one line for Giulia's call, one for his consultation).

Giulia's browser calls Marco (202), bridged by the desk. Marco's second line has
consulted Sara (203), whose only phone is the browser, so the desk bridges that call too
(Marco↔desk↔Sara). Marco's REFER names Sara with a Replaces naming his consultation as
he holds it with the desk. The desk names the other half of that bridge, its dialog with
Sara's browser, as her browser holds it, and refers Giulia's browser there: Giulia calls
Sara directly, browser to browser, her call takes the consultation's place on Sara's
page without ringing, and the desk ends Marco's consultation line when Sara's browser
hangs up the replaced call. The same when Marco called Giulia's browser and his REFER
is the caller's (``_caller_refers``), and when Giulia's click-to-call to Marco is
answered in her browser and his REFER is the target's (``ThirdPartyCalls._target_refers``)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, port_base
from officina.pbx.tests.test_baresip import wait_for
from officina.pbx.tests.test_click_to_call import api, follow
from officina.pbx.tests.test_click_to_call_browser import officina_without_rtpengine
from officina.pbx.tests.test_click_to_call_transfer_bridged import (
    _provision as _provision_click_to_call,
)
from officina.pbx.tests.test_rtpengine_calls import SIP_PORT, open_phone, sipp_phone
from officina.pbx.tests.test_softphone_browser import (
    audio_bytes,
    media_browser,  # noqa: F401 (a fixture)
)
from officina.pbx.tests.test_transfer_bridged_attended import (
    _finished,
    _header,
    _messages,
    _registered,
    _requests,
)
from officina.pbx.tests.test_transfer_bridged_attended_plain import (
    MARCO_MEDIA,
    MARCO_PORT,
    _provision,
)
from officina.pbx.tests.test_transfer_bridged_plain_caller import (
    _final_notify,
    _marco_calls_giulia,
    _marco_consults_sara,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed"),
]

TRANSFEROR = "uas_transferor_hangs_up"


def _marco_refers_giulia(tmp_path: Path, replaces: str) -> subprocess.Popen[bytes]:
    """Marco's first line registered for 202: it answers Giulia's call and REFERs her to
    203 with ``replaces``, then hangs up on a 200 NOTIFY, or waits for her BYE."""
    base = port_base()
    escaped = replaces.replace("@", "%40").replace(";", "%3B").replace("=", "%3D")
    marco_phone = sipp_phone(
        tmp_path,
        f"{TRANSFEROR}.xml", base + MARCO_PORT, "-mp", str(base + MARCO_MEDIA),
        "-key", "user", "202",
        "-key", "refer_to", f"<sip:203@{HOST}:{SIP_PORT}?Replaces={escaped}>",
    )  # fmt: skip
    _registered(tmp_path, "202", base + MARCO_PORT, base + MARCO_PORT + 1)
    return marco_phone


def _giulia_calls_marco(phone: Any) -> None:
    """Giulia's browser calls 202; the REFER follows the answer at once, so how many
    calls the desk bridges meanwhile is no state a test can wait for."""
    from playwright.sync_api import expect

    phone.fill("#dial-number", "202")
    phone.click("#call")
    expect(phone.locator("#in-call")).to_be_visible(timeout=15_000)


def _notifies(tmp_path: Path) -> list[str]:
    """The sipfrags of the NOTIFYs Marco's first line got."""
    notifies = _requests(_messages(tmp_path, TRANSFEROR), "NOTIFY")
    return [notify.split("\n\n", 1)[1] for notify in notifies]


def _more_audio_both_ways(page: Any, received: int, sent: int) -> None:
    page.wait_for_function(
        """([received, sent]) => {
             const counters = document.getElementById('call-audio').dataset;
             return Number(counters.bytesReceived) > received && Number(counters.bytesSent) > sent;
           }""",
        arg=[received, sent],
        timeout=15_000,
    )


def test_a_plain_phone_transfers_its_browser_party_to_a_browser_it_consulted(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Marco's REFER names his consultation as he holds it with the desk; Giulia's
    browser gets the desk's REFER naming the desk's dialog with Sara's browser as Sara's
    browser holds it, calls Sara with it, and the two browsers talk directly (audio
    both ways by getStats, nothing left on the desk); Sara's page shows Giulia, connected,
    never ringing; Marco hears 100 then 200 in NOTIFYs and hangs up, and his
    consultation line gets the desk's BYE. Records: Giulia's call to Marco transferred
    to 203; her call to Sara transferred by 202, replacing the consultation."""
    from playwright.sync_api import expect

    _provision(giulia, marco, sara)
    with officina_without_rtpengine(settings) as officina:
        desk = officina.running.media
        giulia_context, giulia_page = open_phone(media_browser, officina, giulia)
        sara_context, sara_page = open_phone(media_browser, officina, sara)
        giulia_page.evaluate(
            """() => officinaPhone.ua.on("newRTCSession", ({ session }) =>
                 session.on("refer", ({ request }) => {
                   window.referTo = request.getHeader("Refer-To");
                 }))"""
        )
        _sara_sees_replacing_calls(sara_page)
        consulting, replaces = _marco_consults_sara(tmp_path, sara_page, "uac_call_cut.xml")
        expect(sara_page.locator("#call-state")).to_have_text("Connected")
        marco_phone = _marco_refers_giulia(tmp_path, replaces)
        _giulia_calls_marco(giulia_page)

        assert _finished(marco_phone) == 0, "Marco heard 200 OK and hung up"
        assert _finished(consulting) == 0, "the desk hung Marco's consultation up"
        _browsers_talk(desk, giulia_page, sara_page)
        giulia_page.click("#hangup")
        expect(giulia_page.locator("#in-call")).to_be_hidden()
        expect(sara_page.locator("#in-call")).to_be_hidden()
        refer_to = giulia_page.evaluate("window.referTo")
        giulia_context.close()
        sara_context.close()

    sipfrags = _notifies(tmp_path)
    assert sipfrags[0].startswith("SIP/2.0 100"), sipfrags
    assert sipfrags[-1].startswith("SIP/2.0 200"), sipfrags
    consultation_record = CallRecord.objects.get(caller_number="202", callee_number="203")
    # The desk's dialog with Sara's browser, as her browser holds it: her tag the to-tag.
    named = re.fullmatch(r"<sip:203@[^?>]+\?Replaces=([^>]+)>", refer_to)
    assert named is not None, refer_to
    marco_named = replaces.split(";")[0]
    assert re.fullmatch(r"[^;]+;to-tag=[^;]+;from-tag=[^;]+", unquote(named[1])), named[1]
    # The desk's dialog with Sara, not the one Marco named (his with the desk's branch).
    assert unquote(named[1]).split(";")[0] != marco_named
    assert wait_for(lambda: not CallRecord.objects.filter(ended_at=None).exists(), 5)
    to_marco = CallRecord.objects.get(caller_number="201", callee_number="202")
    assert to_marco.outcome == "answered"
    assert to_marco.transferred_to == "203"
    assert consultation_record.outcome == "answered"
    to_sara = CallRecord.objects.get(caller_number="201", callee_number="203")
    assert to_sara.outcome == "answered"
    assert to_sara.transferred_by == "202"
    assert to_sara.replaced_call_id == consultation_record.call_id
    byes = [
        bye
        for bye in _requests(_messages(tmp_path, "uac_call_cut"), "BYE")
        if _header(bye, "Call-ID") == marco_named
    ]
    assert len(byes) == 1, "the consultation's end came from the desk"


def _sara_sees_replacing_calls(page: Any) -> None:
    """Sara's page notes each call it gets: whether it came to replace one (Replaces)."""
    page.evaluate(
        """() => { window.sessions = [];
             officinaPhone.ua.on("newRTCSession", ({ originator, request }) =>
               window.sessions.push(originator === "remote" && request.hasHeader("Replaces")));
           }"""
    )


def _browsers_talk(desk: Any, giulia_page: Any, sara_page: Any) -> None:
    """Giulia's page connected to 203, Sara's to 201 without having rung, audio both
    ways on both pages by getStats, nothing left on the desk."""
    from playwright.sync_api import expect

    expect(giulia_page.locator("#call-number")).to_have_text("203", timeout=15_000)
    expect(giulia_page.locator("#call-state")).to_have_text("Connected")
    expect(sara_page.locator("#call-number")).to_have_text("201")
    expect(sara_page.locator("#call-state")).to_have_text("Connected")
    expect(sara_page.locator("#incoming")).to_be_hidden()
    assert sara_page.evaluate("window.sessions") == [False, True], "no ringing call"
    assert wait_for(lambda: not desk.relays, 10), "the browsers talk directly"
    assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
    for page in (giulia_page, sara_page):
        _more_audio_both_ways(page, *audio_bytes(page))


def test_a_plain_caller_transfers_the_browser_to_a_browser_it_consulted(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Marco's second line consults Sara's browser (bridged), then his call to Giulia's
    browser (bridged) REFERs her to 203 naming that consultation as he holds it: the
    desk's REFER to Giulia names its dialog with Sara's browser instead, Giulia calls
    Sara directly and takes the consultation's place; Marco hears 200 and hangs up, his
    consultation line gets the desk's BYE. Records: Giulia's call transferred to 203,
    her call to Sara transferred by 202, replacing the consultation."""
    from playwright.sync_api import expect

    _provision(giulia, marco, sara)
    with officina_without_rtpengine(settings) as officina:
        desk = officina.running.media
        giulia_context, giulia_page = open_phone(media_browser, officina, giulia)
        sara_context, sara_page = open_phone(media_browser, officina, sara)
        _sara_sees_replacing_calls(sara_page)
        consulting, replaces = _marco_consults_sara(tmp_path, sara_page, "uac_call_cut.xml")
        expect(sara_page.locator("#call-state")).to_have_text("Connected")
        marco_phone = _marco_calls_giulia(tmp_path, "uac_transferor.xml", replaces)
        expect(giulia_page.locator("#incoming")).to_be_visible(timeout=15_000)
        giulia_page.click("#answer")  # the REFER follows the answer at once
        assert _finished(marco_phone) == 0, "Marco heard 200 OK and hung up"
        assert _finished(consulting) == 0, "the desk hung Marco's consultation up"
        _browsers_talk(desk, giulia_page, sara_page)
        giulia_page.click("#hangup")
        expect(giulia_page.locator("#in-call")).to_be_hidden()
        expect(sara_page.locator("#in-call")).to_be_hidden()
        giulia_context.close()
        sara_context.close()

    assert _final_notify(tmp_path).startswith("SIP/2.0 200")
    assert wait_for(lambda: not CallRecord.objects.filter(ended_at=None).exists(), 5)
    consultation = CallRecord.objects.get(caller_number="202", callee_number="203")
    assert consultation.outcome == "answered"
    to_giulia = CallRecord.objects.get(caller_number="202", callee_number="201")
    assert to_giulia.transferred_to == "203"
    to_sara = CallRecord.objects.get(caller_number="201", callee_number="203")
    assert to_sara.outcome == "answered"
    assert to_sara.transferred_by == "202"
    assert to_sara.replaced_call_id == consultation.call_id


def test_the_target_of_a_click_to_call_transfers_the_browser_to_a_browser_it_consulted(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Giulia clicks to call Marco and answers in her browser (bridged by the desk);
    Marco's phone, which consulted Sara's browser on its second line (bridged too),
    REFERs with a Replaces naming that consultation as it holds it: Giulia's browser is
    referred to the desk's dialog with Sara's browser and calls her directly, Sara's
    page takes the call in the consultation's place, Marco hears 200 and hangs up (the
    click-to-call ``ended``), and his consultation line gets the desk's BYE. Records:
    the click-to-call transferred to 203, Giulia's call to Sara transferred by 202,
    replacing the consultation."""
    from playwright.sync_api import expect

    token = _provision_click_to_call(giulia, marco, sara)
    with officina_without_rtpengine(settings) as officina:
        desk = officina.running.media
        giulia_context, giulia_page = open_phone(media_browser, officina, giulia)
        sara_context, sara_page = open_phone(media_browser, officina, sara)
        _sara_sees_replacing_calls(sara_page)
        consulting, replaces = _marco_consults_sara(tmp_path, sara_page, "uac_call_cut.xml")
        expect(sara_page.locator("#call-state")).to_have_text("Connected")
        marco_phone = _marco_refers_giulia(tmp_path, replaces)
        status, placed = api(officina, token, "/phone/calls", {"target": "202"})
        assert status == 201, placed
        expect(giulia_page.locator("#incoming")).to_be_visible()
        giulia_page.click("#answer")
        assert _finished(marco_phone) == 0, "Marco heard 200 OK and hung up"
        assert _finished(consulting) == 0, "the desk hung Marco's consultation up"
        _browsers_talk(desk, giulia_page, sara_page)
        assert follow(officina, token, placed["ticket"], "ended", 10) == "ended"
        giulia_page.click("#hangup")
        expect(giulia_page.locator("#in-call")).to_be_hidden()
        expect(sara_page.locator("#in-call")).to_be_hidden()
        giulia_context.close()
        sara_context.close()

    sipfrags = _notifies(tmp_path)
    assert sipfrags[0].startswith("SIP/2.0 100"), sipfrags
    assert sipfrags[-1].startswith("SIP/2.0 200"), sipfrags
    assert wait_for(lambda: not CallRecord.objects.filter(ended_at=None).exists(), 5)
    consultation = CallRecord.objects.get(caller_number="202", callee_number="203")
    to_marco = CallRecord.objects.get(caller_number="201", callee_number="202")
    assert to_marco.transferred_to == "203"
    to_sara = CallRecord.objects.get(caller_number="201", callee_number="203")
    assert to_sara.outcome == "answered"
    assert to_sara.transferred_by == "202"
    assert to_sara.replaced_call_id == consultation.call_id


def test_a_consultation_gone_before_the_refer_leaves_the_call_as_it_was(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Sara hangs the consultation up before Marco's REFER names it: the transfer fails
    481 (Marco's final NOTIFY), Sara's page does not ring, and Giulia's call with Marco
    goes on, bridged, until she hangs up."""
    from playwright.sync_api import expect

    _provision(giulia, marco, sara)
    with officina_without_rtpengine(settings) as officina:
        desk = officina.running.media
        giulia_context, giulia_page = open_phone(media_browser, officina, giulia)
        sara_context, sara_page = open_phone(media_browser, officina, sara)
        consulting, replaces = _marco_consults_sara(tmp_path, sara_page, "uac_call_cut.xml")
        expect(sara_page.locator("#call-state")).to_have_text("Connected")
        sara_page.click("#hangup")
        assert _finished(consulting) == 0, "the consultation ended"
        assert wait_for(lambda: not desk.relays, 5)
        marco_phone = _marco_refers_giulia(tmp_path, replaces)
        _giulia_calls_marco(giulia_page)
        assert wait_for(lambda: len(desk.relays) == 1, 10)
        assert wait_for(lambda: len(_notifies(tmp_path)) >= 2, 15), _notifies(tmp_path)
        giulia_page.wait_for_timeout(1000)  # anything else would have happened by now
        expect(giulia_page.locator("#call-number")).to_have_text("202")
        expect(giulia_page.locator("#call-state")).to_have_text("Connected")
        expect(sara_page.locator("#incoming")).to_be_hidden()
        assert len(desk.relays) == 1, "still bridged to Marco"
        assert marco_phone.poll() is None, "Marco's call goes on"
        giulia_page.click("#hangup")
        expect(giulia_page.locator("#in-call")).to_be_hidden()
        assert _finished(marco_phone) == 0, "Giulia's hang-up ended Marco's call"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        giulia_context.close()
        sara_context.close()

    assert _notifies(tmp_path)[-1].startswith("SIP/2.0 481"), _notifies(tmp_path)
    to_marco = CallRecord.objects.get(caller_number="201", callee_number="202")
    assert to_marco.outcome == "answered"
    assert to_marco.ended_by == CallRecord.EndedBy.CALLER, "Giulia hung up, not the desk"
    answered = CallRecord.objects.filter(caller_number="201", outcome="answered")
    assert not answered.exclude(callee_number="202").exists(), "no one else answered"
