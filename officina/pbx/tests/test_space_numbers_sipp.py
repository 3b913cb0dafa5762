"""A space's own number on a space's own trunk, with SIPp playing the provider.

The trunk belongs to Officina Navigli (managed by Luca; Giulia and Marco are members),
not to a company. Marco is at the reception desk.

* in hours, the provider's call to the space's number rings Marco's registered SIPp
  phone, which answers; the record names the number and Marco;
* closed today by an exception to the space's hours, the number's out-of-hours route,
  a ring group of the space listing Giulia, rings Giulia's phone and never Marco's;
* calls out: with the managers' yes, Giulia (whose company has no trunk) calls out
  through the space's trunk, is challenged and answered, and the provider sees the
  space's number as caller ID; the call spends Giulia's minutes (without the yes no
  trunk is hers: ``trunks/tests/test_space_trunks.py``).
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest

from officina.pbx.models import CallRecord
from officina.pbx.tests.sipp_provider import close_today, dial, messages
from officina.pbx.tests.test_ring_groups_sipp import start_phone, stop
from officina.pbx.tests.test_sipp import eventually, finished
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group

if TYPE_CHECKING:
    import subprocess
    from pathlib import Path

    from officina.pbx.tests.sipp_provider import SippTrunk

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed"),
]

SPACE_NUMBER = "+390255512345"
SPACE_TRUNK = {"space": True}
SHARED_SPACE_TRUNK = {"space": True, "members_call_out": True}


def call_the_space(
    sipp_trunk: SippTrunk, directory: Path, caller: str = "+393331234567"
) -> subprocess.Popen[bytes]:
    return sipp_trunk.calling(
        directory, "-key", "did", SPACE_NUMBER.lstrip("+"), "-key", "caller", caller,
        "-d", "300",
    )  # fmt: skip


@pytest.mark.parametrize("sipp_trunk", [SPACE_TRUNK], indirect=True)
def test_a_call_to_the_space_number_rings_the_reception(tmp_path, phones, marco, sipp_trunk):
    pbx, base = sipp_trunk.pbx, sipp_trunk.base
    assert sipp_trunk.trunk.space is not None and sipp_trunk.trunk.company is None
    sipp_trunk.add_number(phones["Marco"][0], number=SPACE_NUMBER)
    marco_phone = start_phone(
        tmp_path / "marco", "uas_answer.xml", pbx, base + 10, *phones["Marco"]
    )
    the_provider = call_the_space(sipp_trunk, tmp_path / "provider")
    try:
        assert finished(the_provider, tmp_path / "provider") == 0
        assert finished(marco_phone, tmp_path / "marco") == 0
    finally:
        stop(marco_phone)
    assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).exists())
    sipp_trunk.stop()  # and its records written
    record = CallRecord.objects.get()
    assert record.direction == CallRecord.Direction.INBOUND
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.caller_number == "+393331234567"
    assert record.callee_number == SPACE_NUMBER
    assert record.callee is not None and record.callee.member == marco


@pytest.mark.parametrize("sipp_trunk", [SPACE_TRUNK], indirect=True)
def test_out_of_the_space_hours_its_number_rings_the_space_ring_group(
    tmp_path, phones, giulia, navigli, sipp_trunk
):
    close_today(navigli)
    check_save_ring_group(
        navigli, RingGroupInput(name="Evening desk", number="650", member_ids=[giulia.pk])
    )
    pbx, base = sipp_trunk.pbx, sipp_trunk.base
    ring_groups = pbx.running.server.proxy.ring_groups
    assert ring_groups is not None
    ring_groups.load()
    sipp_trunk.add_number(
        phones["Marco"][0], number=SPACE_NUMBER,
        after_hours_kind="ring_group", after_hours_target="650",
    )  # fmt: skip
    marco_phone = start_phone(
        tmp_path / "marco", "uas_answer.xml", pbx, base + 10, *phones["Marco"]
    )
    giulia_phone = start_phone(
        tmp_path / "giulia", "uas_answer.xml", pbx, base + 12, *phones["Giulia"]
    )
    the_provider = call_the_space(sipp_trunk, tmp_path / "provider", "+390612345678")
    try:
        assert finished(the_provider, tmp_path / "provider") == 0
        assert finished(giulia_phone, tmp_path / "giulia") == 0
    finally:
        stop(marco_phone)
        stop(giulia_phone)
    assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).exists())
    sipp_trunk.stop()  # and its records written
    assert not [m for m in messages(tmp_path / "marco", "received") if m.startswith("INVITE")]
    record = CallRecord.objects.get()
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.callee_number == SPACE_NUMBER
    assert record.callee is not None and record.callee.member == giulia


@pytest.mark.parametrize("sipp_trunk", [SHARED_SPACE_TRUNK], indirect=True)
def test_a_member_calls_out_through_the_space_trunk_with_its_number(
    tmp_path, phones, giulia, sipp_trunk
):
    pbx, base = sipp_trunk.pbx, sipp_trunk.base
    sipp_trunk.add_number(phones["Marco"][0], number=SPACE_NUMBER, presented=True)
    the_provider = sipp_trunk.answering(tmp_path / "provider")
    assert (
        dial(tmp_path / "giulia", pbx, base + 32, phones["Giulia"], "021234567", "uac_call.xml")
        == 0
    )
    assert finished(the_provider, tmp_path / "provider") == 0
    invite = next(m for m in messages(tmp_path / "provider", "received") if m.startswith("INVITE"))
    assert invite.startswith("INVITE sip:+39021234567@")
    assert f"P-Asserted-Identity: <sip:{SPACE_NUMBER}@" in invite
    assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).exists())
    sipp_trunk.stop()  # and its records written
    record = CallRecord.objects.get()
    assert record.direction == CallRecord.Direction.OUTBOUND
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.charged_to is not None and record.charged_to.member == giulia
