"""Attended transfers by a browser whose calls the desk bridges (``bridged_calls.py``, no
rtpengine), with real peers: Chromium (JsSIP) for Giulia's browser phone, SIPp phones
for Marco (202) and Sara (203).

Giulia's browser calls Marco, puts him on hold and consults Sara; both calls are bridged
by the desk. She completes the transfer: her REFER names her consultation call as she
sees it, a dialog Sara's phone never saw, so the desk's REFER to Marco names the desk's
dialog with Sara as Sara's phone holds it. Marco's phone calls Sara with that Replaces,
directly (plain to plain), and Sara's phone swaps the desk's call for Marco's."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, port_base
from officina.pbx.tests.test_baresip import wait_for
from officina.pbx.tests.test_click_to_call_browser import officina_without_rtpengine
from officina.pbx.tests.test_rtpengine_calls import (
    SIP_PORT,
    injection_file,
    open_phone,
    sipp_phone,
)
from officina.pbx.tests.test_softphone_browser import media_browser  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed"),
]

PASSWORDS = {"202": "marco-attended-pw", "203": "sara-attended-pw"}


def _registered(tmp_path: Path, number: str, phone_port: int, port: int) -> None:
    """``number`` registered at the SIPp phone listening on ``phone_port``."""
    rows = injection_file(
        tmp_path, number, f"[authentication username={number} password={PASSWORDS[number]}]"
    )
    register = sipp_phone(
        tmp_path,
        "register.xml", port, f"{HOST}:{SIP_PORT}",
        "-key", "contact_host", HOST, "-key", "contact_port", str(phone_port),
        "-key", "expires", "300", "-inf", rows,
    )  # fmt: skip
    assert register.wait(30) == 0, register.stderr.read() if register.stderr else ""


def _messages(tmp_path: Path, scenario: str) -> str:
    return "\n".join(log.read_text() for log in tmp_path.glob(f"{scenario}_*_messages.log"))


def _traced(log: str) -> list[str]:
    """The messages SIPp traced in ``log``, each as it was sent or received."""
    messages = []
    for block in re.split(r"\n-{20,}[^\n]*\n", "\n" + log):
        lines = block.strip("\n").split("\n", 2)
        if len(lines) == 3 and re.search(r"message (sent|received)", lines[0]):
            messages.append(lines[2].strip("\n"))
    return messages


def _requests(log: str, method: str) -> list[str]:
    return [message for message in _traced(log) if message.startswith(f"{method} sip:")]


def _header(message: str, name: str) -> str:
    found = re.search(rf"^{name}:\s*(.*?)\s*$", message, re.MULTILINE | re.IGNORECASE)
    assert found is not None, message
    return found[1]


def _tag(value: str) -> str:
    found = re.search(r";tag=([^;>\s]+)", value)
    assert found is not None, value
    return found[1]


def _finished(process: subprocess.Popen[bytes]) -> int:
    code = process.wait(30)
    if code != 0 and process.stderr is not None:
        pytest.fail(process.stderr.read().decode(errors="replace"))
    return code


def _audio_sent(phone: Any) -> int:
    """The bytes of audio the page's current call has sent."""
    return int(
        phone.evaluate(
            """() => officinaPhone.session.connection.getStats().then((report) => {
                 let bytes = 0;
                 report.forEach((entry) => {
                   if (entry.type === "outbound-rtp") bytes += entry.bytesSent;
                 });
                 return bytes;
               })"""
        )
    )


def _consult(phone: Any, party: str, target: str) -> None:
    """The browser calls ``party``, holds it and calls ``target``, who answers (a plain
    phone by itself; a browser, whose page the caller answers)."""
    from playwright.sync_api import expect

    phone.fill("#dial-number", party)
    phone.click("#call")
    expect(phone.locator("#call-state")).to_have_text("Connected", timeout=15_000)
    phone.click("#transfer-open")
    phone.fill("#transfer-number", target)
    phone.click("#transfer-consult")


