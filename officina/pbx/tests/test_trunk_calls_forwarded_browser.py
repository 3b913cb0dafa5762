"""A provider's call to a member on the browser phone only, without rtpengine, is rung by
the proxy itself through the desk's branch (``Proxy._with_desk_branches``), so that what
the member (or the company's number) says about unanswered calls applies as to any call
the proxy rings: the no-answer forward after the member's seconds, straight on to a
plain phone with the provider's own offer, and voicemail when nothing forwards. Real
peers: Chromium (JsSIP) for the browser phone, SIPp as the provider on 127.0.0.2 and as
the desk phone the call is forwarded to."""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING

import pytest

from officina.pbx.actions import (
    ForwardingInput,
    check_set_forwarding,
    do_provision_extension,
    do_set_sip_password,
)
from officina.pbx.models import CallRecord, Extension
from officina.pbx.tests.livepbx import LivePbx
from officina.pbx.tests.sipp_provider import COMPANY_NUMBER, messages, provider
from officina.pbx.tests.test_baresip import wait_for
from officina.pbx.tests.test_browser_calls_both_kinds import (
    BROWSER_AGENT,
    SIPP_AGENT,
    _desk_phone,
)
from officina.pbx.tests.test_click_to_call_browser import officina_without_rtpengine
from officina.pbx.tests.test_ring_groups_sipp import stop
from officina.pbx.tests.test_rtpengine_calls import open_phone
from officina.pbx.tests.test_sipp import finished, sipp
from officina.pbx.tests.test_softphone_browser import media_browser  # noqa: F401 (a fixture)
from officina.pbx.tests.test_trunk_calls_both_kinds import (
    CALLER,
    PROVIDER_PORTS,
    _trunk_with_the_number,
)

if TYPE_CHECKING:
    from pathlib import Path

    from officina.pbx.tests.livepbx import LiveOfficina

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("sipp"), reason="SIPp"),
]

MARCO_DESK_PASSWORD = "marco-desk-pw"


def _forwarding_read(officina: LiveOfficina) -> None:
    forwarding = officina.running.server.proxy.forwarding
    assert forwarding is not None
    forwarding.load()


def _provider_calls(
    officina: LiveOfficina, directory: Path, pause_ms: int
) -> subprocess.Popen[bytes]:
    pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
    return provider(
        directory, "provider_calls_number.xml", pbx, PROVIDER_PORTS[0],
        "-key", "did", COMPANY_NUMBER, "-key", "caller", CALLER, "-d", str(pause_ms), send=True,
    )  # fmt: skip


