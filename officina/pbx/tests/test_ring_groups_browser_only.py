"""A ring group whose people have the browser phone only, called by a plain caller (the
provider through the company's number), without rtpengine: the proxy rings each browser
through the desk's branch of its fork (``Proxy._with_desk_branches``), a hunt one page
after the other, and the number's no-answer forward to a plain phone then rings that
phone with the provider's own offer, as when the group's phones are plain. Real peers:
two Chromium pages (JsSIP) for the browser phones, SIPp as the provider on 127.0.0.2
and as the desk phone the call is forwarded to."""

from __future__ import annotations

import shutil
import time
from typing import TYPE_CHECKING

import pytest

from officina.accounts.actions import check_add_company_member, check_answer_company_invitation
from officina.attendant.tests.test_put_through_by_desk import MediaPeer
from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import LivePbx, port_base
from officina.pbx.tests.sipp_provider import COMPANY_NUMBER, messages, provider
from officina.pbx.tests.test_baresip import wait_for
from officina.pbx.tests.test_browser_calls_both_kinds import (
    BROWSER_AGENT,
    SIPP_AGENT,
    _desk_phone,
)
from officina.pbx.tests.test_busy_lamps_sipp import dialog_events
from officina.pbx.tests.test_click_to_call_browser import officina_without_rtpengine
from officina.pbx.tests.test_pickup_browser_only_callee import (
    SARA_DESK_PASSWORD,
    answer_port,
    marco_picks_up,
    sara_calls,
)
from officina.pbx.tests.test_ring_groups_sipp import stop
from officina.pbx.tests.test_rtpengine_calls import open_phone
from officina.pbx.tests.test_sipp import finished
from officina.pbx.tests.test_softphone_browser import media_browser  # noqa: F401 (a fixture)
from officina.pbx.tests.test_trunk_calls_both_kinds import (
    CALLER,
    PROVIDER_PORTS,
    _trunk_with_the_number,
)
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group

if TYPE_CHECKING:
    from officina.pbx.dialog_events import CallState

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("sipp"), reason="SIPp"),
]

GROUP = "600"
MARCO_DESK_PASSWORD = "marco-desk-pw"
MARCO_MEDIA = port_base() + 50  # the SDP port of his SIPp desk phone's answer
PROVIDER_MEDIA = port_base() + 54  # the provider's offer's
HUNT_STEP_SECONDS = 5
# The number forwards what nobody answered after these seconds (both hunt steps have rung).
FORWARD_SECONDS = {"ring_all": 6, "hunt": 12}


@pytest.fixture
def pia(make_member, giulia, studio_rossi):
    """Pia Greco of Studio Rossi, made before the browser starts (its event loop would
    refuse the invitation's live notification)."""
    pia = make_member("pia@officina.test", first_name="Pia", last_name="Greco")
    check_add_company_member(giulia, studio_rossi, email=pia.email)
    check_answer_company_invitation(pia, studio_rossi, accept=True)
    return pia