def _marco_follows_the_refer(
    tmp_path: Path, base: int, port: int, scenario: str = "uas_transferee_attended"
) -> tuple[subprocess.Popen[bytes], str]:
    """Marco's SIPp phone got the desk's REFER (Refer-To 203 with Replaces, Referred-By
    201): its call to 203 with that Replaces is placed (another SIPp, which hangs up
    after 6 s). Returns that SIPp and the Replaces it sends."""
    deadline = time.monotonic() + 15
    while not _requests(_messages(tmp_path, scenario), "REFER"):
        assert time.monotonic() < deadline, _messages(tmp_path, scenario)
        time.sleep(0.1)
    (refer,) = _requests(_messages(tmp_path, scenario), "REFER")
    refer_to = re.fullmatch(r"<sip:(\d+)@[^?>]+\?Replaces=([^>]+)>", _header(refer, "Refer-To"))
    assert refer_to is not None, refer
    assert refer_to[1] == "203"
    assert _header(refer, "Referred-By").startswith("<sip:201@"), refer
    replaces = unquote(refer_to[2])
    rows = injection_file(
        tmp_path, "202", f"[authentication username=202 password={PASSWORDS['202']}]", "203"
    )
    replacing = sipp_phone(
        tmp_path, "uac_call_replaces.xml", port, f"{HOST}:{SIP_PORT}",
        "-mp", str(base + 84), "-key", "replaces", replaces, "-d", "6000", "-inf", rows,
    )  # fmt: skip
    return replacing, replaces


