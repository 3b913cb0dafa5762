"""A plain phone's attended transfer of its browser party in a call the desk bridges
(``BridgedBrowserCalls._onward_refers`` with Replaces), with real peers: Chromium (JsSIP)
for Giulia's browser phone, SIPp for Marco's desk phone (the transferor) and for Sara's
(the target).

Giulia's browser calls Marco (202), bridged by the desk. Marco has consulted Sara (203)
on a call of his own, plain to plain, and completes the transfer: his REFER's Refer-To
names Sara with a Replaces naming that consultation as Sara's phone holds it. The desk,
the browser's other end, calls Sara as Giulia carrying that Replaces, so that Sara's
phone swaps the consultation for the new call; on her answer the browser is bridged to
her and Marco's call ends."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
# Marco's consultation with Sara as Sara's phone holds it (RFC 3891 §3): the to-tag is
# Sara's own, the from-tag Marco's.
CONSULTATION = "consult-203@127.0.0.1"
REPLACES = f"{CONSULTATION};to-tag=sara-side;from-tag=marco-side"
# Offsets from the test's port base: SIPp takes a media port, its RTCP and the two next
# (video), so the phones' media are ten apart.
MARCO_PORT, MARCO_MEDIA = 20, 30
SARA_PORT, SARA_MEDIA = 22, 40


@contextmanager
def _consulted_transfer(
    settings: Any, tmp_path: Path, browser: Any, giulia: Any, target_scenario: str
) -> Iterator[tuple[Any, Any, Any, subprocess.Popen[bytes], subprocess.Popen[bytes]]]:
    """Marco's and Sara's SIPp phones registered; Giulia's browser calls Marco, bridged
    by the desk, and Marco's phone sends its attended REFER to Sara (``REPLACES``).
    Yields (the desk, the browser context, its page, Marco's SIPp, Sara's SIPp)."""
    from playwright.sync_api import expect

    base = port_base()
    escaped = REPLACES.replace("@", "%40").replace(";", "%3B").replace("=", "%3D")
    with officina_without_rtpengine(settings) as officina:
        desk = officina.running.media
        marco_phone = sipp_phone(
            tmp_path,
            "uas_transferor_notified.xml", base + MARCO_PORT, "-mp", str(base + MARCO_MEDIA),
            "-key", "user", "202",
            "-key", "refer_to", f"<sip:203@{HOST}:{SIP_PORT}?Replaces={escaped}>",
        )  # fmt: skip
        sara_phone = sipp_phone(
            tmp_path, target_scenario, base + SARA_PORT, "-mp", str(base + SARA_MEDIA)
        )
        for number, port, register_port in (
            ("202", MARCO_PORT, MARCO_PORT + 1),
            ("203", SARA_PORT, SARA_PORT + 1),
        ):
            password = PASSWORDS[number]
            rows = injection_file(
                tmp_path, number, f"[authentication username={number} password={password}]"
            )
            register = sipp_phone(
                tmp_path,
                "register.xml", base + register_port, f"{HOST}:{SIP_PORT}",
                "-key", "contact_host", HOST, "-key", "contact_port", str(base + port),
                "-key", "expires", "300", "-inf", rows,
            )  # fmt: skip
            assert register.wait(30) == 0
        context, phone = open_phone(browser, officina, giulia)
        phone.fill("#dial-number", "202")
        phone.click("#call")
        expect(phone.locator("#in-call")).to_be_visible(timeout=15_000)
        assert wait_for(lambda: len(desk.relays) == 1, 10)
        yield desk, context, phone, marco_phone, sara_phone


def _provision(giulia: Any, marco: Any, sara: Any) -> None:
    do_provision_extension(giulia)  # 201, the browser
    for member, number in ((marco, "202"), (sara, "203")):
        do_set_sip_password(do_provision_extension(member), PASSWORDS[number])


def _finished(sipp: subprocess.Popen[bytes]) -> bool:
    return sipp.wait(30) == 0


def _final_notify(tmp_path: Path) -> str:
    (marco_log,) = tmp_path.glob("uas_transferor_notified_*_messages.log")
    return marco_log.read_text().split("\nNOTIFY ")[-1].split("\n\n", 2)[1]


def test_a_plain_phone_transfers_its_bridged_browser_party_attended(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Sara's phone gets the desk's INVITE with the Replaces Marco wrote, answers it; the
    browser stays in its one call, now bridged to Sara's media address; Marco's phone
    hears 100 Trying and 200 OK in NOTIFYs, then the desk's BYE. Records: Giulia's call
    to Marco transferred to 203; her call to Sara transferred by 202, replacing the
    consultation. Giulia's hang-up ends Sara's call."""
    from playwright.sync_api import expect

    _provision(giulia, marco, sara)
    with _consulted_transfer(
        settings, tmp_path, media_browser, giulia, "uas_replaced_target.xml"
    ) as (desk, context, phone, marco_phone, sara_phone):
        answered = CallRecord.objects.filter(callee_number="203", outcome="answered")
        assert wait_for(answered.exists, 15), "Sara's phone took the desk's call"
        assert _finished(marco_phone), "Marco's call ended by the desk's BYE"
        expect(phone.locator("#call-state")).to_have_text("Connected")
        (relay,) = desk.relays
        assert relay.onward.remote[1] == port_base() + SARA_MEDIA, "bridged to Sara"
        phone.wait_for_timeout(1000)
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert _finished(sara_phone), "Giulia's hang-up ended Sara's call"
        assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        context.close()

    (sara_log,) = tmp_path.glob("uas_replaced_target_*_messages.log")
    invite = sara_log.read_text().split("\nINVITE ", 1)[1].split("\n\n", 1)[0]
    assert re.search(rf"^Replaces: {re.escape(REPLACES)}\s*$", invite, re.MULTILINE), invite
    assert re.search(r"^Referred-By: <sip:202@[^>]+>\s*$", invite, re.MULTILINE), invite
    assert re.search(r"^From: .*<sip:201@", invite, re.MULTILINE), "the desk calls as Giulia"
    assert _final_notify(tmp_path).startswith("SIP/2.0 200 OK")
    to_marco = CallRecord.objects.get(callee_number="202")
    assert (to_marco.caller_number, to_marco.outcome) == ("201", "answered")
    assert to_marco.transferred_to == "203"
    assert to_marco.ended_at is not None
    to_sara = CallRecord.objects.get(callee_number="203")
    assert (to_sara.caller_number, to_sara.outcome) == ("201", "answered")
    assert to_sara.transferred_by == "202"
    assert to_sara.replaced_call_id == CONSULTATION


