"""A call out is hung up when its caller's minutes for today are used: Giulia may call
out one minute a day and has talked 55 seconds today; her next call to SIPp as the
provider is answered, and about five seconds later the PBX sends BYE to both sides."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from officina.pbx.models import CallRecord, Extension
from officina.pbx.selectors import start_of_today
from officina.pbx.tests.livepbx import live_pbx, port_base
from officina.pbx.tests.test_sipp import eventually, finished
from officina.pbx.tests.test_trunks_sipp import (
    credentials,
    dial,
    make_trunk,
    messages,
    phones,  # noqa: F401 - a fixture
    provider,
    read_trunks_now,
)
from officina.trunks.actions import PermissionInput, check_set_permission

pytestmark = [pytest.mark.realpeer, pytest.mark.django_db(transaction=True)]


def test_the_pbx_hangs_up_both_sides_when_the_days_minutes_run_out(
    tmp_path,
    phones,  # noqa: F811
    giulia,
    studio_rossi,
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
    with live_pbx(port_base() + 80) as pbx:
        base = pbx.port
        make_trunk(studio_rossi, base + 30)
        read_trunks_now(pbx)
        the_provider = provider(
            tmp_path / "provider", "provider_answers_after_challenge.xml", pbx, base + 30,
            *credentials(tmp_path),
        )  # fmt: skip
        assert (
            dial(tmp_path / "giulia", pbx, base + 32, phones["Giulia"], "021234567",
                 "uac_call_cut.xml") == 0
        )  # fmt: skip
        assert finished(the_provider, tmp_path / "provider") == 0  # it got a BYE, said 200
        assert eventually(
            lambda: (
                CallRecord.objects.filter(call_id__startswith="", ended_at__isnull=False)
                .exclude(call_id="earlier")
                .exists()
            )
        )
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
