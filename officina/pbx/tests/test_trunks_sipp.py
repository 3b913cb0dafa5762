"""Calls in and out through a company's SIP trunk, with SIPp playing the provider.

The provider listens on 127.0.0.2, another loopback address than the phones' (all on
127.0.0.1), since a peer trunk is known by the address its calls come from.

* out: Giulia's SIPp phone dials "0039 02 1234567"; the provider receives an INVITE
  for +39021234567 with Studio Rossi's number in P-Asserted-Identity, challenges it
  with 401, gets it again with the trunk's credentials (verified by SIPp), answers;
  the ACK and BYE follow the provider's CSeq, the caller sees its own;
* the guard: a premium-rate number, a satellite phone and (by default) an
  international number are refused with 403 and the reason, in the call history, and
  never reach the provider; with the company's permission the international one goes;
* in: the provider calls the company's number as it writes it (without the plus);
  Marco's SIPp phone rings with the caller named from the company's address book;
* a number the PBX does not have gets 404; out of hours the number rings the
  extension it names for then;
* a registering trunk: SIPp as the provider's registrar challenges every REGISTER
  and grants 4 seconds; the PBX answers the challenge, refreshes in time, and the
  trunk's status says registered; with a wrong password it says 403 Forbidden.
"""

from __future__ import annotations

import re
import shutil
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from officina.contacts.actions import ContactInput, check_save_contact
from officina.pbx.models import CallRecord, Extension
from officina.pbx.selectors import start_of_today
from officina.pbx.tests.livepbx import HOST, live_pbx, port_base
from officina.pbx.tests.sipp_provider import (
    COMPANY_NUMBER,
    PROVIDER,
    TRUNK_PASSWORD,
    TRUNK_USER,
    credentials,
    dial,
    message_times,
    messages,
    provider,
    read_trunks_now,
)
from officina.pbx.tests.test_ring_groups_sipp import start_phone, stop
from officina.pbx.tests.test_sipp import eventually, finished
from officina.ringgroups.actions import (
    BusinessHoursInput,
    check_add_hours_exception,
    check_save_business_hours,
)
from officina.trunks.actions import (
    PermissionInput,
    TrunkInput,
    check_save_trunk,
    check_set_permission,
)
from officina.trunks.models import Trunk

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed"),
]


def test_a_call_out_reaches_the_provider_in_e164_with_the_company_number_and_credentials(
    tmp_path, phones, giulia, sipp_trunk
):
    pbx, base = sipp_trunk.pbx, sipp_trunk.base
    sipp_trunk.add_number(phones["Marco"][0], presented=True)
    the_provider = sipp_trunk.answering(tmp_path / "provider")
    assert (
        dial(tmp_path / "giulia", pbx, base + 32, phones["Giulia"], "0039021234567",
             "uac_call.xml") == 0
    )  # fmt: skip
    assert finished(the_provider, tmp_path / "provider") == 0
    assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).exists())
    sipp_trunk.stop()  # and its records written
    received = messages(tmp_path / "provider", "received")
    invites = [m for m in received if m.startswith("INVITE ")]
    assert len(invites) == 2
    first, again = invites
    assert first.startswith(f"INVITE sip:+39021234567@{PROVIDER}:{base + 30} SIP/2.0")
    assert f"P-Asserted-Identity: <sip:{COMPANY_NUMBER}@{PROVIDER}>" in first
    assert "Proxy-Authorization" not in first  # the phone's credentials stay with us
    assert re.search(r"^CSeq: 2 INVITE", first, re.MULTILINE)
    assert re.search(r"^CSeq: 3 INVITE", again, re.MULTILINE)
    assert f'\nAuthorization: Digest username="{TRUNK_USER}"' in again
    assert TRUNK_PASSWORD not in again
    in_dialog = {m.split(" ", 1)[0]: m for m in received if m.startswith(("ACK", "BYE"))}
    assert re.search(r"^CSeq: 4 BYE", in_dialog["BYE"], re.MULTILINE)
    # The caller saw its own CSeq on the provider's answer.
    answered = [m for m in messages(tmp_path / "giulia", "received") if m.startswith("SIP/2.0 200")]
    assert re.search(r"^CSeq: 2 INVITE", answered[0], re.MULTILINE)
    record = CallRecord.objects.get()
    assert record.direction == CallRecord.Direction.OUTBOUND
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.callee_number == "+39021234567"
    assert record.caller is not None and record.caller.member == giulia
    assert record.duration is not None and record.duration.total_seconds() >= 0.25