@pytest.mark.parametrize("strategy", ["ring_all", "hunt"])
def test_a_browser_only_group_called_in_goes_on_to_the_numbers_no_answer_forward(
    pia,
    media_browser,  # noqa: F811
    giulia,
    marco,
    studio_rossi,
    settings,
    tmp_path,
    strategy,
):
    """Studio Rossi's number rings group 600 of Giulia and Pia, each on the browser phone
    only, and forwards what nobody answers to Marco's SIPp desk phone (202). The provider
    calls; nobody answers. Ring all: both pages ring at once until the number's 6
    seconds. Hunt (5 seconds each): Giulia's page rings, then stops as Pia's starts, which
    rings until the number's 12 seconds. Then Marco's phone rings with a Diversion naming
    the number and the provider's own offer (no desk in between) and answers; the provider
    gets Marco's phone's SDP and hangs up. Two records with the provider's Call-ID: the
    number's call to the group, forwarded (480), both browsers rung; Marco's, answered."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser only
    do_set_sip_password(do_provision_extension(marco), MARCO_DESK_PASSWORD)  # 202, SIPp
    do_provision_extension(pia)  # 203, the browser only
    check_save_ring_group(
        studio_rossi,
        RingGroupInput(
            name="Reception", number=GROUP, strategy=strategy,
            ring_seconds=HUNT_STEP_SECONDS if strategy == "hunt" else 20,
            member_ids=[giulia.pk, pia.pk],
        ),
    )  # fmt: skip
    seconds = FORWARD_SECONDS[strategy]
    directory = tmp_path / "provider"
    with officina_without_rtpengine(settings) as officina:
        _trunk_with_the_number(
            officina, studio_rossi, "ring_group", GROUP, forward_when="no_answer",
            forward_seconds=seconds, forward_kind="extension", forward_target="202",
        )  # fmt: skip
        desk_phone = _desk_phone(
            officina, tmp_path, "uas_answer_after_ringing.xml", "202", MARCO_DESK_PASSWORD,
            "-d", "1000", "-mp", str(MARCO_MEDIA),
        )  # fmt: skip
        the_provider = None
        try:
            bridges = officina.running.server.proxy.browser_bridges
            desk = officina.running.media
            assert bridges is not None
            giulia_context, giulia_phone = open_phone(media_browser, officina, giulia)
            pia_context, pia_phone = open_phone(media_browser, officina, pia)
            pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
            the_provider = provider(
                directory, "provider_calls_number.xml", pbx, PROVIDER_PORTS[0],
                "-key", "did", COMPANY_NUMBER, "-key", "caller", CALLER, "-d", "2000",
                "-mp", str(PROVIDER_MEDIA), send=True,
            )  # fmt: skip
            expect(giulia_phone.locator("#incoming")).to_be_visible(timeout=10_000)
            expect(giulia_phone.locator("#incoming-number")).to_have_text(CALLER)
            called = time.monotonic()
            if strategy == "hunt":
                expect(pia_phone.locator("#incoming")).to_be_hidden()
                expect(pia_phone.locator("#incoming")).to_be_visible(timeout=10_000)
                moved = time.monotonic() - called
                assert moved >= HUNT_STEP_SECONDS - 1.5, f"Pia's page rang after {moved:.1f} s"
                expect(giulia_phone.locator("#incoming")).to_be_hidden(timeout=3_000)
            else:
                expect(pia_phone.locator("#incoming")).to_be_visible(timeout=3_000)
            expect(pia_phone.locator("#incoming-number")).to_have_text(CALLER)
            assert desk_phone.poll() is None, "the desk phone waits for the forward"
            expect(pia_phone.locator("#incoming")).to_be_hidden(timeout=15_000)
            expect(giulia_phone.locator("#incoming")).to_be_hidden()
            forwarded_after = time.monotonic() - called
            assert forwarded_after >= seconds - 1.5, f"forwarded after {forwarded_after:.1f} s"
            for phone in (giulia_phone, pia_phone):
                expect(phone.locator("#in-call")).to_be_hidden()
            assert finished(the_provider, directory) == 0, "put through to Marco, then BYE"
            assert desk_phone.wait(15) == 0, "the desk phone answered and got the BYE"
            assert wait_for(lambda: not bridges.calls and not desk.ports.in_use, 5)
            giulia_context.close()
            pia_context.close()
        finally:
            stop(desk_phone)
            if the_provider is not None:
                stop(the_provider)

    (invite,) = [m for m in messages(tmp_path / "desk-202", "received") if m.startswith("INVITE")]
    assert f"Diversion: <sip:{COMPANY_NUMBER}@" in invite and "reason=no-answer" in invite
    assert f"m=audio {PROVIDER_MEDIA} RTP/AVP" in invite, "the provider's own offer"
    assert answer_port(directory) == MARCO_MEDIA, "Marco's phone's own answer"
    forwarded, answered = CallRecord.objects.order_by("started_at", "id")
    assert forwarded.call_id == answered.call_id
    assert forwarded.direction == answered.direction == CallRecord.Direction.INBOUND
    assert (forwarded.caller_number, forwarded.callee_number) == (CALLER, COMPANY_NUMBER)
    assert (forwarded.outcome, forwarded.final_status) == (CallRecord.Outcome.FORWARDED, 480)
    assert forwarded.devices_rung == [BROWSER_AGENT, BROWSER_AGENT]
    assert (answered.caller_number, answered.callee_number) == (CALLER, "202")
    assert answered.callee is not None and answered.callee.member == marco
    assert answered.outcome == CallRecord.Outcome.ANSWERED
    assert answered.answered_by == SIPP_AGENT
    assert answered.ended_by == CallRecord.EndedBy.CALLER


@pytest.mark.parametrize("key", ["**201", "**203", "*8", "blf 201", "blf 203"])
def test_a_plain_phone_picks_up_a_browser_only_groups_call_for_either_member(
    pia,
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    studio_rossi,
    settings,
    tmp_path,
    key,
):
    """Group 600 rings Giulia (201) and Pia (203) at once, each on the browser phone only:
    one desk branch of the fork rings both pages. Sara's SIPp desk phone (204) calls the
    group; Marco (202) picks the call up from his plain desk phone by either member's
    extension (**201, **203), *8, or the busy lamp key of either (the branch's early
    dialog is told to both members' lamps): 480 Call Picked Up, his phone answers Sara's own offer
    at once, both pages stop ringing, nothing is left on the desk. One record: Sara's call
    to the group, picked up by Marco."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser only
    do_set_sip_password(do_provision_extension(marco), MARCO_DESK_PASSWORD)  # 202, SIPp
    do_provision_extension(pia)  # 203, the browser only
    do_set_sip_password(do_provision_extension(sara), SARA_DESK_PASSWORD)  # 204, SIPp
    check_save_ring_group(
        studio_rossi,
        RingGroupInput(name="Reception", number=GROUP, member_ids=[giulia.pk, pia.pk]),
    )
    caller_directory = tmp_path / "caller"
    caller_media = MediaPeer()
    with officina_without_rtpengine(settings) as officina:
        marco_phone = _desk_phone(
            officina, tmp_path, "uas_auto_answer.xml", "202", MARCO_DESK_PASSWORD,
            "-mp", str(MARCO_MEDIA),
        )  # fmt: skip
        calling = None
        try:
            bridges = officina.running.server.proxy.browser_bridges
            desk = officina.running.media
            assert bridges is not None
            giulia_context, giulia_phone = open_phone(media_browser, officina, giulia)
            pia_context, pia_phone = open_phone(media_browser, officina, pia)
            calling = sara_calls(officina, caller_directory, caller_media, GROUP, "204")
            for phone in (giulia_phone, pia_phone):
                expect(phone.locator("#incoming")).to_be_visible(timeout=10_000)
            picking = tmp_path / "picking"
            code, _, lamp = key.partition(" ")
            picker = marco_picks_up(officina, picking, code, lamp)
            assert finished(picker, picking) == 0
            (refused,) = [m for m in messages(picking, "received") if m.startswith("SIP/2.0 480")]
            assert refused.startswith("SIP/2.0 480 Call Picked Up"), refused
            for phone in (giulia_phone, pia_phone):
                expect(phone.locator("#incoming")).to_be_hidden(timeout=10_000)
                expect(phone.locator("#in-call")).to_be_hidden()
            assert wait_for(lambda: not bridges.calls and not desk.ports.in_use, 5)
            assert finished(calling, caller_directory) == 0, "answered by Marco, then BYE"
            assert marco_phone.wait(15) == 0, "Marco's phone answered at once, then the BYE"
            giulia_context.close()
            pia_context.close()
        finally:
            caller_media.close()
            stop(marco_phone)
            if calling is not None:
                stop(calling)

    (invite,) = [m for m in messages(tmp_path / "desk-202", "received") if m.startswith("INVITE")]
    assert f"m=audio {caller_media.port} RTP/AVP" in invite, "Sara's own offer"
    assert answer_port(caller_directory) == MARCO_MEDIA, "Marco's phone's own answer"
    record = CallRecord.objects.get()
    assert (record.caller_number, record.callee_number) == ("204", GROUP)
    assert record.outcome == CallRecord.Outcome.PICKED_UP
    assert record.callee is not None and record.callee.number == "202"
    assert record.answered_by == SIPP_AGENT
    assert sorted(record.devices_rung) == sorted([BROWSER_AGENT, BROWSER_AGENT, SIPP_AGENT])


def test_a_browser_only_groups_busy_lamps_follow_the_member_who_answers(
    pia,
    media_browser,  # noqa: F811
    giulia,
    marco,
    sara,
    studio_rossi,
    settings,
    tmp_path,
):
    """Group 600 rings Giulia (201) and Pia (203) at once, each on the browser phone only,
    through one desk branch. Sara's SIPp desk phone (204) calls the group: both members'
    lamps show the branch's early dialog. Pia answers from her page: her lamp shows the
    call confirmed, Giulia's goes out at once (not only when the call ends); Sara hangs
    up after 4 seconds and Pia's lamp goes out too."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser only
    do_set_sip_password(do_provision_extension(marco), MARCO_DESK_PASSWORD)  # 202, unused
    do_provision_extension(pia)  # 203, the browser only
    do_set_sip_password(do_provision_extension(sara), SARA_DESK_PASSWORD)  # 204, SIPp
    check_save_ring_group(
        studio_rossi,
        RingGroupInput(name="Reception", number=GROUP, member_ids=[giulia.pk, pia.pk]),
    )
    caller_directory = tmp_path / "caller"
    caller_media = MediaPeer()
    with officina_without_rtpengine(settings) as officina:
        pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
        lamps = dialog_events(pbx)

        def lamp(number: str) -> list[CallState]:
            return list(lamps.calls.get(number, {}).values())

        calling = None
        try:
            giulia_context, giulia_phone = open_phone(media_browser, officina, giulia)
            pia_context, pia_phone = open_phone(media_browser, officina, pia)
            calling = sara_calls(officina, caller_directory, caller_media, GROUP, "204")
            for phone in (giulia_phone, pia_phone):
                expect(phone.locator("#incoming")).to_be_visible(timeout=10_000)
            # Told on the branch's 180, a moment after the pages show the call.
            both_told = lambda: sum(bool(c.local_tag) for c in lamp("201") + lamp("203")) == 2  # noqa: E731
            assert wait_for(both_told, 5), "both lamps show the call"
            (giulias,), (pias,) = lamp("201"), lamp("203")
            assert giulias.state == pias.state == "early"
            assert giulias.local_tag and giulias.local_tag == pias.local_tag, "the one branch"
            pia_phone.click("#answer")
            expect(pia_phone.locator("#call-state")).to_have_text("Connected")
            expect(giulia_phone.locator("#incoming")).to_be_hidden()
            assert wait_for(lambda: [c.state for c in lamp("203")] == ["confirmed"], 5)
            assert lamp("201") == [], "Giulia's lamp went out as Pia answered"
            assert finished(calling, caller_directory) == 0, "answered by Pia, then BYE"
            expect(pia_phone.locator("#in-call")).to_be_hidden(timeout=10_000)
            assert wait_for(lambda: lamp("203") == [], 5)
            giulia_context.close()
            pia_context.close()
        finally:
            caller_media.close()
            if calling is not None:
                stop(calling)

    record = CallRecord.objects.get()
    assert (record.caller_number, record.callee_number) == ("204", GROUP)
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.callee is not None and record.callee.number == "203"
    assert record.answered_by == BROWSER_AGENT
