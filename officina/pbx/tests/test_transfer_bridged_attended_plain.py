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

    do_provision_extension(giulia)  # 201, the browser
    for member, number in ((marco, "202"), (sara, "203")):
        do_set_sip_password(do_provision_extension(member), PASSWORDS[number])
    base = port_base()
    marco_port, marco_media = base + 20, base + 30
    sara_port, sara_media = base + 22, base + 40
    escaped = REPLACES.replace("@", "%40").replace(";", "%3B").replace("=", "%3D")
    with officina_without_rtpengine(settings) as officina:
        desk = officina.running.media
        marco_phone = sipp_phone(
            tmp_path,
            "uas_transferor_notified.xml", marco_port, "-mp", str(marco_media),
            "-key", "user", "202",
            "-key", "refer_to", f"<sip:203@{HOST}:{SIP_PORT}?Replaces={escaped}>",
        )  # fmt: skip
        sara_phone = sipp_phone(
            tmp_path, "uas_replaced_target.xml", sara_port, "-mp", str(sara_media)
        )
        for number, port, register_port in (("202", marco_port, 21), ("203", sara_port, 23)):
            rows = injection_file(
                tmp_path, number, f"[authentication username={number} password={PASSWORDS[number]}]"
            )
            register = sipp_phone(
                tmp_path,
                "register.xml", base + register_port, f"{HOST}:{SIP_PORT}",
                "-key", "contact_host", HOST, "-key", "contact_port", str(port),
                "-key", "expires", "300", "-inf", rows,
            )  # fmt: skip
            assert register.wait(30) == 0
        context, phone = open_phone(media_browser, officina, giulia)
        phone.fill("#dial-number", "202")
        phone.click("#call")
        expect(phone.locator("#in-call")).to_be_visible(timeout=15_000)
        assert wait_for(lambda: len(desk.relays) == 1, 10)
        answered = CallRecord.objects.filter(callee_number="203", outcome="answered")
        assert wait_for(answered.exists, 15), "Sara's phone took the desk's call"
        assert marco_phone.wait(30) == 0, marco_phone.stderr.read() if marco_phone.stderr else ""
        expect(phone.locator("#call-state")).to_have_text("Connected")
        (relay,) = desk.relays
        assert relay.onward.remote[1] == sara_media, "the browser is bridged to Sara"
        phone.wait_for_timeout(1000)
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert sara_phone.wait(30) == 0, sara_phone.stderr.read() if sara_phone.stderr else ""
        assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        context.close()

    (sara_log,) = tmp_path.glob("uas_replaced_target_*_messages.log")
    invite = sara_log.read_text().split("\nINVITE ", 1)[1].split("\n\n", 1)[0]
    assert re.search(rf"^Replaces: {re.escape(REPLACES)}\s*$", invite, re.MULTILINE), invite
    assert re.search(r"^Referred-By: <sip:202@[^>]+>\s*$", invite, re.MULTILINE), invite
    assert re.search(r"^From: .*<sip:201@", invite, re.MULTILINE), "the desk calls as Giulia"
    (marco_log,) = tmp_path.glob("uas_transferor_notified_*_messages.log")
    assert "SIP/2.0 200 OK" in marco_log.read_text().split("\nNOTIFY ")[-1]
    to_marco = CallRecord.objects.get(callee_number="202")
    assert (to_marco.caller_number, to_marco.outcome) == ("201", "answered")
    assert to_marco.transferred_to == "203"
    assert to_marco.ended_at is not None
    to_sara = CallRecord.objects.get(callee_number="203")
    assert (to_sara.caller_number, to_sara.outcome) == ("201", "answered")
    assert to_sara.transferred_by == "202"
    assert to_sara.replaced_call_id == CONSULTATION
