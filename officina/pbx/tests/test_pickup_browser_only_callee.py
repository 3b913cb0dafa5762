"""Without rtpengine a plain caller's call to a member on the browser phone only rings
that browser through the desk's branch of the proxy's fork (``Proxy._with_desk_branches``),
so a colleague's pickup finds the call ringing as any other: the picker's plain desk phone
is rung with the caller's own INVITE (plain to plain, no desk in between), the browser's
branch is cancelled. Real peers: Chromium (JsSIP) for the browser phone, SIPp for the
caller, the picker's desk phone (echoing the RTP it gets) and the picker's *8, and the
provider on 127.0.0.2 for a call in through the trunk."""

from __future__ import annotations

import re
import shutil
import time
from typing import TYPE_CHECKING

import pytest

from officina.attendant.tests.test_put_through_by_desk import CALLER_HZ, MediaPeer
from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, LivePbx, port_base
from officina.pbx.tests.sipp_provider import COMPANY_NUMBER, messages, provider
from officina.pbx.tests.test_baresip import wait_for
from officina.pbx.tests.test_bridge import purity
from officina.pbx.tests.test_browser_calls_both_kinds import (
    BROWSER_AGENT,
    SIPP_AGENT,
    _desk_phone,
)
from officina.pbx.tests.test_busy_lamps_sipp import dialog_events
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
    import subprocess
    from pathlib import Path

    from officina.pbx.dialog_events import CallState
    from officina.pbx.tests.livepbx import LiveOfficina

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("sipp"), reason="SIPp"),
]

MARCO_DESK_PASSWORD = "marco-desk-pw"
SARA_DESK_PASSWORD = "sara-desk-pw"
MARCO_MEDIA = port_base() + 50  # his SIPp desk phone echoes the RTP it gets here
PROVIDER_MEDIA = port_base() + 54  # where the provider's call in takes its RTP


def sara_calls(
    officina: LiveOfficina,
    directory: Path,
    media: MediaPeer,
    number: str = "201",
    sara: str = "203",
) -> subprocess.Popen[bytes]:
    """Sara's SIPp desk phone (extension ``sara``) calls ``number`` (Giulia's 201), its RTP
    at ``media``'s socket; it hangs up 4 seconds after the answer."""
    pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
    directory.mkdir()
    return sipp(
        directory, "uac_call_media.xml", pbx, officina.sip_port + 8, "-m", "1", "-d", "4000",
        "-trace_msg", "-key", "rtp_port", str(media.port),
        rows=[f"{sara};[authentication username={sara} password={SARA_DESK_PASSWORD}];{number}"],
    )  # fmt: skip


def _provider_calls(officina: LiveOfficina, directory: Path) -> subprocess.Popen[bytes]:
    """The provider calls Studio Rossi's number, its RTP on ``PROVIDER_MEDIA``; it hangs
    up 4 seconds after the answer."""
    pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
    return provider(
        directory, "provider_calls_number.xml", pbx, PROVIDER_PORTS[0],
        "-key", "did", COMPANY_NUMBER, "-key", "caller", CALLER, "-d", "4000",
        "-mp", str(PROVIDER_MEDIA), send=True,
    )  # fmt: skip


def answer_port(directory: Path) -> int:
    """The audio port of the SDP answer in the 200 a SIPp caller got for its INVITE."""
    ok = next(
        m for m in messages(directory, "received") if m.startswith("SIP/2.0 200") and "m=audio" in m
    )
    found = re.search(r"^m=audio (\d+)", ok, re.M)
    assert found is not None, ok
    return int(found.group(1))