def test_the_browser_transfers_its_bridged_plain_party_to_a_bridged_plain_consultation(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Giulia's browser calls Marco's SIPp phone (bridged), consults Sara's SIPp phone
    (bridged too) and completes the transfer. Marco's phone gets the desk's REFER with a
    Replaces naming the desk's dialog with Sara (its Call-ID, Sara's tag as to-tag, the
    desk's as from-tag); its INVITE with that Replaces reaches Sara's phone straight,
    with Marco's own SDP. The browser says *Transferred to 203*, the desk's four legs
    end and it relays nothing. Records: Giulia's call to Marco transferred to 203,
    Marco's to Sara transferred by 201 replacing the consultation, one record a call."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    do_set_sip_password(do_provision_extension(marco), PASSWORDS["202"])
    do_set_sip_password(do_provision_extension(sara), PASSWORDS["203"])
    base = port_base()
    marco_port, sara_port, replacing_port = base + 20, base + 22, base + 24
    with officina_without_rtpengine(settings) as officina:
        desk = officina.running.media
        marco_phone = sipp_phone(
            tmp_path, "uas_transferee_attended.xml", marco_port,
            "-mp", str(base + 30), "-key", "user", "202", "-key", "sipfrag", "200 OK",
        )  # fmt: skip
        sara_phone = sipp_phone(
            tmp_path, "uas_answer.xml", sara_port, "-mp", str(base + 50), "-m", "2"
        )
        _registered(tmp_path, "202", marco_port, base + 21)
        _registered(tmp_path, "203", sara_port, base + 23)

        context, phone = open_phone(media_browser, officina, giulia)
        _consult(phone, "202", "203")
        expect(phone.locator("#transfer-complete")).to_be_visible(timeout=15_000)
        assert wait_for(lambda: len(desk.relays) == 2, 10), "both calls bridged"
        phone.click("#transfer-complete")
        replacing, _replaces = _marco_follows_the_refer(tmp_path, base, replacing_port)

        expect(phone.locator("#in-call")).to_be_hidden(timeout=15_000)
        expect(phone.locator("#softphone-state")).to_have_text("Transferred to 203")
        assert _finished(replacing) == 0
        assert _finished(marco_phone) == 0
        assert _finished(sara_phone) == 0
        assert wait_for(lambda: not desk.relays, 5), "the desk relays nothing more"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        context.close()

    # Sara's phone: the desk's call (the consultation), then Marco's, which names it.
    sara_said = _messages(tmp_path, "uas_answer")
    consulted, replacing_invite = _requests(sara_said, "INVITE")
    assert "Replaces" not in consulted
    named = replacing_invite.split("\n\n", 1)[0]
    consultation_id = _header(consulted, "Call-ID")
    (answered,) = (
        message
        for message in _traced(sara_said)
        if message.startswith("SIP/2.0 200")
        and _header(message, "Call-ID") == consultation_id
        and _header(message, "CSeq").endswith("INVITE")
    )
    sara_tag = _tag(_header(answered, "To"))
    desk_tag = _tag(_header(consulted, "From"))
    assert _header(named, "Replaces") == (
        f"{consultation_id};to-tag={sara_tag};from-tag={desk_tag}"
    )
    assert _header(named, "From").startswith("<sip:202@"), named
    # Marco's own media: plain to plain, the desk out of it.
    assert f"m=audio {base + 84} RTP/AVP 0" in replacing_invite, replacing_invite

    assert CallRecord.objects.count() == 3, list(CallRecord.objects.values_list(
        "caller_number", "callee_number"
    ))  # fmt: skip
    to_marco = CallRecord.objects.get(caller_number="201", callee_number="202")
    assert (to_marco.outcome, to_marco.transferred_to) == ("answered", "203")
    assert to_marco.ended_at is not None
    consultation = CallRecord.objects.get(caller_number="201", callee_number="203")
    assert consultation.outcome == "answered"
    assert consultation.ended_at is not None
    to_sara = CallRecord.objects.get(caller_number="202", callee_number="203")
    assert to_sara.outcome == "answered"
    assert to_sara.transferred_by == "201"
    assert to_sara.replaced_call_id == consultation_id


def test_the_browser_transfers_its_bridged_plain_party_to_a_browser_it_consulted_directly(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Giulia's browser calls Marco's SIPp phone (bridged), consults Sara's browser (a
    direct call, browser to browser) and completes the transfer. The desk's REFER to
    Marco carries Giulia's Replaces as it came; Marco's INVITE with it reaches the desk
    (plain caller, browser callee), whose INVITE to Sara's browser carries it on: her
    phone takes the call by itself in place of Giulia's, bridged by the desk, and
    Giulia's consultation ends. Records: Giulia's call to Marco transferred to 203,
    Marco's to Sara transferred by 201 replacing the consultation, one record a call."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, a browser
    do_set_sip_password(do_provision_extension(marco), PASSWORDS["202"])
    do_provision_extension(sara)  # 203, a browser
    base = port_base()
    marco_port, replacing_port = base + 20, base + 24
    with officina_without_rtpengine(settings) as officina:
        desk = officina.running.media
        marco_phone = sipp_phone(
            tmp_path, "uas_transferee_attended.xml", marco_port,
            "-mp", str(base + 30), "-key", "user", "202", "-key", "sipfrag", "200 OK",
        )  # fmt: skip
        _registered(tmp_path, "202", marco_port, base + 21)
        giulia_context, phone = open_phone(media_browser, officina, giulia)
        sara_context, sara_phone = open_phone(media_browser, officina, sara)

        _consult(phone, "202", "203")
        expect(sara_phone.locator("#incoming-number")).to_have_text("201", timeout=15_000)
        sara_phone.click("#answer")
        expect(phone.locator("#transfer-complete")).to_be_visible(timeout=15_000)
        assert len(desk.relays) == 1, "the consultation is direct"
        consulted = sara_phone.evaluate("() => officinaPhone.session.id")
        phone.click("#transfer-complete")
        replacing, replaces = _marco_follows_the_refer(tmp_path, base, replacing_port)

        # Sara's browser swaps Giulia's call for Marco's, without ringing.
        expect(sara_phone.locator("#call-number")).to_have_text("202", timeout=15_000)
        expect(sara_phone.locator("#incoming")).to_be_hidden()
        sara_phone.wait_for_function(
            "(old) => officinaPhone.session?.isEstablished() && officinaPhone.session.id !== old",
            arg=consulted,
        )
        assert wait_for(lambda: len(desk.relays) == 1, 10), "Marco and Sara, bridged"
        assert wait_for(lambda: _audio_sent(sara_phone) > 1000, 10), "Sara's audio, to the desk"
        expect(phone.locator("#in-call")).to_be_hidden(timeout=15_000)
        expect(phone.locator("#softphone-state")).to_have_text("Transferred to 203")
        assert _finished(replacing) == 0
        assert _finished(marco_phone) == 0
        expect(sara_phone.locator("#in-call")).to_be_hidden(timeout=10_000)
        assert wait_for(lambda: not desk.relays, 5), "the desk relays nothing more"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        giulia_context.close()
        sara_context.close()

    assert CallRecord.objects.count() == 3, list(CallRecord.objects.values_list(
        "caller_number", "callee_number"
    ))  # fmt: skip
    consultation = CallRecord.objects.get(caller_number="201", callee_number="203")
    assert consultation.outcome == "answered"
    assert consultation.ended_at is not None
    assert replaces.startswith(f"{consultation.call_id};"), replaces
    to_marco = CallRecord.objects.get(caller_number="201", callee_number="202")
    assert (to_marco.outcome, to_marco.transferred_to) == ("answered", "203")
    to_sara = CallRecord.objects.get(caller_number="202", callee_number="203")
    assert to_sara.outcome == "answered"
    assert to_sara.transferred_by == "201"
    assert to_sara.replaced_call_id == consultation.call_id


def test_the_browser_transfers_its_bridged_plain_caller_to_a_bridged_plain_consultation(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Marco's SIPp phone calls Giulia, whose only phone is the browser (bridged); she
    consults Sara's SIPp phone (bridged too) and completes. The desk's REFER goes to
    Marco's phone straight, in its dialog with him, naming its own dialog with Sara; the
    proxy, which noted Giulia's Call-ID when it relayed her REFER, lets Marco's Replaces
    for the desk's Call-ID through. Records as for a browser that called."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    do_set_sip_password(do_provision_extension(marco), PASSWORDS["202"])
    do_set_sip_password(do_provision_extension(sara), PASSWORDS["203"])
    base = port_base()
    marco_port, sara_port, replacing_port = base + 20, base + 22, base + 24
    with officina_without_rtpengine(settings) as officina:
        desk = officina.running.media
        sara_phone = sipp_phone(
            tmp_path, "uas_answer.xml", sara_port, "-mp", str(base + 50), "-m", "2"
        )
        _registered(tmp_path, "203", sara_port, base + 23)
        context, phone = open_phone(media_browser, officina, giulia)
        rows = injection_file(
            tmp_path, "202", f"[authentication username=202 password={PASSWORDS['202']}]", "201"
        )
        marco_phone = sipp_phone(
            tmp_path, "uac_transferee_attended.xml", marco_port, f"{HOST}:{SIP_PORT}",
            "-mp", str(base + 30), "-inf", rows,
        )  # fmt: skip
        expect(phone.locator("#incoming-number")).to_have_text("202", timeout=15_000)
        phone.click("#answer")
        expect(phone.locator("#call-state")).to_have_text("Connected", timeout=15_000)
        phone.click("#transfer-open")
        phone.fill("#transfer-number", "203")
        phone.click("#transfer-consult")
        expect(phone.locator("#transfer-complete")).to_be_visible(timeout=15_000)
        assert wait_for(lambda: len(desk.relays) == 2, 10), "both calls bridged"
        phone.click("#transfer-complete")
        replacing, replaces = _marco_follows_the_refer(
            tmp_path, base, replacing_port, "uac_transferee_attended"
        )
        expect(phone.locator("#in-call")).to_be_hidden(timeout=15_000)
        expect(phone.locator("#softphone-state")).to_have_text("Transferred to 203")
        assert _finished(replacing) == 0
        assert _finished(marco_phone) == 0
        assert _finished(sara_phone) == 0
        assert wait_for(lambda: not desk.relays, 5), "the desk relays nothing more"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        context.close()

    consulted = _requests(_messages(tmp_path, "uas_answer"), "INVITE")[0]
    consultation_id = _header(consulted, "Call-ID")
    assert replaces.startswith(f"{consultation_id};"), replaces
    to_giulia = CallRecord.objects.get(caller_number="202", callee_number="201")
    assert (to_giulia.outcome, to_giulia.transferred_to) == ("answered", "203")
    to_sara = CallRecord.objects.get(caller_number="202", callee_number="203")
    assert to_sara.outcome == "answered"
    assert to_sara.transferred_by == "201"
    assert to_sara.replaced_call_id == consultation_id
    assert CallRecord.objects.count() == 3


def test_a_failed_attended_transfer_keeps_both_bridged_calls(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """As the first test, but Marco's phone reports that its new call failed (481 in the
    NOTIFY's sipfrag): the browser says the transfer failed and keeps both calls (the
    consultation can still be completed), the desk goes on bridging both, and ends
    neither; Giulia's hang-up ends them."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    do_set_sip_password(do_provision_extension(marco), PASSWORDS["202"])
    do_set_sip_password(do_provision_extension(sara), PASSWORDS["203"])
    base = port_base()
    marco_port, sara_port = base + 20, base + 22
    with officina_without_rtpengine(settings) as officina:
        desk = officina.running.media
        marco_phone = sipp_phone(
            tmp_path, "uas_transferee_attended.xml", marco_port, "-mp", str(base + 30),
            "-key", "user", "202", "-key", "sipfrag", "481 Call Does Not Exist",
        )  # fmt: skip
        sara_phone = sipp_phone(tmp_path, "uas_answer.xml", sara_port, "-mp", str(base + 50))
        _registered(tmp_path, "202", marco_port, base + 21)
        _registered(tmp_path, "203", sara_port, base + 23)
        context, phone = open_phone(media_browser, officina, giulia)
        _consult(phone, "202", "203")
        expect(phone.locator("#transfer-complete")).to_be_visible(timeout=15_000)
        assert wait_for(lambda: len(desk.relays) == 2, 10), "both calls bridged"
        phone.click("#transfer-complete")
        expect(phone.locator("#transfer-status")).to_contain_text("Transfer failed", timeout=15_000)
        expect(phone.locator("#in-call")).to_be_visible()
        expect(phone.locator("#transfer-complete")).to_be_visible()
        phone.wait_for_timeout(1000)
        assert len(desk.relays) == 2, "the desk keeps both calls"
        assert marco_phone.poll() is None and sara_phone.poll() is None, "nobody hung up"
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden(timeout=10_000)
        assert _finished(marco_phone) == 0
        assert _finished(sara_phone) == 0
        assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        context.close()

    assert not CallRecord.objects.filter(caller_number="202").exists(), "no new call"
    consultation = CallRecord.objects.get(caller_number="201", callee_number="203")
    assert consultation.outcome == "answered"


@pytest.mark.parametrize("pressed", ["on answering", "awaiting the ack"])
def test_a_hold_asked_before_the_desks_ack_waits_for_it(
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
    monkeypatch,
    pressed,
):
    """Marco's SIPp phone calls Giulia's browser, bridged: the desk calls the browser
    without an offer, the browser offers in its 200 and the desk answers in its ACK,
    held back here by 2 s (as aiortc can take on a loaded machine). Giulia presses Hold
    as soon as the call says Connected, or once the browser's 200 is out: the hold's
    re-INVITE goes only after that ACK. Before, a press while the browser was still
    answering was lost, and one awaiting the ACK crossed the ACK's answer with the
    re-INVITE's and the call ended. The call is held, still up, until Giulia hangs up,
    which ends Marco's call."""
    from playwright.sync_api import expect

    from officina.pbx.placed_calls import PlacedLeg

    answer_offer = PlacedLeg.answer_offer

    def answer_late(leg: PlacedLeg, answer: bytes) -> None:
        leg.placer.layer.call_later(2.0, lambda: answer_offer(leg, answer))

    monkeypatch.setattr(PlacedLeg, "answer_offer", answer_late)
    do_provision_extension(giulia)  # 201, the browser
    do_set_sip_password(do_provision_extension(marco), PASSWORDS["202"])
    base = port_base()
    with officina_without_rtpengine(settings) as officina:
        desk = officina.running.media
        context, phone = open_phone(media_browser, officina, giulia)
        rows = injection_file(
            tmp_path, "202", f"[authentication username=202 password={PASSWORDS['202']}]", "201"
        )
        marco_phone = sipp_phone(
            tmp_path, "uac_call_cut.xml", base + 20, f"{HOST}:{SIP_PORT}",
            "-mp", str(base + 30), "-inf", rows,
        )  # fmt: skip
        expect(phone.locator("#incoming-number")).to_have_text("202", timeout=15_000)
        phone.click("#answer")
        expect(phone.locator("#call-state")).to_have_text("Connected", timeout=15_000)
        if pressed == "awaiting the ack":
            phone.wait_for_function(  # JsSIP's STATUS_WAITING_FOR_ACK
                "() => officinaPhone.session && officinaPhone.session.status === 6"
            )
        phone.click("#hold")
        expect(phone.locator("#hold")).to_have_attribute("aria-pressed", "true")
        assert wait_for(lambda: any("caller" in relay.holding for relay in desk.relays), 10)
        phone.wait_for_timeout(3000)  # past the desk's ACK
        expect(phone.locator("#in-call")).to_be_visible()
        expect(phone.locator("#hold")).to_have_attribute("aria-pressed", "true")
        assert marco_phone.poll() is None, "Marco's call goes on"
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert _finished(marco_phone) == 0
        assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
        context.close()
