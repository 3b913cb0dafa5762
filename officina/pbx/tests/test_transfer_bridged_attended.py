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
            "-mp", str(base + 30), "-key", "user", "202",
        )  # fmt: skip
        sara_phone = sipp_phone(
            tmp_path, "uas_answer.xml", sara_port, "-mp", str(base + 50), "-m", "2"
        )
        _registered(tmp_path, "202", marco_port, base + 21)
        _registered(tmp_path, "203", sara_port, base + 23)

        context, phone = open_phone(media_browser, officina, giulia)
        phone.fill("#dial-number", "202")
        phone.click("#call")
        expect(phone.locator("#call-state")).to_have_text("Connected", timeout=15_000)
        phone.click("#transfer-open")
        phone.fill("#transfer-number", "203")
        phone.click("#transfer-consult")
        expect(phone.locator("#transfer-complete")).to_be_visible(timeout=15_000)
        assert wait_for(lambda: len(desk.relays) == 2, 10), "both calls bridged"
        phone.click("#transfer-complete")

        # Marco's phone follows the desk's REFER: a call of its own to Sara, with Replaces.
        deadline = time.monotonic() + 10
        while not _requests(_messages(tmp_path, "uas_transferee_attended"), "REFER"):
            assert time.monotonic() < deadline, _messages(tmp_path, "uas_transferee_attended")
            time.sleep(0.1)
        (refer,) = _requests(_messages(tmp_path, "uas_transferee_attended"), "REFER")
        refer_to = re.fullmatch(r"<sip:(\d+)@[^?>]+\?Replaces=([^>]+)>", _header(refer, "Refer-To"))
        assert refer_to is not None, refer
        assert refer_to[1] == "203"
        replaces = unquote(refer_to[2])
        assert _header(refer, "Referred-By").startswith("<sip:201@"), refer
        rows = injection_file(
            tmp_path, "202", f"[authentication username=202 password={PASSWORDS['202']}]", "203"
        )
        replacing = sipp_phone(
            tmp_path, "uac_call_replaces.xml", replacing_port, f"{HOST}:{SIP_PORT}",
            "-mp", str(base + 84), "-key", "replaces", replaces, "-d", "3000", "-inf", rows,
        )  # fmt: skip

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
