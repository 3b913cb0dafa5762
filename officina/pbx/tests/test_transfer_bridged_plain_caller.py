"""A plain caller's transfer of the browser it called, in a call the desk bridges
(``BridgedBrowserCalls._caller_refers``), with real peers: SIPp for Marco's desk phone
(the caller and transferor) and for Sara's (the target), Chromium (JsSIP) for Giulia's
browser phone.

Marco (202) calls Giulia (201), whose only phone is the browser, and she answers: the
desk bridges the call. Marco's phone then sends a REFER to 203 in its call with the
desk; the desk sends the browser a REFER of its own, the browser calls Sara (a plain
phone: the proxy has the desk bridge that call in turn), and the browser's NOTIFYs
reach Marco's phone in his own REFER's subscription. Attended, Marco's second line really
consults Sara first (plain to plain, through the proxy) and his REFER's Replaces names
that call: the browser's call takes the consultation's place at Sara's phone. A
consultation with Sara's browser, which the desk bridges, is
``test_transfer_bridged_browser_consulted.py``."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from officina.pbx.actions import do_provision_extension
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, port_base
from officina.pbx.tests.test_baresip import wait_for
from officina.pbx.tests.test_click_to_call_browser import officina_without_rtpengine
from officina.pbx.tests.test_rtpengine_calls import (
    SIP_PORT,
    SIPP,
    injection_file,
    open_phone,
    sipp_phone,
)
from officina.pbx.tests.test_softphone_browser import media_browser  # noqa: F401 (a fixture)
from officina.pbx.tests.test_transfer_bridged_attended import (
    PASSWORDS,
    _finished,
    _header,
    _messages,
    _registered,
    _requests,
    _tag,
    _traced,
)
from officina.pbx.tests.test_transfer_bridged_attended_plain import (
    CONSULTATION,
    REPLACES,
    _provision,
)
from officina.voicemail.actions import check_update_box, do_open_box
from officina.voicemail.kinds import RING_SECONDS_DEFAULT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed"),
]

# Offsets from the test's port base: SIPp takes a media port, its RTCP and the two next
# (video), so the phones' media are ten apart.
MARCO_PORT, MARCO_MEDIA = 20, 30
SARA_PORT, SARA_MEDIA = 22, 40
CONSULTING_PORT, CONSULTING_MEDIA = 24, 50


@contextmanager
def _marco_transfers_giulia(
    settings: Any,
    tmp_path: Path,
    browser: Any,
    giulia: Any,
    target_scenario: str,
    replaces: str = "",
    transferor_scenario: str = "uac_transferor.xml",
    consultation: Callable[[], str] | None = None,
    sara_calls: int = 1,
) -> Iterator[tuple[Any, Any, Any, subprocess.Popen[bytes], subprocess.Popen[bytes]]]:
    """Sara's SIPp phone (``target_scenario``, taking ``sara_calls`` calls) registered;
    Marco's SIPp phone calls Giulia's browser, she answers (bridged by the desk), and his
    phone sends its REFER to 203 (attended: with ``replaces``, his consultation with
    Sara, or the Replaces ``consultation`` returns once it has placed a real one), as
    ``transferor_scenario`` goes on. Yields (the desk, the browser context, its page,
    Marco's SIPp, Sara's SIPp)."""
    base = port_base()
    with officina_without_rtpengine(settings) as officina:
        desk = officina.running.media
        context, phone = open_phone(browser, officina, giulia)
        # The REFER the browser gets, as JsSIP reads it (the page keeps its headers).
        phone.evaluate(
            """() => officinaPhone.ua.on("newRTCSession", ({ session }) =>
                 session.on("refer", ({ request }) => {
                   window.referTo = request.getHeader("Refer-To");
                   window.referredBy = request.getHeader("Referred-By");
                 }))"""
        )
        sara_phone = sipp_phone(
            tmp_path, target_scenario, base + SARA_PORT, "-mp", str(base + SARA_MEDIA),
            "-m", str(sara_calls),
        )  # fmt: skip
        _registered(tmp_path, "203", base + SARA_PORT, base + SARA_PORT + 1)
        if consultation is not None:
            replaces = consultation()
        marco_phone = _marco_calls_giulia(tmp_path, transferor_scenario, replaces)
        _giulia_answers_marco(phone, desk, 1)
        yield desk, context, phone, marco_phone, sara_phone


def _giulia_answers_marco(phone: Any, desk: Any, bridged: int) -> None:
    """Giulia's browser ``phone`` answers Marco's call, which makes ``bridged`` calls the
    ``desk`` bridges."""
    from playwright.sync_api import expect

    expect(phone.locator("#incoming")).to_be_visible(timeout=15_000)
    expect(phone.locator("#incoming-number")).to_have_text("202")
    phone.click("#answer")
    expect(phone.locator("#call-state")).to_have_text("Connected")
    assert wait_for(lambda: len(desk.relays) == bridged, 10)


def _marco_calls_giulia(
    tmp_path: Path, transferor_scenario: str, replaces: str
) -> subprocess.Popen[bytes]:
    """Marco's SIPp phone calling 201, to refer her to 203 (with ``replaces``, if any)."""
    base = port_base()
    escaped = replaces.replace("@", "%40").replace(";", "%3B").replace("=", "%3D")
    refer_to = (
        f"<sip:203@{HOST}:{SIP_PORT}?Replaces={escaped}>"
        if replaces
        else f"<sip:203@{HOST}:{SIP_PORT}>"
    )
    rows = injection_file(
        tmp_path, "202", f"[authentication username=202 password={PASSWORDS['202']}]", "201"
    )
    return sipp_phone(
        tmp_path,
        transferor_scenario, base + MARCO_PORT, f"{HOST}:{SIP_PORT}",
        "-mp", str(base + MARCO_MEDIA), "-inf", rows,
        "-key", "refer_to", refer_to,
    )  # fmt: skip