def test_a_call_in_to_a_browser_only_member_goes_on_to_their_no_answer_forward(
    media_browser,  # noqa: F811
    giulia,
    marco,
    studio_rossi,
    settings,
    tmp_path,
):
    """Studio Rossi's number rings Giulia, on the browser phone only, who forwards the
    calls she does not answer to Marco (202) after 5 seconds. The provider (SIPp) calls:
    her browser rings, she does not answer; after her seconds the popup goes and Marco's
    SIPp desk phone rings with a Diversion naming her, and answers; the provider hangs up.
    Two records with the provider's Call-ID, as for a call the proxy forwards from a plain
    phone: Giulia's, forwarded (480), and the forward's, answered by Marco's desk phone."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser only
    do_set_sip_password(do_provision_extension(marco), MARCO_DESK_PASSWORD)  # 202, SIPp
    check_set_forwarding(
        Extension.objects.get(number="201"), ForwardingInput(no_answer="202", no_answer_seconds=5)
    )
    with officina_without_rtpengine(settings) as officina:
        _trunk_with_the_number(officina, studio_rossi, "extension", "201")
        _forwarding_read(officina)
        desk_phone = _desk_phone(
            officina, tmp_path, "uas_answer_after_ringing.xml", "202", MARCO_DESK_PASSWORD,
            "-d", "1000",
        )  # fmt: skip
        directory = tmp_path / "provider"
        the_provider = None
        try:
            bridges = officina.running.server.proxy.browser_bridges
            desk = officina.running.media
            assert bridges is not None
            context, phone = open_phone(media_browser, officina, giulia)
            the_provider = _provider_calls(officina, directory, 2000)
            expect(phone.locator("#incoming")).to_be_visible(timeout=10_000)
            expect(phone.locator("#incoming-number")).to_have_text(CALLER)
            assert desk_phone.poll() is None, "the desk phone waits for the forward"
            expect(phone.locator("#incoming")).to_be_hidden(timeout=15_000)  # her seconds
            expect(phone.locator("#in-call")).to_be_hidden()
            assert finished(the_provider, directory) == 0, "put through to Marco, then BYE"
            assert desk_phone.wait(15) == 0, "the desk phone answered and got the BYE"
            assert wait_for(lambda: not bridges.calls and not desk.ports.in_use, 5)
            context.close()
        finally:
            stop(desk_phone)
            if the_provider is not None:
                stop(the_provider)

    (invite,) = [m for m in messages(tmp_path / "desk-202", "received") if m.startswith("INVITE")]
    assert "Diversion: <sip:201@" in invite and "reason=no-answer" in invite, invite
    assert "m=audio" in invite, "the provider's own offer, no desk in between"
    forwarded, answered = CallRecord.objects.order_by("started_at", "id")
    assert forwarded.call_id == answered.call_id
    assert forwarded.direction == answered.direction == CallRecord.Direction.INBOUND
    assert (forwarded.caller_number, forwarded.callee_number) == (CALLER, COMPANY_NUMBER)
    assert forwarded.callee is not None and forwarded.callee.member == giulia
    assert (forwarded.outcome, forwarded.final_status) == (CallRecord.Outcome.FORWARDED, 480)
    assert forwarded.devices_rung == [BROWSER_AGENT]
    assert (answered.caller_number, answered.callee_number) == (CALLER, "202")
    assert answered.callee is not None and answered.callee.member == marco
    assert answered.outcome == CallRecord.Outcome.ANSWERED
    assert answered.answered_by == SIPP_AGENT
    assert answered.ended_by == CallRecord.EndedBy.CALLER


def test_a_call_in_to_a_browser_only_member_goes_on_to_the_numbers_no_answer_forward(
    media_browser,  # noqa: F811
    giulia,
    marco,
    studio_rossi,
    settings,
    tmp_path,
):
    """Studio Rossi's number rings Giulia, on the browser phone only, and forwards the
    calls nobody answers within 5 seconds to Marco (202). The provider (SIPp) calls: her
    browser rings; after the number's seconds the popup goes and Marco's SIPp desk phone
    rings with a Diversion naming the number, and answers. Two records, as when the number
    rings a plain phone: the number's call forwarded (480), and Marco's, answered."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser only
    do_set_sip_password(do_provision_extension(marco), MARCO_DESK_PASSWORD)  # 202, SIPp
    with officina_without_rtpengine(settings) as officina:
        _trunk_with_the_number(
            officina, studio_rossi, "extension", "201", forward_when="no_answer",
            forward_seconds=5, forward_kind="extension", forward_target="202",
        )  # fmt: skip
        desk_phone = _desk_phone(
            officina, tmp_path, "uas_answer_after_ringing.xml", "202", MARCO_DESK_PASSWORD,
            "-d", "1000",
        )  # fmt: skip
        directory = tmp_path / "provider"
        the_provider = None
        try:
            context, phone = open_phone(media_browser, officina, giulia)
            the_provider = _provider_calls(officina, directory, 2000)
            expect(phone.locator("#incoming")).to_be_visible(timeout=10_000)
            assert desk_phone.poll() is None, "the desk phone waits for the forward"
            expect(phone.locator("#incoming")).to_be_hidden(timeout=15_000)
            assert finished(the_provider, directory) == 0, "put through to Marco, then BYE"
            assert desk_phone.wait(15) == 0, "the desk phone answered and got the BYE"
            context.close()
        finally:
            stop(desk_phone)
            if the_provider is not None:
                stop(the_provider)

    (invite,) = [m for m in messages(tmp_path / "desk-202", "received") if m.startswith("INVITE")]
    assert f"Diversion: <sip:{COMPANY_NUMBER}@" in invite and "reason=no-answer" in invite
    forwarded, answered = CallRecord.objects.order_by("started_at", "id")
    assert (forwarded.caller_number, forwarded.callee_number) == (CALLER, COMPANY_NUMBER)
    assert (forwarded.outcome, forwarded.final_status) == (CallRecord.Outcome.FORWARDED, 480)
    assert (answered.caller_number, answered.callee_number) == (CALLER, "202")
    assert answered.direction == CallRecord.Direction.INBOUND
    assert answered.outcome == CallRecord.Outcome.ANSWERED
    assert answered.answered_by == SIPP_AGENT


