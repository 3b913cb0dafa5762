"""Transfers in a click-to-call the desk bridges (no rtpengine) other than the browser's
blind one, with real peers: Chromium (JsSIP) for Giulia's browser phone, which answers
her click-to-call to Marco (202), and SIPp phones for Marco and Sara (203).

* Marco's phone transfers Giulia (its REFER in its call with the desk): the desk sends
  the browser a REFER of its own, the browser calls Sara (bridged by the desk in turn),
  and the browser's NOTIFYs reach Marco's phone in his REFER's subscription
  (``ThirdPartyCalls._target_refers``); its REFERs are refused as any party's are (400,
  416, 491 while one is pending).
* Giulia's browser consults Sara (bridged too) and completes: the desk's REFER to Marco
  names the desk's dialog with Sara as Sara's phone holds it, and Marco's INVITE with it
  replaces that call at Sara's phone (``BridgedBrowserCalls.named_for_browser``)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from officina.api.actions import do_create_api_token
from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, port_base
from officina.pbx.tests.test_baresip import wait_for
from officina.pbx.tests.test_click_to_call import api, follow
from officina.pbx.tests.test_click_to_call_browser import officina_without_rtpengine
from officina.pbx.tests.test_rtpengine_calls import SIP_PORT, open_phone, sipp_phone
from officina.pbx.tests.test_softphone_browser import media_browser  # noqa: F401 (a fixture)
from officina.pbx.tests.test_transfer_bridged_attended import (
    PASSWORDS,
    _finished,
    _header,
    _marco_follows_the_refer,
    _messages,
    _registered,
    _requests,
    _tag,
    _traced,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed"),
]

# Offsets from the test's port base: SIPp takes a media port, its RTCP and the two next
# (video), so the phones' media are ten apart.
MARCO_PORT, MARCO_MEDIA = 20, 30
SARA_PORT, SARA_MEDIA = 22, 50
REPLACING_PORT = 24


def _provision(giulia: Any, marco: Any, sara: Any) -> str:
    """Giulia's browser (201), Marco's and Sara's SIPp phones' extensions; returns the
    token of Giulia's click-to-call."""
    do_provision_extension(giulia)
    do_set_sip_password(do_provision_extension(marco), PASSWORDS["202"])
    do_set_sip_password(do_provision_extension(sara), PASSWORDS["203"])
    return do_create_api_token(giulia, "click-to-call")[1]


@contextmanager
def _giulia_clicks_to_call_marco(
    settings: Any, tmp_path: Path, browser: Any, giulia: Any, token: str, marco_scenario: str,
    *marco_keys: str, sara_calls: int = 1, sara_scenario: str = "uas_answer.xml",
) -> Iterator[tuple[Any, Any, Any, str]]:  # fmt: skip
    """Marco's SIPp phone (``marco_scenario``, with ``marco_keys``) and Sara's
    (``sara_scenario``, taking ``sara_calls`` calls) registered; Giulia clicks to call
    202 and answers in her browser phone, which the desk bridges to Marco's. Yields (the
    running Officina, the browser context, its page, the click-to-call's ticket); both
    phones' scenarios must pass."""
    from playwright.sync_api import expect

    base = port_base()
    with officina_without_rtpengine(settings) as officina:
        desk = officina.running.media
        marco_phone = sipp_phone(
            tmp_path, marco_scenario, base + MARCO_PORT, "-mp", str(base + MARCO_MEDIA),
            "-key", "user", "202", *marco_keys,
        )  # fmt: skip
        sara_phone = sipp_phone(
            tmp_path, sara_scenario, base + SARA_PORT, "-mp", str(base + SARA_MEDIA),
            "-m", str(sara_calls),
        )  # fmt: skip
        _registered(tmp_path, "202", base + MARCO_PORT, base + MARCO_PORT + 1)
        _registered(tmp_path, "203", base + SARA_PORT, base + SARA_PORT + 1)
        context, phone = open_phone(browser, officina, giulia)
        # The REFER the browser gets, as JsSIP reads it (the page keeps its headers).
        phone.evaluate(
            """() => officinaPhone.ua.on("newRTCSession", ({ session }) =>
                 session.on("refer", ({ request }) => {
                   window.referTo = request.getHeader("Refer-To");
                   window.referredBy = request.getHeader("Referred-By");
                 }))"""
        )
        status, placed = api(officina, token, "/phone/calls", {"target": "202"})
        assert status == 201, placed
        expect(phone.locator("#incoming")).to_be_visible()
        phone.click("#answer")
        assert follow(officina, token, placed["ticket"], "connected", 15) == "connected"
        assert wait_for(lambda: len(desk.relays) == 1, 10), "bridged by the desk"
        yield officina, context, phone, placed["ticket"]
        assert _finished(marco_phone) == 0
        assert _finished(sara_phone) == 0