def _marco_consults_sara(
    tmp_path: Path, sara_page: Any = None, scenario: str = "uac_call.xml"
) -> tuple[subprocess.Popen[bytes], str]:
    """Marco's second SIPp phone places his consultation, a call of its own to 203 through
    the proxy, which it hangs up after 20 s (``scenario``; uac_call_cut.xml waits for the
    other end's BYE instead): plain to plain, or, with ``sara_page``, to Sara's browser,
    which answers it (bridged by the desk). Once answered, returns that SIPp and the
    Replaces naming the call as Sara's end holds it (RFC 3891 §3: the answering end's
    tag the to-tag, Marco's the from-tag)."""
    base = port_base()
    rows = injection_file(
        tmp_path, "202", f"[authentication username=202 password={PASSWORDS['202']}]", "203"
    )
    consulting = sipp_phone(
        tmp_path, scenario, base + CONSULTING_PORT, f"{HOST}:{SIP_PORT}",
        "-mp", str(base + CONSULTING_MEDIA), "-inf", rows, "-d", "20000",
    )  # fmt: skip
    if sara_page is not None:
        from playwright.sync_api import expect

        expect(sara_page.locator("#incoming")).to_be_visible(timeout=15_000)
        sara_page.click("#answer")
    traced = scenario.removesuffix(".xml")

    def answered() -> list[str]:
        return [
            message
            for message in _traced(_messages(tmp_path, traced))
            if message.startswith("SIP/2.0 200") and _header(message, "CSeq").endswith("INVITE")
        ]

    assert wait_for(lambda: bool(answered()), 15), _messages(tmp_path, traced)
    answer = answered()[0]
    replaces = (
        f"{_header(answer, 'Call-ID')};to-tag={_tag(_header(answer, 'To'))}"
        f";from-tag={_tag(_header(answer, 'From'))}"
    )
    return consulting, replaces


