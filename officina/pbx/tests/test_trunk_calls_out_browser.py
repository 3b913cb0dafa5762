"""A browser's call that a member's follow-me or no-answer forward sends out through the
company's trunk, without rtpengine: the provider speaks plain RTP, so the proxy rings it
through the desk's branch (``Proxy.provider_branch``), whose own call to the provider
carries the trunk's caller ID and its answer to the provider's challenge
(``ProviderLeg``), while the proxy's call spends the member's minutes for calls out.
Real peers: Chromium (JsSIP) for Giulia's browser phone, SIPp for Marco's desk phone and
for the provider on 127.0.0.2 (it challenges the INVITE, answers, and echoes the RTP it
gets back to its sender)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from officina.pbx.actions import (
    ForwardingInput,
    check_set_forwarding,
    do_provision_extension,
    do_set_sip_password,
)
from officina.pbx.models import CallRecord, Forwarding
from officina.pbx.selectors import start_of_today
from officina.pbx.tests.livepbx import LivePbx
from officina.pbx.tests.sipp_provider import COMPANY_NUMBER, credentials, messages, provider
from officina.pbx.tests.test_baresip import wait_for
from officina.pbx.tests.test_browser_calls_both_kinds import BROWSER_AGENT, SIPP_AGENT, _desk_phone
from officina.pbx.tests.test_click_to_call_browser import officina_without_rtpengine
from officina.pbx.tests.test_ring_groups_sipp import stop
from officina.pbx.tests.test_rtpengine_calls import open_phone
from officina.pbx.tests.test_sipp import finished
from officina.pbx.tests.test_softphone_browser import (
    media_browser,  # noqa: F401 (a fixture)
    wait_for_more_audio,
)
from officina.pbx.tests.test_trunk_calls_both_kinds import PROVIDER_PORTS, _trunk_with_the_number
from officina.trunks.actions import PermissionInput, check_set_permission

if TYPE_CHECKING:
    import subprocess
    from pathlib import Path

    from officina.accounts.models import Company, Member
    from officina.pbx.tests.livepbx import LiveOfficina

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("sipp"), reason="SIPp"),
]

MARCO_DESK_PASSWORD = "marco-desk-pw"
MILAN = "0039021234567"  # Marco's number outside, as he saved it
MILAN_E164 = "+39021234567"
TRUNK_AGENT = "trunk Provider"


def _provider_answering(officina: LiveOfficina, directory: Path) -> subprocess.Popen[bytes]:
    """SIPp as the provider: it challenges the INVITE, answers the one with the trunk's
    credentials, echoes the RTP it gets and waits for the BYE."""
    pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
    return provider(
        directory, "provider_answers_after_challenge.xml", pbx, PROVIDER_PORTS[0],
        *credentials(directory.parent), "-mp", str(PROVIDER_PORTS[2]), "-rtp_echo",
        "-timeout", "60s",
    )  # fmt: skip


def _marco_forwards(
    officina: LiveOfficina, company: Company, giulia: Member, marco: Member, **rule: Any
) -> int:
    """Giulia (201) on the browser phone only; Marco (202) with the browser phone and a
    SIPp desk phone, and
    ``rule`` as his forwarding; Studio Rossi's trunk presents its number. The PBX reads
    them now. Marco's extension id, whose minutes a call out of his spends."""
    do_provision_extension(giulia)
    extension = do_provision_extension(marco)
    do_set_sip_password(extension, MARCO_DESK_PASSWORD)
    _trunk_with_the_number(officina, company, "extension", "202", presented=True)
    check_set_forwarding(extension, ForwardingInput(**rule))  # a number the trunk can call
    forwarding = officina.running.server.proxy.forwarding
    assert forwarding is not None
    forwarding.load()
    return extension.pk