def test_the_target_of_a_bridged_click_to_call_transfers_the_browser(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Marco's phone sends a blind REFER to 203 in its call with the desk. The browser
    gets the desk's REFER (same number, Referred-By 202) and calls Sara, whose phone
    answers the call the desk bridges; Marco's phone hears NOTIFYs up to 200 OK in its
    own REFER's subscription and hangs up, which ends the click-to-call; the browser stays
    connected, to 203, bridged to Sara. Records: Giulia's click-to-call to Marco
    transferred to 203, her call to Sara transferred by 202."""
    from playwright.sync_api import expect

    token = _provision(giulia, marco, sara)
    refer_to = f"<sip:203@{HOST}:{SIP_PORT}>"
    with _giulia_clicks_to_call_marco(
        settings, tmp_path, media_browser, giulia, token,
        "uas_transferor_hangs_up.xml", "-key", "refer_to", refer_to,
    ) as (officina, context, phone, ticket):  # fmt: skip
        desk = officina.running.media
        expect(phone.locator("#call-number")).to_have_text("203", timeout=15_000)
        expect(phone.locator("#call-state")).to_have_text("Connected")
        referred_to, referred_by = phone.evaluate("[window.referTo, window.referredBy]")
        assert re.fullmatch(r"<sip:203@[^>?]+>", referred_to), referred_to
        assert re.fullmatch(r"<sip:202@[^>]+>", referred_by), referred_by
        assert follow(officina, token, ticket, "ended", 10) == "ended", "Marco hung up"
        assert wait_for(lambda: len(desk.relays) == 1, 10), "Marco's bridge ended"
        (relay,) = desk.relays
        assert relay.onward.remote[1] == port_base() + SARA_MEDIA, "bridged to Sara"
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        context.close()

    notifies = _requests(_messages(tmp_path, "uas_transferor_hangs_up"), "NOTIFY")
    assert notifies[0].split("\n\n", 1)[1].startswith("SIP/2.0 100"), notifies[0]
    assert notifies[-1].split("\n\n", 1)[1].startswith("SIP/2.0 200"), notifies[-1]
    assert _header(notifies[-1], "Subscription-State").startswith("terminated")
    assert wait_for(lambda: not CallRecord.objects.filter(ended_at=None).exists(), 5)
    to_marco = CallRecord.objects.get(callee_number="202")
    assert (to_marco.caller_number, to_marco.outcome) == ("201", "answered")
    assert to_marco.transferred_to == "203"
    to_sara = CallRecord.objects.get(callee_number="203")
    assert (to_sara.caller_number, to_sara.outcome) == ("201", "answered")
    assert to_sara.transferred_by == "202"


def test_the_targets_refers_are_refused_as_the_other_parties_are(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Marco's phone sends, in its call with the desk, a REFER whose Refer-To cannot be
    read (400), one naming a ``tel:`` URI (416), a good one, which the browser takes
    while Sara's phone rings (NOTIFYs of 100 and 180), and another meanwhile (491): his
    phone checks each answer, then hangs up. Only the good REFER reached the browser;
    Giulia gives up on Sara's ringing call, which cancels it."""
    from playwright.sync_api import expect

    token = _provision(giulia, marco, sara)
    with _giulia_clicks_to_call_marco(
        settings, tmp_path, media_browser, giulia, token,
        "uas_transferor_refers_refused.xml", "-key", "refer_to", f"<sip:203@{HOST}:{SIP_PORT}>",
        sara_scenario="uas_ring_until_cancel.xml",
    ) as (officina, context, phone, ticket):  # fmt: skip
        desk = officina.running.media
        expect(phone.locator("#call-number")).to_have_text("203", timeout=15_000)
        assert follow(officina, token, ticket, "ended", 20) == "ended", "Marco hung up"
        referred_to = phone.evaluate("window.referTo")
        assert re.fullmatch(r"<sip:203@[^>?]+>", referred_to), referred_to
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        context.close()

    marco_heard = _messages(tmp_path, "uas_transferor_refers_refused")
    finals = [
        message.split()[1]
        for message in _traced(marco_heard)
        if re.match(r"SIP/2.0 [2-6]", message) and _header(message, "CSeq").endswith("REFER")
    ]
    assert finals == ["400", "416", "202", "491"], marco_heard
    assert wait_for(lambda: not CallRecord.objects.filter(ended_at=None).exists(), 5)
    to_marco = CallRecord.objects.get(callee_number="202")
    assert to_marco.transferred_to == "203"
    attempt = CallRecord.objects.get(callee_number="203")
    assert attempt.outcome != "answered"
    assert attempt.transferred_by == "202"


def test_the_browser_transfers_its_bridged_click_to_call_to_a_bridged_consultation(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Giulia's browser, in its click-to-call with Marco, consults Sara's SIPp phone
    (bridged too) and completes the transfer. Marco's phone gets the desk's REFER with a
    Replaces naming the desk's dialog with Sara as Sara's phone holds it (its Call-ID,
    Sara's tag as to-tag, the desk's as from-tag); its INVITE with that Replaces takes
    the consultation's place at Sara's phone. The browser says *Transferred to 203*, the
    desk relays nothing. Records: Giulia's click-to-call to Marco transferred to 203,
    Marco's call to Sara transferred by 201 replacing the consultation."""
    from playwright.sync_api import expect

    token = _provision(giulia, marco, sara)
    base = port_base()
    with _giulia_clicks_to_call_marco(
        settings, tmp_path, media_browser, giulia, token,
        "uas_transferee_attended.xml", "-key", "sipfrag", "200 OK", sara_calls=2,
    ) as (officina, context, phone, _ticket):  # fmt: skip
        desk = officina.running.media
        phone.click("#transfer-open")
        phone.fill("#transfer-number", "203")
        phone.click("#transfer-consult")
        expect(phone.locator("#transfer-complete")).to_be_visible(timeout=15_000)
        assert wait_for(lambda: len(desk.relays) == 2, 10), "both calls bridged"
        phone.click("#transfer-complete")
        replacing, _replaces = _marco_follows_the_refer(tmp_path, base, base + REPLACING_PORT)
        expect(phone.locator("#in-call")).to_be_hidden(timeout=15_000)
        expect(phone.locator("#softphone-state")).to_have_text("Transferred to 203")
        assert _finished(replacing) == 0
        assert wait_for(lambda: not desk.relays, 5), "the desk relays nothing more"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        context.close()

    # Sara's phone: the desk's call (the consultation), then Marco's, which names it.
    sara_said = _messages(tmp_path, "uas_answer")
    consulted, replacing_invite = _requests(sara_said, "INVITE")
    consultation_id = _header(consulted, "Call-ID")
    (answered,) = (
        message
        for message in _traced(sara_said)
        if message.startswith("SIP/2.0 200")
        and _header(message, "Call-ID") == consultation_id
        and _header(message, "CSeq").endswith("INVITE")
    )
    named = replacing_invite.split("\n\n", 1)[0]
    assert _header(named, "Replaces") == (
        f"{consultation_id};to-tag={_tag(_header(answered, 'To'))}"
        f";from-tag={_tag(_header(consulted, 'From'))}"
    )
    assert _header(named, "From").startswith("<sip:202@"), named
    assert wait_for(lambda: not CallRecord.objects.filter(ended_at=None).exists(), 5)
    to_marco = CallRecord.objects.get(caller_number="201", callee_number="202")
    assert (to_marco.outcome, to_marco.transferred_to) == ("answered", "203")
    to_sara = CallRecord.objects.get(caller_number="202", callee_number="203")
    assert to_sara.outcome == "answered"
    assert to_sara.transferred_by == "201"
    assert to_sara.replaced_call_id == consultation_id