def _final_notify(tmp_path: Path) -> str:
    """The sipfrag of the last NOTIFY Marco's phone got."""
    notifies = _requests(_messages(tmp_path, "uac_transferor"), "NOTIFY")
    assert notifies, _messages(tmp_path, "uac_transferor")
    return notifies[-1].split("\n\n", 1)[1]


def test_a_plain_caller_transfers_the_browser_it_called(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """The browser gets the desk's REFER (Referred-By 202) and calls Sara, whose phone
    answers the call the desk bridges; Marco's phone hears NOTIFYs up to 200 OK and hangs
    up, which ends the browser's old call; the browser stays connected, to 203, bridged
    to Sara's media address. Records: Marco's call to Giulia transferred to 203, her call
    to Sara transferred by 202. Giulia's hang-up ends Sara's call."""
    from playwright.sync_api import expect

    _provision(giulia, marco, sara)
    with _marco_transfers_giulia(settings, tmp_path, media_browser, giulia, "uas_answer.xml") as (
        desk, context, phone, marco_phone, sara_phone,
    ):  # fmt: skip
        assert _finished(marco_phone) == 0, "Marco heard 200 OK and hung up"
        refer_to, referred_by = phone.evaluate("[window.referTo, window.referredBy]")
        assert re.fullmatch(r"<sip:203@[^>?]+>", refer_to), refer_to
        assert re.fullmatch(r"<sip:202@[^>]+>", referred_by), referred_by
        expect(phone.locator("#call-number")).to_have_text("203", timeout=15_000)
        expect(phone.locator("#call-state")).to_have_text("Connected")
        assert wait_for(lambda: len(desk.relays) == 1, 10), "Marco's bridge ended"
        (relay,) = desk.relays
        assert relay.onward.remote[1] == port_base() + SARA_MEDIA, "bridged to Sara"
        phone.wait_for_timeout(1000)
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert _finished(sara_phone) == 0, "Giulia's hang-up ended Sara's call"
        assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        context.close()

    notifies = _requests(_messages(tmp_path, "uac_transferor"), "NOTIFY")
    assert notifies[0].split("\n\n", 1)[1].startswith("SIP/2.0 100"), notifies[0]
    assert _final_notify(tmp_path).startswith("SIP/2.0 200")
    assert _header(notifies[-1], "Subscription-State").startswith("terminated")
    (sara_log,) = tmp_path.glob("uas_answer_*_messages.log")
    invite = sara_log.read_text().split("\nINVITE ", 1)[1].split("\n\n", 1)[0]
    assert re.search(r"^From: .*<sip:201@", invite, re.MULTILINE), "Giulia calls Sara"
    # RFC 3892: Sara's phone is told who put the call through, from the browser's INVITE
    # (JsSIP adds no Referred-By of its own) through the desk's bridge.
    assert re.search(r"^Referred-By: <sip:202@", invite, re.MULTILINE), invite
    assert wait_for(lambda: not CallRecord.objects.filter(ended_at=None).exists(), 5)
    to_giulia = CallRecord.objects.get(callee_number="201")
    assert (to_giulia.caller_number, to_giulia.outcome) == ("202", "answered")
    assert to_giulia.transferred_to == "203"
    to_sara = CallRecord.objects.get(callee_number="203")
    assert (to_sara.caller_number, to_sara.outcome) == ("201", "answered")
    assert to_sara.transferred_by == "202"


def test_the_transferor_gets_each_notify_once_it_answered_the_one_before(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Marco's phone takes 1.5 s to answer each NOTIFY (a phone busy elsewhere, a slow
    link), while the browser reports 100 Trying and 200 OK well within that: the desk
    holds each NOTIFY back until Marco answered the one before, so his phone never gets
    one while it still owes an answer (SIPp aborts the call if it does) and hears of the
    transfer in order, 100 then 200, and hangs up."""
    slow = tmp_path / "uac_transferor_slow.xml"
    scenario = (SIPP / "uac_transferor.xml").read_text()
    answer = '  <label id="notified"/>\n'
    assert scenario.count(answer) == 1
    slow.write_text(scenario.replace(answer, answer + '  <pause milliseconds="1500"/>\n'))
    _provision(giulia, marco, sara)
    with _marco_transfers_giulia(
        settings, tmp_path, media_browser, giulia, "uas_answer.xml", transferor_scenario=str(slow)
    ) as (_desk, context, phone, marco_phone, sara_phone):  # fmt: skip
        assert _finished(marco_phone) == 0, "Marco heard 200 OK and hung up"
        phone.click("#hangup")
        assert _finished(sara_phone) == 0, "Giulia's hang-up ended Sara's call"
        context.close()

    log = _traced(_messages(tmp_path, "uac_transferor_slow"))
    # Each NOTIFY where it first came (the desk sends one again while it waits).
    first: dict[str, int] = {}
    for index, message in enumerate(log):
        if message.startswith("NOTIFY "):
            first.setdefault(_header(message, "CSeq"), index)
    notifies = [log[index] for index in first.values()]
    assert notifies[0].split("\n\n", 1)[1].startswith("SIP/2.0 100"), notifies[0]
    assert notifies[-1].split("\n\n", 1)[1].startswith("SIP/2.0 200"), notifies[-1]
    for earlier, later in itertools.pairwise(first):
        answered_at = next(
            index
            for index, message in enumerate(log)
            if message.startswith("SIP/2.0 200") and _header(message, "CSeq") == earlier
        )
        assert answered_at < first[later], f"{later} came before {earlier} was answered"


def test_a_busy_target_leaves_the_plain_callers_call_with_the_browser(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Sara's phone answers the browser's call busy: Marco's final NOTIFY says 486, the
    desk hangs up neither side, the browser is still in its call with Marco, bridged to
    his phone, until Giulia hangs up, which ends Marco's call."""
    from playwright.sync_api import expect

    _provision(giulia, marco, sara)
    # No voicemail to take the call a busy phone refuses: the 486 is the answer.
    check_update_box(
        do_open_box(do_provision_extension(sara)),
        enabled=False, ring_seconds=RING_SECONDS_DEFAULT, email_messages=False,
    )  # fmt: skip
    with _marco_transfers_giulia(settings, tmp_path, media_browser, giulia, "uas_busy.xml") as (
        desk, context, phone, marco_phone, sara_phone,
    ):  # fmt: skip
        assert _finished(sara_phone) == 0, "Sara's phone answered busy"
        assert wait_for(lambda: "SIP/2.0 486" in _messages(tmp_path, "uac_transferor"), 10)
        expect(phone.locator("#call-number")).to_have_text("202")
        expect(phone.locator("#call-state")).to_have_text("Connected")
        (relay,) = desk.relays
        assert relay.onward.remote[1] == port_base() + MARCO_MEDIA, "still bridged to Marco"
        assert marco_phone.poll() is None, "Marco's call goes on"
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert _finished(marco_phone) == 0, "Giulia's hang-up ended Marco's call"
        assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
        context.close()

    assert _final_notify(tmp_path).startswith("SIP/2.0 486")
    assert wait_for(
        lambda: CallRecord.objects.filter(callee_number="201", ended_at__isnull=False).exists(), 5
    )
    to_giulia = CallRecord.objects.get(callee_number="201")
    assert (to_giulia.caller_number, to_giulia.outcome) == ("202", "answered")
    assert to_giulia.ended_by == CallRecord.EndedBy.CALLEE, "Giulia hung up, not the desk"
    attempt = CallRecord.objects.get(callee_number="203")
    assert attempt.outcome != "answered"
    assert attempt.transferred_by == "202"


def test_a_plain_caller_transfers_the_browser_it_called_attended(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Marco's REFER names his consultation with Sara (a Replaces, as Sara's phone holds
    it): the desk's REFER to the browser carries it as it came, the browser's call to
    Sara carries it, and so does the desk's call bridging it, which Sara's phone takes in
    the consultation's place. Marco hears 200 OK and hangs up; the browser is bridged to
    Sara. Records: Giulia's call to Sara transferred by 202, replacing the consultation."""
    from playwright.sync_api import expect

    _provision(giulia, marco, sara)
    with _marco_transfers_giulia(
        settings, tmp_path, media_browser, giulia, "uas_replaced_target.xml", REPLACES
    ) as (desk, context, phone, marco_phone, sara_phone):
        assert _finished(marco_phone) == 0, "Marco heard 200 OK and hung up"
        refer_to = phone.evaluate("window.referTo")
        named = re.fullmatch(r"<sip:203@[^>?]+\?Replaces=([^>]+)>", refer_to)
        assert named is not None, refer_to
        assert unquote(named[1]) == REPLACES
        expect(phone.locator("#call-number")).to_have_text("203", timeout=15_000)
        expect(phone.locator("#call-state")).to_have_text("Connected")
        assert wait_for(lambda: len(desk.relays) == 1, 10), "Marco's bridge ended"
        (relay,) = desk.relays
        assert relay.onward.remote[1] == port_base() + SARA_MEDIA, "bridged to Sara"
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert _finished(sara_phone) == 0, "Giulia's hang-up ended Sara's call"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        context.close()

    assert _final_notify(tmp_path).startswith("SIP/2.0 200")
    (sara_log,) = tmp_path.glob("uas_replaced_target_*_messages.log")
    invite = sara_log.read_text().split("\nINVITE ", 1)[1].split("\n\n", 1)[0]
    assert re.search(rf"^Replaces: {re.escape(REPLACES)}\s*$", invite, re.MULTILINE), invite
    assert re.search(r"^From: .*<sip:201@", invite, re.MULTILINE), "Giulia calls Sara"
    assert wait_for(lambda: not CallRecord.objects.filter(ended_at=None).exists(), 5)
    to_giulia = CallRecord.objects.get(callee_number="201")
    assert to_giulia.transferred_to == "203"
    to_sara = CallRecord.objects.get(callee_number="203")
    assert (to_sara.caller_number, to_sara.outcome) == ("201", "answered")
    assert to_sara.transferred_by == "202"
    assert to_sara.replaced_call_id == CONSULTATION


def test_a_plain_caller_transfers_the_browser_to_the_phone_it_consulted(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Marco's second phone line really consults Sara's phone (plain to plain, through
    the proxy), then his call with Giulia's browser REFERs her to 203 with a Replaces
    naming that consultation. The browser calls Sara with it; the proxy lets it through
    (Giulia is no party to the consultation, but its party referred her there), and the
    desk bridging her call carries it to Sara's phone, which gets it while it still holds
    the consultation, the Replaces naming that dialog as it holds it. Marco hears 200 OK
    and hangs up, the browser is connected to 203, bridged to Sara; the consultation
    ends by Marco's hang-up, not the desk's. Records: Giulia's call to Sara transferred
    by 202, replacing the consultation."""
    from playwright.sync_api import expect

    _provision(giulia, marco, sara)
    consulting: list[subprocess.Popen[bytes]] = []

    def consult() -> str:
        process, replaces = _marco_consults_sara(tmp_path)
        consulting.append(process)
        return replaces

    with _marco_transfers_giulia(
        settings, tmp_path, media_browser, giulia, "uas_answer.xml",
        consultation=consult, sara_calls=2,
    ) as (desk, context, phone, marco_phone, sara_phone):  # fmt: skip
        assert _finished(marco_phone) == 0, "Marco heard 200 OK and hung up"
        expect(phone.locator("#call-number")).to_have_text("203", timeout=15_000)
        expect(phone.locator("#call-state")).to_have_text("Connected")
        assert wait_for(lambda: len(desk.relays) == 1, 10), "Marco's bridge ended"
        (relay,) = desk.relays
        assert relay.onward.remote[1] == port_base() + SARA_MEDIA, "bridged to Sara"
        (consulting_phone,) = consulting
        assert _finished(consulting_phone) == 0, "Marco hung his consultation up"
        expect(phone.locator("#call-state")).to_have_text("Connected")
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert _finished(sara_phone) == 0, "Giulia's hang-up ended Sara's call"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        context.close()

    assert _final_notify(tmp_path).startswith("SIP/2.0 200")
    # Sara's phone: Marco's consultation, then the desk's call, which names it.
    sara_said = _messages(tmp_path, "uas_answer")
    sara_traced = _traced(sara_said)
    consulted, replacing = _requests(sara_said, "INVITE")
    consultation_id = _header(consulted, "Call-ID")
    assert _header(consulted, "From").startswith("<sip:202@"), consulted
    (answered,) = (
        message
        for message in sara_traced
        if message.startswith("SIP/2.0 200")
        and _header(message, "Call-ID") == consultation_id
        and _header(message, "CSeq").endswith("INVITE")
    )
    marco_tag = _tag(_header(consulted, "From"))
    named = replacing.split("\n\n", 1)[0]
    assert _header(named, "Replaces") == (
        f"{consultation_id};to-tag={_tag(_header(answered, 'To'))};from-tag={marco_tag}"
    )
    assert re.search(r"<sip:201@", _header(named, "From")), "Giulia calls Sara"
    consultation_byes = [
        message
        for message in sara_traced
        if message.startswith("BYE ") and _header(message, "Call-ID") == consultation_id
    ]
    assert [_tag(_header(bye, "From")) for bye in consultation_byes] == [marco_tag]
    assert sara_traced.index(replacing) < sara_traced.index(consultation_byes[0]), (
        "the replacing call came while Sara's phone held the consultation"
    )
    assert wait_for(lambda: not CallRecord.objects.filter(ended_at=None).exists(), 5)
    to_giulia = CallRecord.objects.get(callee_number="201")
    assert to_giulia.transferred_to == "203"
    consultation = CallRecord.objects.get(caller_number="202", callee_number="203")
    assert consultation.outcome == "answered"
    to_sara = CallRecord.objects.get(caller_number="201", callee_number="203")
    assert to_sara.outcome == "answered"
    assert to_sara.transferred_by == "202"
    assert to_sara.replaced_call_id == consultation_id


def test_a_plain_callers_refers_are_refused_as_the_other_parties_are(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """Marco's phone sends a REFER whose Refer-To cannot be read (400), one naming a
    ``tel:`` URI (416), a good one, which the browser takes while Sara's phone rings
    (NOTIFYs of 100 and 180), and another meanwhile (491): his phone checks each answer,
    then hangs up. Only the good REFER reached the browser; Giulia gives up on Sara's
    ringing call, which cancels it."""
    from playwright.sync_api import expect

    _provision(giulia, marco, sara)
    with _marco_transfers_giulia(
        settings, tmp_path, media_browser, giulia, "uas_ring_until_cancel.xml",
        transferor_scenario="uac_transferor_refused.xml",
    ) as (desk, context, phone, marco_phone, sara_phone):  # fmt: skip
        assert _finished(marco_phone) == 0, "each REFER answered as expected"
        refer_to = phone.evaluate("window.referTo")
        assert re.fullmatch(r"<sip:203@[^>?]+>", refer_to), refer_to
        expect(phone.locator("#call-number")).to_have_text("203")
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert _finished(sara_phone) == 0, "Giulia's giving up cancelled Sara's ringing"
        assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        context.close()

    assert wait_for(lambda: not CallRecord.objects.filter(ended_at=None).exists(), 5)
    to_giulia = CallRecord.objects.get(callee_number="201")
    assert to_giulia.transferred_to == "203"
    attempt = CallRecord.objects.get(callee_number="203")
    assert attempt.outcome != "answered"
    assert attempt.transferred_by == "202"
