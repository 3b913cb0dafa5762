"""A call out is hung up when its caller's minutes for today are used: Giulia may call
out one minute a day and has talked 55 seconds today; her next call to SIPp as the
provider is answered, and about five seconds later the PBX sends BYE to both sides."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from officina.pbx.models import CallRecord, Extension
from officina.pbx.tests.sipp_provider import SippTrunk, dial, messages
from officina.pbx.tests.test_sipp import eventually, finished
from officina.pbx.trunk_calls import start_of_today
from officina.trunks.actions import PermissionInput, check_set_permission

pytestmark = [pytest.mark.realpeer, pytest.mark.django_db(transaction=True)]


def test_the_pbx_hangs_up_both_sides_when_the_days_minutes_run_out(
    tmp_path, phones, giulia, studio_rossi, sipp_trunk: SippTrunk
):
    check_set_permission(studio_rossi, giulia, PermissionInput(daily_minutes=1))
    extension = Extension.objects.get(member=giulia)
    started = max(start_of_today(), timezone.now() - timedelta(minutes=5))
    CallRecord.objects.create(
        call_id="earlier", caller=extension, caller_number=extension.number,
        callee_number="+39021234567", started_at=started, answered_at=started,
        ended_at=started + timedelta(seconds=55), outcome=CallRecord.Outcome.ANSWERED,
        final_status=200, direction=CallRecord.Direction.OUTBOUND,
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
    assert call.duration is not None
    # Five seconds were left (the load on the machine may add a little).
    assert 4.5 <= call.duration.total_seconds() <= 9