def test_the_guard_refuses_premium_satellite_and_international_until_allowed(
    tmp_path, phones, giulia, studio_rossi, sipp_trunk
):
    pbx, base = sipp_trunk.pbx, sipp_trunk.base
    the_provider = sipp_trunk.answering(tmp_path / "provider")
    try:
        for index, number in enumerate(("899123456", "+8816123456789", "00442079460958")):
            assert dial(
                tmp_path / f"refused{index}", pbx, base + 32 + index, phones["Giulia"],
                number, "uac_refused.xml",
            ) == 0, number  # fmt: skip
        assert eventually(lambda: CallRecord.objects.count() == 3)
        assert messages(tmp_path / "provider", "received") == []
        check_set_permission(studio_rossi, giulia, PermissionInput(international=True))
        sipp_trunk.reload()
        assert (
            dial(tmp_path / "allowed", pbx, base + 40, phones["Giulia"], "00442079460958",
                 "uac_call.xml") == 0
        )  # fmt: skip
        assert finished(the_provider, tmp_path / "provider") == 0
    finally:
        stop(the_provider)
    sipp_trunk.stop()  # and its records written
    refused = CallRecord.objects.filter(outcome=CallRecord.Outcome.REFUSED).order_by("started_at")
    assert [(r.callee_number, r.reason, r.final_status) for r in refused] == [
        ("+39899123456", "premium", 403),
        ("+8816123456789", "satellite", 403),
        ("+442079460958", "international", 403),
    ]
    warning = [
        m for m in messages(tmp_path / "refused0", "received") if m.startswith("SIP/2.0 403")
    ]
    assert "premium-rate numbers are not allowed" in warning[0]
    assert eventually(
        lambda: CallRecord.objects.filter(
            outcome=CallRecord.Outcome.ANSWERED, callee_number="+442079460958"
        ).exists()
    )


def test_a_call_in_to_the_company_number_rings_the_extension_with_the_caller_named(
    tmp_path, phones, marco, studio_rossi, sipp_trunk
):
    check_save_contact(
        studio_rossi,
        ContactInput(
            name="Elena Ferri", relation="client", organisation="Cliente Srl",
            numbers=[("mobile", "333 123 4567")],
        ),
    )  # fmt: skip
    pbx, base = sipp_trunk.pbx, sipp_trunk.base
    sipp_trunk.add_number(phones["Marco"][0])
    names = pbx.running.server.proxy.caller_names
    assert names is not None
    names.load()
    marco_phone = start_phone(
        tmp_path / "marco", "uas_answer.xml", pbx, base + 10, *phones["Marco"]
    )
    the_provider = sipp_trunk.calling(
        tmp_path / "provider",
        "-key", "did", COMPANY_NUMBER.lstrip("+"), "-key", "caller", "+393331234567", "-d", "300",
    )  # fmt: skip
    try:
        assert finished(the_provider, tmp_path / "provider") == 0
        assert finished(marco_phone, tmp_path / "marco") == 0
    finally:
        stop(marco_phone)
    assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).exists())
    sipp_trunk.stop()  # and its records written
    invite = next(m for m in messages(tmp_path / "marco", "received") if m.startswith("INVITE"))
    assert re.search(r'^From: "Elena Ferri \(Cliente Srl, client\)" <sip:\+393331234567@', invite,
                     re.MULTILINE)  # fmt: skip
    record = CallRecord.objects.get()
    assert record.direction == CallRecord.Direction.INBOUND
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.caller is None and record.caller_number == "+393331234567"
    assert record.callee_number == COMPANY_NUMBER
    assert record.callee is not None and record.callee.member == marco


def test_an_unknown_number_gets_404_and_out_of_hours_the_number_rings_elsewhere(
    tmp_path, phones, giulia, marco, studio_rossi, sipp_trunk
):
    check_save_business_hours(
        studio_rossi, BusinessHoursInput("Europe/Rome", True, [[(time(0), time(23, 59))]] * 7)
    )
    # Closed all day today, where the company is.
    check_add_hours_exception(
        studio_rossi, timezone.localtime(timezone.now(), ZoneInfo("Europe/Rome")).date()
    )
    pbx, base = sipp_trunk.pbx, sipp_trunk.base
    sipp_trunk.add_number(
        phones["Marco"][0], after_hours_kind="extension", after_hours_target=phones["Giulia"][0]
    )
    unknown = sipp_trunk.calling(
        tmp_path / "unknown", "-key", "did", "0299999999", scenario="provider_number_unknown.xml"
    )
    assert finished(unknown, tmp_path / "unknown") == 0
    giulia_phone = start_phone(
        tmp_path / "giulia", "uas_answer.xml", pbx, base + 10, *phones["Giulia"]
    )
    the_provider = sipp_trunk.calling(
        tmp_path / "provider",
        "-key", "did", "0287654321", "-key", "caller", "+390612345678", "-d", "200",
        port_offset=2,
    )  # fmt: skip
    try:
        assert finished(the_provider, tmp_path / "provider") == 0
        assert finished(giulia_phone, tmp_path / "giulia") == 0
    finally:
        stop(giulia_phone)
    assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).count() == 2)
    sipp_trunk.stop()  # and its records written
    unknown_record = CallRecord.objects.get(outcome=CallRecord.Outcome.NOT_FOUND)
    assert unknown_record.direction == CallRecord.Direction.INBOUND
    assert unknown_record.final_status == 404
    answered = CallRecord.objects.get(outcome=CallRecord.Outcome.ANSWERED)
    assert answered.callee is not None and answered.callee.member == giulia