def _calls_marco_and_the_provider_answers(
    browser: Any,
    officina: LiveOfficina,
    giulia: Member,
    marco: Member,
    tmp_path: Path,
    *,
    hangs_up: bool = True,
) -> None:
    """Giulia's browser calls Marco; his browser phone (directly) and his desk phone
    (through the desk's branch) ring; the provider answers the desk's other branch: the
    popup goes, the desk phone gets the CANCEL, Giulia is connected, hears the echo of
    her own audio through the provider (bytes received grow), and hangs up (unless not
    ``hangs_up``)."""
    from playwright.sync_api import expect

    desk_phone = _desk_phone(
        officina, tmp_path, "uas_ring_until_cancel.xml", "202", MARCO_DESK_PASSWORD
    )
    directory = tmp_path / "provider"
    the_provider = _provider_answering(officina, directory)
    try:
        bridges = officina.running.server.proxy.browser_bridges
        desk = officina.running.media
        assert bridges is not None
        marco_context, marco_phone = open_phone(browser, officina, marco)
        context, phone = open_phone(browser, officina, giulia)
        phone.fill("#dial-number", "202")
        phone.click("#call")
        expect(marco_phone.locator("#incoming")).to_be_visible(timeout=10_000)
        expect(phone.locator("#call-state")).to_have_text("Connected", timeout=20_000)
        expect(marco_phone.locator("#incoming")).to_be_hidden(timeout=5_000)
        assert desk_phone.wait(10) == 0, "Marco's desk phone got the CANCEL"
        # SIPp sends no RTP of its own, only the echo of what reaches it: her audio went
        # out to the provider through the desk, and came back to her the same way.
        wait_for_more_audio(phone, 4_000)
        if hangs_up:
            phone.click("#hangup")
        # Else the PBX ends the call when Marco's minutes run out.
        expect(phone.locator("#in-call")).to_be_hidden(timeout=30_000)
        assert finished(the_provider, directory) == 0, "the provider got the BYE"
        assert wait_for(lambda: not bridges.calls and not desk.ports.in_use, 5)
        context.close()
        marco_context.close()
    finally:
        stop(desk_phone)
        stop(the_provider)
    invites = [m for m in messages(directory, "received") if m.startswith("INVITE ")]
    assert len(invites) == 2, "challenged, then with the trunk's credentials"
    for invite in invites:
        assert invite.startswith(f"INVITE sip:{MILAN_E164}@"), invite
        assert f"P-Asserted-Identity: <sip:{COMPANY_NUMBER}@" in invite, invite
        assert "m=audio" in invite and " RTP/AVP " in invite, invite
        assert "a=rtpmap:0 PCMU/8000" in invite and "a=rtpmap:8 PCMA/8000" in invite
        assert "fingerprint" not in invite and "SAVPF" not in invite, "plain RTP, no DTLS"
    assert "Authorization: Digest" in invites[1]


def test_a_browsers_call_follows_me_out_to_the_provider_through_the_desk(
    media_browser,  # noqa: F811
    giulia,
    marco,
    studio_rossi,
    settings,
    tmp_path,
):
    """Marco's follow-me is his Milan number after 5 seconds. Giulia calls him from the
    browser: his desk phone rings, then the provider too, through the desk's branch (it
    was never rung before: "not rung: no media bridge"), with the trunk's caller ID and
    credentials and a plain PCMU/PCMA offer; it answers, Marco's desk phone gets the
    CANCEL, audio goes both ways. One record: Giulia's call to Marco, answered by the
    trunk, both rung, on Marco's minutes for calls out."""
    with officina_without_rtpengine(settings) as officina:
        marco_id = _marco_forwards(
            officina, studio_rossi, giulia, marco, follow_me=MILAN, follow_me_seconds=5
        )
        _calls_marco_and_the_provider_answers(media_browser, officina, giulia, marco, tmp_path)
    record = CallRecord.objects.get()
    assert (record.caller_number, record.callee_number) == ("201", "202")
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.answered_by == TRUNK_AGENT
    assert sorted(record.devices_rung) == sorted([BROWSER_AGENT, SIPP_AGENT, TRUNK_AGENT])
    assert record.charged_to_id == marco_id
    assert record.ended_by == CallRecord.EndedBy.CALLER


def test_a_browsers_call_not_answered_is_forwarded_out_to_the_provider_through_the_desk(
    media_browser,  # noqa: F811
    giulia,
    marco,
    studio_rossi,
    settings,
    tmp_path,
):
    """Marco forwards the calls he does not answer to his Milan number after 5 seconds.
    Giulia's browser calls him: his desk phone rings and is cancelled after his seconds,
    and the forward goes out to the provider through the desk's branch (before: 480, "no
    media bridge", and the provider never rang). Two records with one Call-ID, as for a
    plain phone's call forwarded out: Giulia's to Marco, forwarded (480), and Marco's
    call out to the E.164 number, answered by the trunk, on his minutes."""
    with officina_without_rtpengine(settings) as officina:
        marco_id = _marco_forwards(
            officina, studio_rossi, giulia, marco, no_answer=MILAN, no_answer_seconds=5
        )
        _calls_marco_and_the_provider_answers(media_browser, officina, giulia, marco, tmp_path)
    forwarded, out = CallRecord.objects.order_by("started_at", "id")
    assert forwarded.call_id == out.call_id
    assert (forwarded.caller_number, forwarded.callee_number) == ("201", "202")
    assert (forwarded.outcome, forwarded.final_status) == (CallRecord.Outcome.FORWARDED, 480)
    assert sorted(forwarded.devices_rung) == sorted([BROWSER_AGENT, SIPP_AGENT])
    assert out.direction == CallRecord.Direction.OUTBOUND
    assert (out.caller_number, out.callee_number) == ("202", MILAN_E164)
    assert out.outcome == CallRecord.Outcome.ANSWERED
    assert out.answered_by == TRUNK_AGENT
    assert out.charged_to_id == marco_id