def marco_picks_up(
    officina: LiveOfficina, directory: Path, key: str, ringing: str = "201"
) -> subprocess.Popen[bytes]:
    """Marco (202) picks up from his desk phone's keypad: ``key`` is the code he dials
    (*8, **201), or "blf", his busy lamp key for ``ringing``, whose INVITE's Replaces names
    the early dialog the lamp was told of (the desk's branch's, as the proxy forked it)."""
    pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
    directory.mkdir()
    credentials = f"[authentication username=202 password={MARCO_DESK_PASSWORD}]"
    if key != "blf":
        return sipp(
            directory, "uac_pickup.xml", pbx, officina.sip_port + 10, "-m", "1", "-trace_msg",
            rows=[f"202;{credentials};{key}"],
        )  # fmt: skip
    events = dialog_events(pbx)

    def told() -> list[CallState]:
        return [c for c in events.calls.get(ringing, {}).values() if c.local_tag]

    # The lamp is told once the desk's branch sends its 180, which follows the browser's
    # own 180 to the desk: a moment after the page shows the call.
    assert wait_for(lambda: bool(told()), 5), f"{ringing}'s lamp shows the call ringing"
    (early,) = told()
    assert early.state == "early"
    replaces = f"{early.call_id};to-tag={early.local_tag};from-tag={early.remote_tag}"
    return sipp(
        directory, "uac_pickup_replaces.xml", pbx, officina.sip_port + 10, "-m", "1",
        "-trace_msg", "-key", "replaces", replaces, rows=[f"202;{credentials};{ringing}"],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("caller", "key"),
    [("desk phone", "*8"), ("desk phone", "**201"), ("desk phone", "blf"), ("provider", "*8")],
)
def test_a_plain_phone_picks_up_a_plain_callers_call_ringing_a_browser_only_member(
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    studio_rossi,
    settings,
    tmp_path,
    caller,
    key,
):
    """Sara's SIPp desk phone (203), or the provider through Studio Rossi's number, calls
    Giulia (201), who has the browser phone only: her browser rings, through the desk's
    branch. Marco (202), her colleague, picks the call up from his plain desk phone (*8,
    **201, or his busy lamp key for Giulia, a Replaces naming the branch's early dialog):
    his INVITE gets 480 Call Picked Up, his desk phone is rung with the caller's own
    offer and Answer-Mode Auto and answers; Giulia's popup goes (the desk's branch
    cancelled, no call left on the desk). The caller's 200 carries Marco's phone's own
    SDP, and the tone sent there comes back from his phone's RTP echo: the two talk
    directly. One record: the call to Giulia, picked up by Marco's desk phone."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser only
    do_set_sip_password(do_provision_extension(marco), MARCO_DESK_PASSWORD)  # 202, SIPp
    do_set_sip_password(do_provision_extension(sara), SARA_DESK_PASSWORD)  # 203, SIPp
    caller_directory = tmp_path / "caller"
    caller_media = MediaPeer()
    with officina_without_rtpengine(settings) as officina:
        if caller == "provider":
            _trunk_with_the_number(officina, studio_rossi, "extension", "201")
        marco_phone = _desk_phone(
            officina, tmp_path, "uas_auto_answer.xml", "202", MARCO_DESK_PASSWORD,
            "-rtp_echo", "-mp", str(MARCO_MEDIA),
        )  # fmt: skip
        calling = None
        try:
            bridges = officina.running.server.proxy.browser_bridges
            desk = officina.running.media
            assert bridges is not None
            context, phone = open_phone(media_browser, officina, giulia)
            if caller == "provider":
                calling = _provider_calls(officina, caller_directory)
            else:
                calling = sara_calls(officina, caller_directory, caller_media)
            expect(phone.locator("#incoming")).to_be_visible(timeout=10_000)
            assert bridges.calls, "the browser rings through the desk's branch"
            picking = tmp_path / "picking"
            picker = marco_picks_up(officina, picking, key)
            assert finished(picker, picking) == 0
            (refused,) = [m for m in messages(picking, "received") if m.startswith("SIP/2.0 480")]
            assert refused.startswith("SIP/2.0 480 Call Picked Up"), refused
            expect(phone.locator("#incoming")).to_be_hidden(timeout=10_000)
            expect(phone.locator("#in-call")).to_be_hidden()
            assert wait_for(lambda: not bridges.calls and not desk.ports.in_use, 5)
            if caller == "desk phone":
                assert wait_for(lambda: _answers(caller_directory), 10), "Sara's 200"
                assert answer_port(caller_directory) == MARCO_MEDIA, "Marco's phone's own SDP"
                talking = time.monotonic()
                caller_media.to = (HOST, MARCO_MEDIA)
                time.sleep(1.5)
                echoed = caller_media.audio_since(talking)
                assert caller_media.senders_since(talking) == {(HOST, MARCO_MEDIA)}
            assert finished(calling, caller_directory) == 0, "answered by Marco, then BYE"
            assert marco_phone.wait(15) == 0, "Marco's phone answered at once, then the BYE"
            context.close()
        finally:
            caller_media.close()
            stop(marco_phone)
            if calling is not None:
                stop(calling)

    (invite,) = [m for m in messages(tmp_path / "desk-202", "received") if m.startswith("INVITE")]
    assert "Answer-Mode: Auto" in invite
    assert f"m=audio {MARCO_MEDIA}" not in invite and "m=audio" in invite
    assert "RTP/AVP" in invite and "SAVPF" not in invite, "the caller's own plain offer"
    if caller == "provider":
        assert f"m=audio {PROVIDER_MEDIA}" in invite, "the provider's own offer"
        assert answer_port(caller_directory) == MARCO_MEDIA, "Marco's phone's own SDP"
    else:
        assert f"m=audio {caller_media.port}" in invite, "Sara's own offer"
        assert len(echoed) >= 8000 and purity(echoed, CALLER_HZ) > 0.5
    record = CallRecord.objects.get()
    caller_number = CALLER if caller == "provider" else "203"
    callee_number = COMPANY_NUMBER if caller == "provider" else "201"
    assert (record.caller_number, record.callee_number) == (caller_number, callee_number)
    assert record.outcome == CallRecord.Outcome.PICKED_UP
    assert record.callee is not None and record.callee.number == "202"
    assert record.answered_by == SIPP_AGENT
    assert sorted(record.devices_rung) == sorted([BROWSER_AGENT, SIPP_AGENT])
    assert record.ended_by == CallRecord.EndedBy.CALLER


def _answers(directory: Path) -> bool:
    return any(
        m.startswith("SIP/2.0 200") and "m=audio" in m for m in messages(directory, "received")
    )