def registration_times(directory: Path) -> list[float]:
    """When the registrar answered 200 (seconds, from its -trace_msg log)."""
    return message_times(directory, "SIP/2.0 200 OK")


@pytest.mark.parametrize("password", [TRUNK_PASSWORD, "a-wrong-password"])
def test_a_registering_trunk_registers_with_digest_and_refreshes_or_shows_the_refusal(
    tmp_path, studio_rossi, password
):
    with live_pbx(port_base() + 60) as pbx:
        base = pbx.port
        registrar = provider(
            tmp_path / "registrar", "provider_registrar.xml", pbx, base + 30,
            *credentials(tmp_path),
        )  # fmt: skip
        trunk = check_save_trunk(
            studio_rossi,
            TrunkInput(
                name="Provider", host=PROVIDER, port=base + 30, mode="register",
                username=TRUNK_USER, password=password, register_seconds=600,
            ),
        )  # fmt: skip
        read_trunks_now(pbx)
        try:
            assert finished(registrar, tmp_path / "registrar") == 0
            if password == TRUNK_PASSWORD:
                assert eventually(lambda: Trunk.objects.get().status == "registered", 5)
            else:
                assert eventually(lambda: Trunk.objects.get().status == "failed", 5)
        finally:
            stop(registrar)
    trunk.refresh_from_db()
    received = messages(tmp_path / "registrar", "received")
    register = received[0]
    assert register.startswith(f"REGISTER sip:{PROVIDER}:{base + 30} SIP/2.0")
    assert f"To: <sip:{TRUNK_USER}@{PROVIDER}>" in register
    assert f"Contact: <sip:{TRUNK_USER}@{HOST}:{pbx.port}>" in register
    assert "Expires: 600" in register
    assert trunk.checked_at is not None
    if password == TRUNK_PASSWORD:
        assert trunk.last_response == "200 OK"
        assert trunk.registered_until is not None
        assert trunk.registered_until > trunk.checked_at
        # Granted 4 seconds, it came back before they ran out, with credentials again.
        first, refreshed = registration_times(tmp_path / "registrar")
        assert 1.0 <= refreshed - first < 4.0
        assert len([m for m in received if m.startswith("REGISTER")]) == 4
        cseqs = [re.search(r"^CSeq: (\d+)", m, re.MULTILINE) for m in received]
        assert [int(c.group(1)) for c in cseqs if c] == [1, 2, 3, 4]
    else:
        assert trunk.last_response == "403 Forbidden"
        assert trunk.registered_until is None


def test_the_daily_minutes_count_answered_calls_out_of_today_only(
    tmp_path, phones, giulia, studio_rossi, sipp_trunk
):
    check_set_permission(studio_rossi, giulia, PermissionInput(daily_minutes=1))
    extension = Extension.objects.get(member=giulia)
    today = timezone.now()
    yesterday = today - timedelta(days=1, hours=1)
    # Within today where the PBX counts (TIME_ZONE), even just after midnight.
    earlier_today = max(start_of_today(), today - timedelta(minutes=5))
    for started, seconds in ((yesterday, 600), (earlier_today, 61)):
        CallRecord.objects.create(
            call_id=f"earlier-{seconds}", caller=extension, caller_number=extension.number,
            callee_number="+39021234567", started_at=started, answered_at=started,
            ended_at=started + timedelta(seconds=seconds), outcome=CallRecord.Outcome.ANSWERED,
            final_status=200, direction=CallRecord.Direction.OUTBOUND, charged_to=extension,
        )  # fmt: skip
    pbx, base = sipp_trunk.pbx, sipp_trunk.base
    sipp_trunk.reload()
    trunks = pbx.running.server.trunks
    assert trunks is not None
    # Yesterday's ten minutes do not count; today's 61 seconds do.
    assert trunks.providers.used_seconds == {extension.pk: 61.0}
    assert (
        dial(tmp_path / "over", pbx, base + 32, phones["Giulia"], "021234567",
             "uac_refused.xml") == 0
    )  # fmt: skip
    assert eventually(
        lambda: CallRecord.objects.filter(outcome=CallRecord.Outcome.REFUSED).exists()
    )
    sipp_trunk.stop()  # and its records written
    refused = CallRecord.objects.get(outcome=CallRecord.Outcome.REFUSED)
    assert (refused.reason, refused.callee_number) == ("daily-minutes", "+39021234567")