def test_a_target_without_the_consultation_leaves_the_bridged_call_as_it_was(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Sara's phone holds no dialog the Replaces names and answers the desk's INVITE
    481: Marco's final NOTIFY says 481, the desk hangs up neither side, the browser is
    still bridged to Marco's phone, until Giulia hangs up, which ends Marco's call."""
    from playwright.sync_api import expect

    _provision(giulia, marco, sara)
    with _consulted_transfer(
        settings, tmp_path, media_browser, giulia, "uas_replaced_unknown.xml"
    ) as (desk, context, phone, marco_phone, sara_phone):
        assert _finished(sara_phone), "Sara's phone refused the Replaces"
        phone.wait_for_timeout(1500)  # the final NOTIFY reaches Marco meanwhile
        expect(phone.locator("#call-state")).to_have_text("Connected")
        (relay,) = desk.relays
        assert relay.onward.remote[1] == port_base() + MARCO_MEDIA, "still bridged to Marco"
        assert marco_phone.poll() is None, "Marco's call goes on"
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert _finished(marco_phone), "Giulia's hang-up ended Marco's call"
        assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
        context.close()

    assert _final_notify(tmp_path).startswith("SIP/2.0 481")
    to_marco = CallRecord.objects.get(callee_number="202")
    assert (to_marco.caller_number, to_marco.outcome) == ("201", "answered")
    assert to_marco.ended_by == CallRecord.EndedBy.CALLER, "Giulia hung up, not the desk"
    attempt = CallRecord.objects.get(callee_number="203")
    assert attempt.outcome != "answered"
    assert attempt.transferred_by == "202"
    assert attempt.replaced_call_id == CONSULTATION
