"""A company number's own forwarding, with SIPp as the provider on both ends.

* always, to a mobile outside: the provider calls Studio Rossi's number; the call goes
  straight back out through the trunk to +393331234567, with the number as caller ID
  and a Diversion header naming it, is challenged, answered and hung up by the caller,
  on the minutes of Marco, whom the number rings; with his minutes for today used up it
  is refused (403) and nothing goes out;
* when not answered after 5 seconds, to an extension: Marco's phone (the number's
  route) rings, is cancelled, and Giulia's phone answers; with no phone of Marco's
  connected the call goes to Giulia at once;
* a number that rings a ring group, forwarded always to a mobile: it rings no one person,
  so the number's owner pays, the company or the space whose trunk it goes out through,
  as the record says; nobody's minutes are spent.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from officina.pbx.models import CallRecord, Extension
from officina.pbx.tests.sipp_provider import COMPANY_NUMBER, SippTrunk, messages
from officina.pbx.tests.test_call_cutoff_sipp import spent_earlier_today
from officina.pbx.tests.test_ring_groups_sipp import start_phone, stop
from officina.pbx.tests.test_sipp import eventually, finished
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group
from officina.trunks.actions import PermissionInput, check_set_permission

pytestmark = [pytest.mark.realpeer, pytest.mark.django_db(transaction=True)]


def calls_in(sipp_trunk: SippTrunk, directory: Path) -> subprocess.Popen[bytes]:
    """The provider calls the company's number from a mobile and hangs up after 2 s."""
    return sipp_trunk.calling(
        directory, "-key", "did", COMPANY_NUMBER, "-key", "caller", "+393401112233",
        "-d", "2000", port_offset=2,
    )  # fmt: skip


def call_in_until_answered(
    sipp_trunk: SippTrunk, tmp_path: Path, peers: dict[str, subprocess.Popen[bytes]]
) -> None:
    """The provider calls the number; ``peers`` (their directory's name → SIPp, the
    phones and the provider's answering side) finish, the answered call's record is
    written and the PBX stopped."""
    calling = calls_in(sipp_trunk, tmp_path / "caller")
    try:
        assert finished(calling, tmp_path / "caller") == 0
        for name, peer in peers.items():
            assert finished(peer, tmp_path / name) == 0, name
    finally:
        for peer in peers.values():
            stop(peer)
    assert eventually(
        lambda: CallRecord.objects.filter(outcome="answered", ended_at__isnull=False).exists()
    )
    sipp_trunk.stop()  # and its records written


def test_a_number_forwarded_always_goes_out_through_the_trunk_with_its_caller_id(
    tmp_path, phones, sipp_trunk
):
    sipp_trunk.add_number(
        phones["Marco"][0], forward_when="always", forward_kind="outside",
        forward_target="333 123 4567",
    )  # fmt: skip
    call_in_until_answered(
        sipp_trunk, tmp_path, {"mobile": sipp_trunk.answering(tmp_path / "mobile")}
    )
    invites = [m for m in messages(tmp_path / "mobile", "received") if m.startswith("INVITE ")]
    assert len(invites) == 2  # challenged, then with the trunk's credentials
    assert invites[0].startswith("INVITE sip:+393331234567@")
    assert f"P-Asserted-Identity: <sip:{COMPANY_NUMBER}@" in invites[0]
    assert f"Diversion: <sip:{COMPANY_NUMBER}@" in invites[0]
    assert "reason=unconditional" in invites[0]
    records = CallRecord.objects.order_by("started_at", "id")
    assert [(r.outcome, r.direction, r.callee_number) for r in records] == [
        ("forwarded", CallRecord.Direction.INBOUND, COMPANY_NUMBER),
        ("answered", CallRecord.Direction.OUTBOUND, "+393331234567"),
    ]
    out = records[1]
    assert out.caller_number == "+393401112233"
    assert out.charged_to is not None and out.charged_to.number == phones["Marco"][0]
    assert (out.charged_company, out.charged_space) == (sipp_trunk.trunk.owner, None)