def test_a_follow_me_out_ends_when_the_members_minutes_run_out(
    media_browser,  # noqa: F811
    giulia,
    marco,
    studio_rossi,
    settings,
    tmp_path,
):
    """Marco may call out a minute a day and has spent 50 seconds of it: his follow-me
    rings the provider through the desk's branch (10 seconds left is no refusal), it
    answers, and about 10 seconds later the PBX hangs the call up on both sides: Giulia's
    page leaves the call without her hanging up, the provider gets the BYE (through the
    desk). The record says why and who ended it."""
    with officina_without_rtpengine(settings) as officina:
        marco_id = _marco_forwards(
            officina, studio_rossi, giulia, marco, follow_me=MILAN, follow_me_seconds=5
        )
        check_set_permission(studio_rossi, marco, PermissionInput(daily_minutes=1))
        started = max(start_of_today(), timezone.now() - timedelta(minutes=5))
        CallRecord.objects.create(
            call_id="earlier-today", caller_id=marco_id, caller_number="202",
            callee_number=MILAN_E164, started_at=started, answered_at=started,
            ended_at=started + timedelta(seconds=50), outcome=CallRecord.Outcome.ANSWERED,
            final_status=200, direction=CallRecord.Direction.OUTBOUND, charged_to_id=marco_id,
        )  # fmt: skip
        trunks = officina.running.server.trunks
        assert trunks is not None
        trunks.load()
        _calls_marco_and_the_provider_answers(
            media_browser, officina, giulia, marco, tmp_path, hangs_up=False
        )
    record = CallRecord.objects.exclude(call_id="earlier-today").get()
    assert record.answered_by == TRUNK_AGENT
    assert record.charged_to_id == marco_id
    assert record.reason == CallRecord.RefusalReason.DAILY_MINUTES
    assert record.ended_by == CallRecord.EndedBy.PHONE_SYSTEM
    assert record.answered_at is not None and record.ended_at is not None
    assert (record.ended_at - record.answered_at).total_seconds() < 15


@pytest.mark.parametrize("refusal", ["premium", "daily-minutes"])
def test_a_follow_me_out_the_guard_refuses_is_not_rung_for_a_browsers_call(
    media_browser,  # noqa: F811
    giulia,
    marco,
    studio_rossi,
    settings,
    tmp_path,
    refusal,
):
    """Marco's follow-me is a premium-rate number (stored before the guard judged
    targets: his company does not let him call those), or his Milan number with his
    minute for calls out today spent: Giulia's browser call rings his phones only; the
    provider gets nothing, past the follow-me's seconds, and Giulia gives up (the desk
    phone gets the CANCEL)."""
    from playwright.sync_api import expect

    with officina_without_rtpengine(settings) as officina:
        marco_id = _marco_forwards(
            officina, studio_rossi, giulia, marco, follow_me=MILAN, follow_me_seconds=5
        )
        if refusal == "premium":
            Forwarding.objects.filter(extension_id=marco_id).update(follow_me="899123456")
            forwarding = officina.running.server.proxy.forwarding
            assert forwarding is not None
            forwarding.load()
        else:
            check_set_permission(studio_rossi, marco, PermissionInput(daily_minutes=1))
            started = max(start_of_today(), timezone.now() - timedelta(minutes=5))
            CallRecord.objects.create(
                call_id="earlier-today", caller_id=marco_id, caller_number="202",
                callee_number=MILAN_E164, started_at=started, answered_at=started,
                ended_at=started + timedelta(seconds=61), outcome=CallRecord.Outcome.ANSWERED,
                final_status=200, direction=CallRecord.Direction.OUTBOUND,
                charged_to_id=marco_id,
            )  # fmt: skip
            trunks = officina.running.server.trunks
            assert trunks is not None
            trunks.load()
        desk_phone = _desk_phone(
            officina, tmp_path, "uas_ring_until_cancel.xml", "202", MARCO_DESK_PASSWORD
        )
        directory = tmp_path / "provider"
        the_provider = _provider_answering(officina, directory)
        try:
            marco_context, marco_phone = open_phone(media_browser, officina, marco)
            context, phone = open_phone(media_browser, officina, giulia)
            phone.fill("#dial-number", "202")
            phone.click("#call")
            expect(marco_phone.locator("#incoming")).to_be_visible(timeout=10_000)
            phone.wait_for_timeout(7_000)  # past the follow-me's seconds
            phone.click("#hangup")
            expect(phone.locator("#in-call")).to_be_hidden()
            assert desk_phone.wait(10) == 0, "Marco's desk phone got the CANCEL"
            expect(marco_phone.locator("#incoming")).to_be_hidden()
            context.close()
            marco_context.close()
        finally:
            stop(desk_phone)
            stop(the_provider)
    assert not messages(directory, "received"), "nothing reached the provider"
    record = CallRecord.objects.exclude(call_id="earlier-today").get()
    assert record.outcome == CallRecord.Outcome.CANCELLED
    assert sorted(record.devices_rung) == sorted([BROWSER_AGENT, SIPP_AGENT])