def test_a_call_in_to_a_browser_only_member_nobody_answers_goes_to_their_voicemail(
    media_browser,  # noqa: F811
    giulia,
    studio_rossi,
    settings,
    tmp_path,
):
    """Giulia, on the browser phone only, forwards nothing and has her voicemail after 5
    seconds. The provider (SIPp) calls Studio Rossi's number, which rings her: her browser
    rings, she does not answer; after her seconds the popup goes and the voicemail answers
    the provider's offer itself. One record: the call in to the number, not answered,
    taken by Giulia's voicemail."""
    from playwright.sync_api import expect

    from officina.voicemail.actions import check_update_box, do_open_box

    extension = do_provision_extension(giulia)  # 201, the browser only
    check_update_box(do_open_box(extension), enabled=True, ring_seconds=5, email_messages=False)
    with officina_without_rtpengine(settings) as officina:
        _trunk_with_the_number(officina, studio_rossi, "extension", "201")
        directory = tmp_path / "provider"
        the_provider = None
        try:
            context, phone = open_phone(media_browser, officina, giulia)
            the_provider = _provider_calls(officina, directory, 2000)
            expect(phone.locator("#incoming")).to_be_visible(timeout=10_000)
            expect(phone.locator("#incoming")).to_be_hidden(timeout=15_000)
            assert finished(the_provider, directory) == 0, "the voicemail answered, then BYE"
            context.close()
        finally:
            if the_provider is not None:
                stop(the_provider)

    record = CallRecord.objects.get()
    assert (record.caller_number, record.callee_number) == (CALLER, COMPANY_NUMBER)
    assert record.callee is not None and record.callee.member == giulia
    assert record.outcome == CallRecord.Outcome.NO_ANSWER
    assert record.voicemail
    assert record.devices_rung == [BROWSER_AGENT]


