"""Ring groups against SIPp phones: three people of Studio Rossi, each with a SIPp desk
phone, in a group that Sara dials from outside the company.

* hunt: the first person has said "do not disturb" and is never rung; the second
  rings for the group's seconds, is cancelled, and the third answers;
* ring all: all three ring at once; the first to answer takes the call and the
  others are cancelled with "Call completed elsewhere";
* whoever is here now: only the person checked in rings;
* out of the company's hours, the group's number rings the extension it names.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from officina.accounts.actions import check_add_company_member, check_answer_company_invitation
from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, LivePbx, live_pbx, port_base
from officina.pbx.tests.test_sipp import eventually, finished, sipp
from officina.presence.actions import check_check_in
from officina.ringgroups.actions import (
    BusinessHoursInput,
    RingGroupInput,
    check_add_hours_exception,
    check_save_business_hours,
    check_save_ring_group,
    check_set_availability,
)

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed"),
]

GROUP = "600"


@pytest.fixture
def people(make_member, giulia, marco, sara, studio_rossi):
    """Giulia, Marco and Pia of Studio Rossi, and Sara who calls: extension and password."""
    pia = make_member("pia@officina.test", first_name="Pia", last_name="Greco")
    check_add_company_member(giulia, studio_rossi, email=pia.email)
    check_answer_company_invitation(pia, studio_rossi, accept=True)
    phones = {}
    for member in (giulia, marco, pia, sara):
        extension = do_provision_extension(member)
        password = f"{member.first_name.lower()}-desk-pw"
        do_set_sip_password(extension, password)
        phones[member.first_name] = (member, extension.number, password)
    return phones


def start_phone(
    directory: Path,
    scenario: str,
    pbx: LivePbx,
    port: int,
    number: str,
    password: str,
    *options: str,
) -> subprocess.Popen[bytes]:
    """A SIPp phone listening on ``port``, registered there as ``number``; ``options``
    go to its SIPp (``-key name value``)."""
    directory.mkdir()
    phone = sipp(directory, scenario, pbx, port, "-m", "1", "-trace_msg", *options, background=True)
    register = sipp(
        directory, "register.xml", pbx, port + 1, "-m", "1",
        "-key", "contact_host", HOST, "-key", "contact_port", str(port), "-key", "expires", "300",
        rows=[f"{number};[authentication username={number} password={password}]"],
    )  # fmt: skip
    assert finished(register, directory) == 0
    return phone


def invites_received(directory: Path) -> int:
    count = 0
    for log in directory.glob("*_messages.log"):
        count += len(re.findall(r"^INVITE sip:", log.read_text(errors="replace"), re.MULTILINE))
    return count


def call_group(tmp_path: Path, pbx: LivePbx, port: int, number: str, password: str) -> int:
    caller = sipp(
        tmp_path, "uac_call.xml", pbx, port, "-m", "1", "-d", "200",
        rows=[f"{number};[authentication username={number} password={password}];{GROUP}"],
    )  # fmt: skip
    return finished(caller, tmp_path)


def stop(phone: subprocess.Popen[bytes]) -> None:
    if phone.poll() is None:
        phone.terminate()
        phone.wait(10)


def test_a_hunt_group_skips_do_not_disturb_and_moves_on_after_its_seconds(
    tmp_path, people, studio_rossi
):
    (giulia, _, _), (marco, _, _), (pia, _, _) = people["Giulia"], people["Marco"], people["Pia"]
    group = check_save_ring_group(
        studio_rossi,
        RingGroupInput(
            name="Reception", number=GROUP, strategy="hunt", ring_seconds=5,
            member_ids=[giulia.pk, marco.pk, pia.pk],
        ),
    )  # fmt: skip
    check_set_availability(giulia, group, available=False)
    with live_pbx(port_base() + 40) as pbx:
        base = pbx.port
        giulia_phone = start_phone(
            tmp_path / "giulia", "uas_answer.xml", pbx, base + 10, *people["Giulia"][1:]
        )
        marco_phone = start_phone(
            tmp_path / "marco", "uas_ring_until_cancel.xml", pbx, base + 12, *people["Marco"][1:]
        )
        pia_phone = start_phone(
            tmp_path / "pia", "uas_answer.xml", pbx, base + 14, *people["Pia"][1:]
        )
        try:
            assert call_group(tmp_path, pbx, base + 16, *people["Sara"][1:]) == 0
            assert finished(marco_phone, tmp_path / "marco") == 0  # rang, then CANCEL
            assert finished(pia_phone, tmp_path / "pia") == 0  # answered, then BYE
            assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).exists())
        finally:
            stop(giulia_phone)
    assert invites_received(tmp_path / "giulia") == 0
    record = CallRecord.objects.get()
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.callee_number == GROUP
    assert record.callee is not None and record.callee.member == pia
    assert len(record.devices_rung) == 2
    assert record.answered_at is not None
    # Marco rang for the group's five seconds before Pia's phone was tried.
    assert (record.answered_at - record.started_at).total_seconds() >= 4.5


def test_a_ring_all_group_rings_everyone_and_the_first_answer_wins(tmp_path, people, studio_rossi):
    (giulia, _, _), (marco, _, _) = people["Giulia"], people["Marco"]
    check_save_ring_group(
        studio_rossi,
        RingGroupInput(
            name="Everyone", number=GROUP, ring_seconds=20, member_ids=[giulia.pk, marco.pk]
        ),
    )
    with live_pbx(port_base() + 40) as pbx:
        base = pbx.port
        giulia_phone = start_phone(
            tmp_path / "giulia",
            "uas_ring_answered_elsewhere.xml",
            pbx,
            base + 10,
            *people["Giulia"][1:],
        )
        marco_phone = start_phone(
            tmp_path / "marco", "uas_answer.xml", pbx, base + 12, *people["Marco"][1:]
        )
        assert call_group(tmp_path, pbx, base + 16, *people["Sara"][1:]) == 0
        assert finished(giulia_phone, tmp_path / "giulia") == 0  # CANCEL with cause=200
        assert finished(marco_phone, tmp_path / "marco") == 0
        assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).exists())
    record = CallRecord.objects.get()
    assert record.callee is not None and record.callee.member == marco
    assert len(record.devices_rung) == 2


def test_a_group_of_whoever_is_here_rings_only_who_checked_in(
    tmp_path, people, studio_rossi, navigli
):
    (_giulia, _, _), (marco, _, _) = people["Giulia"], people["Marco"]
    check_save_ring_group(
        studio_rossi,
        RingGroupInput(name="Who's in", number=GROUP, targets="present", ring_seconds=10),
    )
    check_check_in(marco, navigli)
    with live_pbx(port_base() + 40) as pbx:
        base = pbx.port
        giulia_phone = start_phone(
            tmp_path / "giulia", "uas_answer.xml", pbx, base + 10, *people["Giulia"][1:]
        )
        marco_phone = start_phone(
            tmp_path / "marco", "uas_answer.xml", pbx, base + 12, *people["Marco"][1:]
        )
        try:
            assert call_group(tmp_path, pbx, base + 16, *people["Sara"][1:]) == 0
            assert finished(marco_phone, tmp_path / "marco") == 0
        finally:
            stop(giulia_phone)
        assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).exists())
    assert invites_received(tmp_path / "giulia") == 0
    record = CallRecord.objects.get()
    assert record.callee is not None and record.callee.member == marco


def test_out_of_hours_the_group_number_rings_the_extension_it_names(tmp_path, people, studio_rossi):
    (giulia, _, _), (marco, _, _), (pia, pia_number, _) = (
        people["Giulia"],
        people["Marco"],
        people["Pia"],
    )
    check_save_business_hours(
        studio_rossi, BusinessHoursInput("Europe/Rome", True, [[(time(0), time(23, 59))]] * 7)
    )
    # Closed all day today, where the company is.
    check_add_hours_exception(
        studio_rossi, timezone.localtime(timezone.now(), ZoneInfo("Europe/Rome")).date()
    )
    check_save_ring_group(
        studio_rossi,
        RingGroupInput(
            name="Sales", number=GROUP, member_ids=[giulia.pk, marco.pk],
            in_hours_only=True, out_of_hours_number=pia_number,
        ),
    )  # fmt: skip
    with live_pbx(port_base() + 40) as pbx:
        base = pbx.port
        giulia_phone = start_phone(
            tmp_path / "giulia", "uas_answer.xml", pbx, base + 10, *people["Giulia"][1:]
        )
        pia_phone = start_phone(
            tmp_path / "pia", "uas_answer.xml", pbx, base + 14, *people["Pia"][1:]
        )
        try:
            assert call_group(tmp_path, pbx, base + 16, *people["Sara"][1:]) == 0
            assert finished(pia_phone, tmp_path / "pia") == 0
        finally:
            stop(giulia_phone)
        assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).exists())
    assert invites_received(tmp_path / "giulia") == 0
    record = CallRecord.objects.get()
    assert record.callee_number == GROUP
    assert record.callee is not None and record.callee.member == pia