@pytest.mark.parametrize(
    "sipp_trunk", [{}, {"space": True}], indirect=True, ids=["company", "space"]
)
def test_a_group_number_forwarded_outside_is_paid_by_the_numbers_owner(
    tmp_path, phones, marco, sipp_trunk
):
    """The number rings a ring group of its owner (Studio Rossi, or the space Navigli) and
    is forwarded always to a mobile: out through the owner's trunk, with the number as
    caller ID; its record is paid by that owner and spends no member's minutes."""
    owner = sipp_trunk.trunk.owner
    check_save_ring_group(owner, RingGroupInput(name="Desk", number="600", member_ids=[marco.pk]))
    sipp_trunk.add_number(
        "600", route_kind="ring_group", forward_when="always", forward_kind="outside",
        forward_target="333 123 4567",
    )  # fmt: skip
    call_in_until_answered(
        sipp_trunk, tmp_path, {"mobile": sipp_trunk.answering(tmp_path / "mobile")}
    )
    invites = [m for m in messages(tmp_path / "mobile", "received") if m.startswith("INVITE ")]
    assert invites[0].startswith("INVITE sip:+393331234567@")
    assert f"P-Asserted-Identity: <sip:{COMPANY_NUMBER}@" in invites[0]
    records = CallRecord.objects.order_by("started_at", "id")
    assert [(r.outcome, r.direction) for r in records] == [
        ("forwarded", CallRecord.Direction.INBOUND),
        ("answered", CallRecord.Direction.OUTBOUND),
    ]
    forwarded, out = records
    assert (forwarded.charged_company, forwarded.charged_space) == (None, None)
    paid_by = (out.charged_company, out.charged_space)
    assert paid_by == ((owner, None) if sipp_trunk.trunk.company else (None, owner))
    assert out.charged_to is None, "a group's number spends no member's minutes"


def test_a_number_forwarded_outside_is_refused_when_its_persons_minutes_are_used(
    tmp_path, phones, marco, studio_rossi, sipp_trunk
):
    check_set_permission(studio_rossi, marco, PermissionInput(daily_minutes=1))
    spent_earlier_today(Extension.objects.get(member=marco), 60)
    sipp_trunk.add_number(
        phones["Marco"][0], forward_when="always", forward_kind="outside",
        forward_target="333 123 4567",
    )  # fmt: skip
    calling = sipp_trunk.calling(
        tmp_path / "caller", "-key", "did", COMPANY_NUMBER, scenario="provider_call_refused.xml"
    )
    assert finished(calling, tmp_path / "caller") == 0, "403 to the provider"
    sipp_trunk.stop()  # and its records written
    records = CallRecord.objects.exclude(call_id="earlier").order_by("started_at", "id")
    assert [(r.outcome, r.reason, r.callee_number) for r in records] == [
        ("forwarded", "", COMPANY_NUMBER),
        ("refused", "daily-minutes", "+393331234567"),
    ]


def test_a_number_not_answered_in_its_seconds_rings_the_forward_target(
    tmp_path, phones, sipp_trunk
):
    marco, giulia = phones["Marco"], phones["Giulia"]
    sipp_trunk.add_number(
        marco[0], forward_when="no_answer", forward_seconds=5, forward_kind="extension",
        forward_target=giulia[0],
    )  # fmt: skip
    pbx, base = sipp_trunk.pbx, sipp_trunk.base
    marco_phone = start_phone(
        tmp_path / "marco", "uas_ring_until_cancel.xml", pbx, base + 10, *marco
    )
    giulia_phone = start_phone(tmp_path / "giulia", "uas_answer.xml", pbx, base + 12, *giulia)
    call_in_until_answered(sipp_trunk, tmp_path, {"marco": marco_phone, "giulia": giulia_phone})
    invite = next(m for m in messages(tmp_path / "giulia", "received") if m.startswith("INVITE"))
    assert f"Diversion: <sip:{COMPANY_NUMBER}@" in invite and "reason=no-answer" in invite
    rang, answered = CallRecord.objects.order_by("started_at", "id")
    assert (rang.outcome, rang.callee.number if rang.callee else None) == ("forwarded", marco[0])
    assert answered.outcome == "answered"
    assert answered.callee is not None and answered.callee.number == giulia[0]
    assert (answered.started_at - rang.started_at).total_seconds() >= 4.5


def test_a_number_whose_route_has_no_phone_connected_goes_to_its_target_at_once(
    tmp_path, phones, sipp_trunk
):
    marco, giulia = phones["Marco"], phones["Giulia"]
    # A minute to wait for Marco, who has no phone connected: the provider's call (which
    # gives up after 30 s) is answered by Giulia only if it does not wait.
    sipp_trunk.add_number(
        marco[0], forward_when="no_answer", forward_seconds=60, forward_kind="extension",
        forward_target=giulia[0],
    )  # fmt: skip
    pbx, base = sipp_trunk.pbx, sipp_trunk.base
    giulia_phone = start_phone(tmp_path / "giulia", "uas_answer.xml", pbx, base + 12, *giulia)
    call_in_until_answered(sipp_trunk, tmp_path, {"giulia": giulia_phone})
    rang, answered = CallRecord.objects.order_by("started_at", "id")
    assert (rang.outcome, rang.final_status) == ("forwarded", 480)
    assert answered.callee is not None and answered.callee.number == giulia[0]