@pytest.mark.parametrize("case", ["always", "busy"])
def test_a_call_in_to_a_browser_only_member_forwarded_always_or_when_busy(
    media_browser,  # noqa: F811
    giulia,
    marco,
    studio_rossi,
    settings,
    tmp_path,
    case,
):
    """Studio Rossi's number rings Giulia, on the browser phone only, who forwards her
    calls to Marco (202) always, or when she is busy. Busy: her browser is in a call to
    her voicemail (``*97``) and answers the desk's branch 486. Either way the provider's
    call rings Marco's SIPp desk phone with a Diversion naming her and the reason, and is
    put through; her browser never shows it. Two records: hers, forwarded, and Marco's,
    answered."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser only
    do_set_sip_password(do_provision_extension(marco), MARCO_DESK_PASSWORD)  # 202, SIPp
    check_set_forwarding(
        Extension.objects.get(number="201"),
        ForwardingInput(always="202") if case == "always" else ForwardingInput(busy="202"),
    )
    with officina_without_rtpengine(settings) as officina:
        _trunk_with_the_number(officina, studio_rossi, "extension", "201")
        _forwarding_read(officina)
        desk_phone = _desk_phone(
            officina, tmp_path, "uas_answer_after_ringing.xml", "202", MARCO_DESK_PASSWORD,
            "-d", "1000",
        )  # fmt: skip
        directory = tmp_path / "provider"
        the_provider = None
        try:
            context, phone = open_phone(media_browser, officina, giulia)
            if case == "busy":
                phone.fill("#dial-number", "*97")
                phone.click("#call")
                expect(phone.locator("#call-state")).to_have_text("Connected")
            the_provider = _provider_calls(officina, directory, 2000)
            assert finished(the_provider, directory) == 0, "put through to Marco, then BYE"
            assert desk_phone.wait(15) == 0, "the desk phone answered and got the BYE"
            expect(phone.locator("#incoming")).to_be_hidden()
            context.close()
        finally:
            stop(desk_phone)
            if the_provider is not None:
                stop(the_provider)

    reason = {"always": "unconditional", "busy": "user-busy"}[case]
    (invite,) = [m for m in messages(tmp_path / "desk-202", "received") if m.startswith("INVITE")]
    assert "Diversion: <sip:201@" in invite and f"reason={reason}" in invite, invite
    records = CallRecord.objects.filter(caller_number=CALLER).order_by("started_at", "id")
    forwarded, answered = records
    assert (forwarded.callee_number, forwarded.outcome) == (
        COMPANY_NUMBER,
        CallRecord.Outcome.FORWARDED,
    )
    assert forwarded.final_status == (486 if case == "busy" else None)
    assert (answered.callee_number, answered.outcome) == ("202", CallRecord.Outcome.ANSWERED)
    assert answered.answered_by == SIPP_AGENT


def test_a_desk_phones_call_to_a_browser_only_member_goes_on_to_their_no_answer_forward(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    settings,
    tmp_path,
):
    """The same from inside: Sara's SIPp desk phone (203) calls Giulia, on the browser
    phone only, who forwards what she does not answer to Marco (202) after 5 seconds. Her
    browser rings through the desk's branch, she does not answer; after her seconds the
    popup goes and Marco's desk phone rings with a Diversion naming her and Sara's own
    offer (no desk in between), and answers; Sara hangs up. Two records of Sara's
    Call-ID: Giulia's, forwarded (480), and the forward's, answered by Marco's phone."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser only
    do_set_sip_password(do_provision_extension(marco), MARCO_DESK_PASSWORD)  # 202, SIPp
    do_set_sip_password(do_provision_extension(sara), "sara-desk-pw")  # 203, SIPp
    check_set_forwarding(
        Extension.objects.get(number="201"), ForwardingInput(no_answer="202", no_answer_seconds=5)
    )
    with officina_without_rtpengine(settings) as officina:
        _forwarding_read(officina)
        desk_phone = _desk_phone(
            officina, tmp_path, "uas_answer_after_ringing.xml", "202", MARCO_DESK_PASSWORD,
            "-d", "1000",
        )  # fmt: skip
        pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
        caller_directory = tmp_path / "sara"
        caller_directory.mkdir()
        sara_phone = None
        try:
            bridges = officina.running.server.proxy.browser_bridges
            desk = officina.running.media
            assert bridges is not None
            context, phone = open_phone(media_browser, officina, giulia)
            sara_phone = sipp(
                caller_directory, "uac_call.xml", pbx, officina.sip_port + 8, "-m", "1",
                "-d", "1000", "-trace_msg",
                rows=["203;[authentication username=203 password=sara-desk-pw];201"],
            )  # fmt: skip
            expect(phone.locator("#incoming")).to_be_visible(timeout=10_000)
            expect(phone.locator("#incoming-number")).to_have_text("203")
            assert desk_phone.poll() is None, "the desk phone waits for the forward"
            expect(phone.locator("#incoming")).to_be_hidden(timeout=15_000)  # her seconds
            expect(phone.locator("#in-call")).to_be_hidden()
            assert finished(sara_phone, caller_directory) == 0, "put through to Marco, then BYE"
            assert desk_phone.wait(15) == 0, "the desk phone answered and got the BYE"
            assert wait_for(lambda: not bridges.calls and not desk.ports.in_use, 5)
            context.close()
        finally:
            stop(desk_phone)
            if sara_phone is not None:
                stop(sara_phone)

    (invite,) = [m for m in messages(tmp_path / "desk-202", "received") if m.startswith("INVITE")]
    assert "Diversion: <sip:201@" in invite and "reason=no-answer" in invite, invite
    assert "m=audio" in invite, "Sara's own offer, no desk in between"
    forwarded, answered = CallRecord.objects.order_by("started_at", "id")
    assert forwarded.call_id == answered.call_id
    assert forwarded.direction == answered.direction == CallRecord.Direction.INTERNAL
    assert (forwarded.caller_number, forwarded.callee_number) == ("203", "201")
    assert (forwarded.outcome, forwarded.final_status) == (CallRecord.Outcome.FORWARDED, 480)
    assert forwarded.devices_rung == [BROWSER_AGENT]
    assert (answered.caller_number, answered.callee_number) == ("203", "202")
    assert answered.outcome == CallRecord.Outcome.ANSWERED
    assert answered.answered_by == SIPP_AGENT
    assert answered.ended_by == CallRecord.EndedBy.CALLER
