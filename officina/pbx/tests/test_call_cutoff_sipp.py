"""Calls through the trunk are hung up when the member's minutes for today are used.

* Giulia may call out one minute a day and has talked 55 seconds today; her next call
  to SIPp as the provider is answered, and about five seconds later the PBX sends BYE
  to both sides.
* With 20 seconds left, two calls out of hers at once share them: both are hung up
  together, about ten seconds in, rather than each lasting twenty.
* Marco's follow-me rings his mobile through the trunk; answered there, the call
  spends Marco's minutes (not the caller's) and is hung up when they run out, and
  today's minutes count it afterwards.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.utils import timezone

from officina.pbx.actions import ForwardingInput, check_set_forwarding
from officina.pbx.models import CallRecord, Extension
from officina.pbx.selectors import start_of_today
from officina.pbx.tests.sipp_provider import dial, messages
from officina.pbx.tests.test_ring_groups_sipp import (
    people,  # noqa: F401 - a fixture
    start_phone,
    stop,
)
from officina.pbx.tests.test_sipp import eventually, finished
from officina.trunks.actions import PermissionInput, check_set_permission

pytestmark = [pytest.mark.realpeer, pytest.mark.django_db(transaction=True)]


def test_the_pbx_hangs_up_both_sides_when_the_days_minutes_run_out(
    tmp_path, phones, giulia, studio_rossi, sipp_trunk
):
    check_set_permission(studio_rossi, giulia, PermissionInput(daily_minutes=1))
    extension = Extension.objects.get(member=giulia)
    started = max(start_of_today(), timezone.now() - timedelta(minutes=5))
    CallRecord.objects.create(
        call_id="earlier", caller=extension, caller_number=extension.number,
        callee_number="+39021234567", started_at=started, answered_at=started,
        ended_at=started + timedelta(seconds=55), outcome=CallRecord.Outcome.ANSWERED,
        final_status=200, direction=CallRecord.Direction.OUTBOUND, charged_to=extension,
    )  # fmt: skip
    sipp_trunk.reload()
    the_provider = sipp_trunk.answering(tmp_path / "provider")
    assert (
        dial(tmp_path / "giulia", sipp_trunk.pbx, sipp_trunk.base + 32, phones["Giulia"],
             "021234567", "uac_call_cut.xml") == 0
    )  # fmt: skip
    assert finished(the_provider, tmp_path / "provider") == 0  # it got a BYE, said 200
    assert eventually(
        lambda: (
            CallRecord.objects.exclude(call_id="earlier").filter(ended_at__isnull=False).exists()
        )
    )
    sipp_trunk.stop()  # and its records written
    bye_at_provider = next(
        m for m in messages(tmp_path / "provider", "received") if m.startswith("BYE ")
    )
    assert re.search(r"^CSeq: 4 BYE", bye_at_provider, re.MULTILINE)  # its INVITE was 3
    assert "Minutes for calls out used up today" in bye_at_provider
    bye_at_phone = next(
        m for m in messages(tmp_path / "giulia", "received") if m.startswith("BYE ")
    )
    assert bye_at_phone.startswith(f"BYE sip:{phones['Giulia'][0]}@")
    call = CallRecord.objects.exclude(call_id="earlier").get()
    assert call.reason == "daily-minutes"
    assert call.ended_by == CallRecord.EndedBy.PHONE_SYSTEM
    assert call.duration is not None
    # Five seconds were left (the load on the machine may add a little).
    assert 4.5 <= call.duration.total_seconds() <= 9


def spent_earlier_today(extension: Extension, seconds: int) -> None:
    """A call out of ``extension`` earlier today that lasted ``seconds``."""
    started = max(start_of_today(), timezone.now() - timedelta(minutes=5))
    CallRecord.objects.create(
        call_id="earlier", caller=extension, caller_number=extension.number,
        callee_number="+39021234567", started_at=started, answered_at=started,
        ended_at=started + timedelta(seconds=seconds), outcome=CallRecord.Outcome.ANSWERED,
        final_status=200, direction=CallRecord.Direction.OUTBOUND, charged_to=extension,
    )  # fmt: skip


def test_two_calls_out_at_once_share_the_minutes_left(
    tmp_path, phones, giulia, studio_rossi, sipp_trunk
):
    check_set_permission(studio_rossi, giulia, PermissionInput(daily_minutes=1))
    extension = Extension.objects.get(member=giulia)
    spent_earlier_today(extension, 40)
    sipp_trunk.reload()
    # One provider takes both calls ("-m 2": the last -m counts).
    the_provider = sipp_trunk.answering(tmp_path / "provider", "-m", "2")

    def call(index: int) -> int:
        directory, port = tmp_path / f"giulia{index}", sipp_trunk.base + 32 + 2 * index
        return dial(
            directory, sipp_trunk.pbx, port, phones["Giulia"], "021234567", "uac_call_cut.xml"
        )

    with ThreadPoolExecutor(2) as pool:
        calls = [pool.submit(call, index) for index in range(2)]
        assert [call.result() for call in calls] == [0, 0]  # each got the PBX's BYE
    assert finished(the_provider, tmp_path / "provider") == 0  # two BYEs, both answered
    sipp_trunk.stop()  # and its records written
    byes = [m for m in messages(tmp_path / "provider", "received") if m.startswith("BYE ")]
    assert len(byes) == 2
    assert all("Minutes for calls out used up today" in bye for bye in byes)
    records = list(CallRecord.objects.exclude(call_id="earlier"))
    assert [(r.reason, r.charged_to_id) for r in records] == [("daily-minutes", extension.pk)] * 2
    talked = [r.duration.total_seconds() for r in records if r.duration is not None]
    # Twenty seconds were left for both together; each alone would have had all twenty
    # (forty in all). The load on the machine may add a little.
    assert len(talked) == 2
    assert 18 <= sum(talked) <= 26, talked


def test_a_follow_me_answered_outside_spends_the_members_minutes(
    tmp_path,
    people,  # noqa: F811
    studio_rossi,
    sipp_trunk,
):
    marco_member, marco, sara = people["Marco"][0], people["Marco"][1:], people["Sara"][1:]
    check_set_permission(studio_rossi, marco_member, PermissionInput(daily_minutes=1))
    marco_extension = Extension.objects.get(number=marco[0])
    spent_earlier_today(marco_extension, 50)
    check_set_forwarding(
        marco_extension, ForwardingInput(follow_me="0039021234567", follow_me_seconds=5)
    )
    pbx, base = sipp_trunk.pbx, sipp_trunk.base
    pbx.running.server.proxy.forwarding.load()
    sipp_trunk.reload()
    marco_phone = start_phone(
        tmp_path / "marco", "uas_ring_until_cancel.xml", pbx, base + 10, *marco
    )
    the_provider = sipp_trunk.answering(tmp_path / "provider")
    try:
        # Sara stays on the line until the PBX hangs up on her.
        assert dial(tmp_path / "sara", pbx, base + 16, sara, marco[0], "uac_call_cut.xml") == 0
        assert finished(the_provider, tmp_path / "provider") == 0
        assert finished(marco_phone, tmp_path / "marco") == 0
        trunks = pbx.running.server.trunks
        assert trunks is not None

        def counted() -> bool:
            trunks.load()
            return bool(trunks.providers.used_seconds.get(marco_extension.pk, 0.0) >= 58)

        # Today's minutes count the follow-me call (50 before, about 10 on it).
        assert eventually(counted, 15)
    finally:
        stop(marco_phone)
    sipp_trunk.stop()  # and its records written
    bye = next(m for m in messages(tmp_path / "provider", "received") if m.startswith("BYE "))
    assert "Minutes for calls out used up today" in bye
    record = CallRecord.objects.exclude(call_id="earlier").get()
    assert record.answered_by == "trunk Provider"
    assert record.caller is not None and record.caller.number == sara[0]
    assert record.charged_to_id == marco_extension.pk  # Marco's minutes, not Sara's
    assert record.reason == "daily-minutes"
    assert record.duration is not None
    assert 9 <= record.duration.total_seconds() <= 15
