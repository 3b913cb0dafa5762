"""Call forwarding against SIPp phones: Sara calls Marco, whose calls go on to Pia.

* always: Marco's phone never rings, Pia's does, with a Diversion header naming
  Marco (RFC 5806);
* busy: Marco's phone says 486, Pia's rings and answers;
* no answer: Marco's phone rings for his five seconds, is cancelled, Pia answers;
* unregistered: Marco has no phone; Pia answers;
* a loop (Marco to Pia, Pia back to Marco) rings Pia and stops there;
* out: Marco forwards to a number outside; the call reaches SIPp as the provider as
  a call out by Marco, and the guard refuses a premium-rate target;
* feature codes from Marco's phone turn forwarding on and off;
* follow-me: Marco's phone rings for his five seconds, then Pia's (or the provider,
  for a number outside) rings too and answers; Marco's phone is cancelled. A follow-me
  to a menu: after the five seconds the desk answers with the menu and Marco's phone
  is cancelled; to a conference room: the desk puts Sara in the room, where she and Pia
  hear each other. A follow-me to an ordered-hunt ring group rings its people one after
  another, Marco's phone ringing all along;
* a caller from outside (SIPp as the provider, through the company's trunk) whose call
  to Marco is forwarded to a ring group reaches its people.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from typing import TYPE_CHECKING

import pytest
from django.test import Client

from officina.api.actions import check_create_api_token
from officina.attendant.actions import MenuInput, check_save_menu
from officina.attendant.tests.test_put_through_by_desk import CALLER_HZ, MediaPeer
from officina.conferences.actions import RoomInput, check_save_room
from officina.conferences.models import Participant
from officina.pbx.actions import ForwardingInput, check_set_forwarding
from officina.pbx.forwarding import REFRESH_SECONDS
from officina.pbx.models import CallRecord, Extension, Forwarding
from officina.pbx.tests.livepbx import HOST, live_pbx, port_base
from officina.pbx.tests.sipp_provider import COMPANY_NUMBER, dial, message_times, messages
from officina.pbx.tests.test_bridge import purity
from officina.pbx.tests.test_ring_groups_sipp import (
    invites_received,
    people,  # noqa: F401 - a fixture
    start_phone,
    stop,
)
from officina.pbx.tests.test_sipp import eventually, finished, sipp
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group

if TYPE_CHECKING:
    import subprocess
    from pathlib import Path

    from officina.accounts.models import Company
    from officina.pbx.media.desk import DeskDialog, MediaDesk
    from officina.pbx.tests.livepbx import LivePbx

pytestmark = [pytest.mark.realpeer, pytest.mark.django_db(transaction=True)]


def forward(number: str, **targets: object) -> None:
    check_set_forwarding(Extension.objects.get(number=number), ForwardingInput(**targets))  # type: ignore[arg-type]


def ended_records() -> list[CallRecord]:
    return list(CallRecord.objects.order_by("started_at", "id"))


def test_forward_always_rings_the_target_with_a_diversion_header(tmp_path, people):  # noqa: F811
    marco, pia, sara = people["Marco"][1:], people["Pia"][1:], people["Sara"][1:]
    forward(marco[0], always=pia[0])
    with live_pbx(port_base() + 70) as pbx:
        base = pbx.port
        marco_phone = start_phone(tmp_path / "marco", "uas_answer.xml", pbx, base + 10, *marco)
        pia_phone = start_phone(tmp_path / "pia", "uas_answer.xml", pbx, base + 12, *pia)
        try:
            assert dial(tmp_path, pbx, base + 16, sara, marco[0], "uac_call.xml") == 0
            assert finished(pia_phone, tmp_path / "pia") == 0
            assert eventually(lambda: CallRecord.objects.filter(outcome="answered").exists())
        finally:
            stop(marco_phone)
    assert invites_received(tmp_path / "marco") == 0
    invite = next(m for m in messages(tmp_path / "pia", "received") if m.startswith("INVITE"))
    diversion = rf"^Diversion: <sip:{marco[0]}@[^>]+>;reason=unconditional;counter=1"
    assert re.search(diversion, invite, re.MULTILINE)
    first, second = ended_records()
    assert (first.outcome, first.callee_number) == (CallRecord.Outcome.FORWARDED, marco[0])
    assert (second.outcome, second.callee_number) == (CallRecord.Outcome.ANSWERED, pia[0])
    assert second.caller_number == sara[0]


def test_a_forward_set_through_the_api_is_what_the_running_pbx_applies_next(tmp_path, people):  # noqa: F811
    """The PBX runs with nothing forwarded; Marco sets "always to Pia" through
    /api/me/forwarding with his token; the PBX's own read of the forwarding takes it,
    and Sara's next call rings Pia's phone, never Marco's."""
    marco, pia, sara = people["Marco"], people["Pia"][1:], people["Sara"][1:]
    _token, plain = check_create_api_token(marco[0], "desk")
    with live_pbx(port_base() + 70) as pbx:
        base = pbx.port
        forwarder = pbx.running.server.proxy.forwarding
        assert forwarder is not None and forwarder.rules == {}
        marco_phone = start_phone(tmp_path / "marco", "uas_answer.xml", pbx, base + 10, *marco[1:])
        pia_phone = start_phone(tmp_path / "pia", "uas_answer.xml", pbx, base + 12, *pia)
        try:
            response = Client().put(
                "/api/me/forwarding",
                json.dumps({"always": pia[0]}),
                content_type="application/json",
                headers={"Authorization": f"Bearer {plain}"},
            )
            assert response.status_code == 200, response.content
            extension_id = Extension.objects.get(number=marco[1]).pk
            # Read by the PBX's periodic refresh, not by anything the test calls.
            assert eventually(
                lambda: getattr(forwarder.rules.get(extension_id), "always", "") == pia[0],
                REFRESH_SECONDS * 3,
            )
            assert dial(tmp_path, pbx, base + 16, sara, marco[1], "uac_call.xml") == 0
            assert finished(pia_phone, tmp_path / "pia") == 0
            assert eventually(lambda: CallRecord.objects.filter(outcome="answered").exists())
        finally:
            stop(marco_phone)
    assert invites_received(tmp_path / "marco") == 0
    first, second = ended_records()
    assert (first.outcome, first.callee_number) == (CallRecord.Outcome.FORWARDED, marco[1])
    assert (second.outcome, second.callee_number) == (CallRecord.Outcome.ANSWERED, pia[0])


def front_desk_menu(company: Company) -> None:
    """Studio Rossi's menu 500, "Front desk"."""
    check_save_menu(
        company, MenuInput(name="Front desk", number="500", language="en", greeting_text="Welcome.")
    )


def menu_read(pbx: LivePbx) -> None:
    """Once the PBX's desk has menu 500 and its prompts."""
    menus = pbx.running.media.menus
    assert eventually(lambda: "500" in menus.plans and len(menus.prompts) > 1, 30)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng says the greeting")
def test_forward_always_to_a_menu_is_answered_by_the_menu(tmp_path, people, studio_rossi):  # noqa: F811
    """Marco forwards to his company's menu 500: Sara's call is answered by the menu (its
    greeting's RTP reaches her), not sent out through a trunk as an unknown number."""
    marco, sara = people["Marco"][1:], people["Sara"][1:]
    front_desk_menu(studio_rossi)
    forward(marco[0], always="500")
    with live_pbx(port_base() + 70) as pbx:
        base = pbx.port
        media = pbx.running.media
        menu_read(pbx)
        marco_phone = start_phone(tmp_path / "marco", "uas_answer.xml", pbx, base + 10, *marco)
        try:
            assert dial(tmp_path, pbx, base + 16, sara, marco[0], "uac_call.xml") == 0
            assert eventually(lambda: len(ended_records()) == 2 and media.dialogs == {})
        finally:
            stop(marco_phone)
    assert invites_received(tmp_path / "marco") == 0
    first, second = ended_records()
    assert (first.outcome, first.callee_number) == (CallRecord.Outcome.FORWARDED, marco[0])
    assert (second.outcome, second.callee_number) == (CallRecord.Outcome.ANSWERED, "500")
    assert (second.caller_number, second.answered_by) == (sara[0], "Officina")


def test_forward_when_busy_rings_the_target_after_the_busy_answer(tmp_path, people):  # noqa: F811
    marco, pia, sara = people["Marco"][1:], people["Pia"][1:], people["Sara"][1:]
    forward(marco[0], busy=pia[0])
    with live_pbx(port_base() + 70) as pbx:
        base = pbx.port
        marco_phone = start_phone(tmp_path / "marco", "uas_busy.xml", pbx, base + 10, *marco)
        pia_phone = start_phone(tmp_path / "pia", "uas_answer.xml", pbx, base + 12, *pia)
        assert dial(tmp_path, pbx, base + 16, sara, marco[0], "uac_call.xml") == 0
        assert finished(marco_phone, tmp_path / "marco") == 0
        assert finished(pia_phone, tmp_path / "pia") == 0
        assert eventually(lambda: CallRecord.objects.filter(outcome="answered").exists())
    invite = next(m for m in messages(tmp_path / "pia", "received") if m.startswith("INVITE"))
    assert ";reason=user-busy;" in invite
    first, second = ended_records()
    assert (first.outcome, first.final_status) == (CallRecord.Outcome.FORWARDED, 486)
    assert second.outcome == CallRecord.Outcome.ANSWERED


def test_forward_when_not_answered_after_the_members_seconds(tmp_path, people):  # noqa: F811
    marco, pia, sara = people["Marco"][1:], people["Pia"][1:], people["Sara"][1:]
    forward(marco[0], no_answer=pia[0], no_answer_seconds=5)
    with live_pbx(port_base() + 70) as pbx:
        base = pbx.port
        marco_phone = start_phone(
            tmp_path / "marco", "uas_ring_until_cancel.xml", pbx, base + 10, *marco
        )
        pia_phone = start_phone(tmp_path / "pia", "uas_answer.xml", pbx, base + 12, *pia)
        assert dial(tmp_path, pbx, base + 16, sara, marco[0], "uac_call.xml") == 0
        assert finished(marco_phone, tmp_path / "marco") == 0  # rang, then CANCEL
        assert finished(pia_phone, tmp_path / "pia") == 0
        assert eventually(lambda: CallRecord.objects.filter(outcome="answered").exists())
    first, second = ended_records()
    assert first.outcome == CallRecord.Outcome.FORWARDED
    assert second.answered_at is not None
    assert (second.answered_at - first.started_at).total_seconds() >= 4.5


def test_forward_when_unregistered_and_a_loop_stops_at_the_second_phone(tmp_path, people):  # noqa: F811
    marco, pia, sara = people["Marco"][1:], people["Pia"][1:], people["Sara"][1:]
    forward(marco[0], unregistered=pia[0])
    forward(pia[0], always=marco[0])  # back to Marco: a loop, not taken
    with live_pbx(port_base() + 70) as pbx:
        base = pbx.port
        pia_phone = start_phone(tmp_path / "pia", "uas_answer.xml", pbx, base + 12, *pia)
        assert dial(tmp_path, pbx, base + 16, sara, marco[0], "uac_call.xml") == 0
        assert finished(pia_phone, tmp_path / "pia") == 0
        assert eventually(lambda: CallRecord.objects.filter(outcome="answered").exists())
    first, second = ended_records()
    assert (first.outcome, first.final_status) == (CallRecord.Outcome.FORWARDED, 480)
    assert second.callee is not None and second.callee.number == pia[0]


def test_a_forward_outside_is_a_call_out_by_the_member_through_the_guard(
    tmp_path,
    people,  # noqa: F811
    sipp_trunk,
):
    marco, sara = people["Marco"][1:], people["Sara"][1:]
    pbx, base = sipp_trunk.pbx, sipp_trunk.base
    sipp_trunk.add_number(marco[0], presented=True)
    forward(marco[0], always="0039021234567")
    pbx.running.server.proxy.forwarding.load()
    the_provider = sipp_trunk.answering(tmp_path / "provider")
    assert dial(tmp_path, pbx, base + 16, sara, marco[0], "uac_call.xml") == 0
    assert finished(the_provider, tmp_path / "provider") == 0
    assert eventually(lambda: CallRecord.objects.filter(outcome="answered").exists())
    # A premium-rate number Marco may not call (a forward stored before the guard
    # checked targets, or the company's permissions changed since): his phone page says
    # the forward is not in force, and why; the PBX, judging it the same way, skips it:
    # Sara's call rings Marco's own phone, and never reaches the provider.
    Forwarding.objects.filter(extension__number=marco[0]).update(always="899123456")
    pbx.running.server.proxy.forwarding.load()
    client = Client()
    client.force_login(people["Marco"][0])
    page = client.get("/phone/").content.decode()
    assert "data-not-in-force" in page
    assert "Your company does not let you call premium rate numbers" in page
    marco_phone = start_phone(tmp_path / "marco", "uas_answer.xml", pbx, base + 10, *marco)
    assert dial(tmp_path, pbx, base + 18, sara, marco[0], "uac_call.xml") == 0
    assert finished(marco_phone, tmp_path / "marco") == 0
    sipp_trunk.stop()  # and its records written
    invites = [m for m in messages(tmp_path / "provider", "received") if m.startswith("INVITE")]
    assert all(m.startswith("INVITE sip:+39021234567@") for m in invites)  # never 899...
    invite = invites[0]
    assert f"P-Asserted-Identity: <sip:{COMPANY_NUMBER}@" in invite
    assert f"Diversion: <sip:{marco[0]}@" in invite
    out, own = CallRecord.objects.filter(outcome="answered").order_by("started_at", "id")
    assert out.direction == CallRecord.Direction.OUTBOUND
    assert out.caller is not None and out.caller.number == marco[0]  # Marco's minutes
    assert (own.callee_number, own.caller_number) == (marco[0], sara[0])
    assert not CallRecord.objects.filter(outcome="refused").exists()


def test_feature_codes_from_a_phone_turn_forwarding_on_and_off(tmp_path, people):  # noqa: F811
    marco, pia = people["Marco"][1:], people["Pia"][1:]
    with live_pbx(port_base() + 70) as pbx:
        base = pbx.port
        assert dial(tmp_path, pbx, base + 16, marco, f"*72{pia[0]}", "uac_feature_code.xml") == 0
        assert Forwarding.objects.get().always == pia[0]
        assert dial(tmp_path, pbx, base + 18, marco, f"*92{pia[0]}", "uac_feature_code.xml") == 0
        assert dial(tmp_path, pbx, base + 20, marco, "*73", "uac_feature_code.xml") == 0
        rules = pbx.running.server.proxy.forwarding.rules  # type: ignore[union-attr]
        extension = Extension.objects.get(number=marco[0])
        assert rules[extension.pk].always == ""
        assert rules[extension.pk].no_answer == pia[0]
        # Forwarding to oneself is refused, and the desk says why; so is "*72" alone.
        own = f"*72{marco[0]}"
        assert dial(tmp_path, pbx, base + 22, marco, own, "uac_feature_code.xml") == 0
        assert dial(tmp_path, pbx, base + 24, marco, "*72", "uac_feature_code.xml") == 0
    forwarding = Forwarding.objects.get()
    assert (forwarding.always, forwarding.no_answer) == ("", pia[0])
    # Each code is answered by the desk (which then says the change, or why not, and hangs
    # up: the scenario waits for its BYE), in a Warning the phone can show too.
    answers = [m for m in messages(tmp_path, "received") if m.startswith("SIP/2.0 200")]
    assert any(f'Warning: 399 officina "forwarding always on to {pia[0]}"' in m for m in answers)
    assert any('Warning: 399 officina "forwarding always off"' in m for m in answers)
    warning = 'Warning: 399 officina "Calls cannot be forwarded to the same extension."'
    assert any(warning in m for m in answers)
    warning = 'Warning: 399 officina "Dial the code followed by the number to forward your'
    assert any(warning in m for m in answers)
    byes = [m for m in messages(tmp_path, "received") if m.startswith("BYE ")]
    assert len(byes) == 5


def test_a_refused_feature_code_that_cannot_be_said_keeps_its_sip_error(
    tmp_path,
    people,  # noqa: F811
    settings,
    monkeypatch,
):
    """Without espeak-ng nothing can be said: the refusal is the SIP error, the reason in
    its Warning (in the member's language), and nothing is stored."""
    settings.VOICEMAIL_PROMPTS_DIR = tmp_path / "prompts"  # nothing said before, either
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("sipp", "sox"):  # every tool the test and the PBX use, but espeak-ng
        (tools / tool).symlink_to(str(shutil.which(tool)))
    monkeypatch.setenv("PATH", str(tools))
    marco = people["Marco"][1:]
    member = Extension.objects.get(number=marco[0]).member
    assert member is not None
    member.language = "it"
    member.save(update_fields=["language"])
    with live_pbx(port_base() + 70) as pbx:
        base = pbx.port
        assert dial(tmp_path, pbx, base + 22, marco, f"*72{marco[0]}", "uac_refused.xml") == 0
        assert dial(tmp_path, pbx, base + 24, marco, "*72", "uac_incomplete.xml") == 0
        assert dial(tmp_path, pbx, base + 26, marco, "*73202", "uac_incomplete.xml") == 0
    assert not Forwarding.objects.exists()
    received = messages(tmp_path, "received")
    (refused,) = [m for m in received if m.startswith("SIP/2.0 403")]
    assert 'Warning: 399 officina "Le chiamate non possono essere inoltrate' in refused
    incomplete = [m for m in received if m.startswith("SIP/2.0 484")]
    assert sorted(m.splitlines()[0] for m in incomplete) == [
        "SIP/2.0 484 Address Incomplete", "SIP/2.0 484 Dial The Code Alone",
    ]  # fmt: skip
    assert all('Warning: 399 officina "Componi ' in m for m in incomplete)
    assert not [m for m in received if m.startswith("SIP/2.0 200")]


@pytest.mark.parametrize("target", ["extension", "ring group"])
def test_follow_me_rings_a_colleague_too_after_the_members_seconds(
    tmp_path,
    people,  # noqa: F811
    studio_rossi,
    target,
):
    """Marco's follow-me is Pia's extension, or ring group 650 whose people are Pia and
    Marco himself (his phone rings once, not twice)."""
    marco, pia, sara = people["Marco"][1:], people["Pia"][1:], people["Sara"][1:]
    follow_me = pia[0]
    if target == "ring group":
        group = RingGroupInput(
            name="Desk", number="650", strategy="ring_all",
            member_ids=[people["Pia"][0].pk, people["Marco"][0].pk],
        )  # fmt: skip
        follow_me = check_save_ring_group(studio_rossi, group).number
    forward(marco[0], follow_me=follow_me, follow_me_seconds=5)
    with live_pbx(port_base() + 70) as pbx:
        base = pbx.port
        marco_phone = start_phone(
            tmp_path / "marco", "uas_ring_until_cancel.xml", pbx, base + 10, *marco
        )
        pia_phone = start_phone(tmp_path / "pia", "uas_answer.xml", pbx, base + 12, *pia)
        assert dial(tmp_path, pbx, base + 16, sara, marco[0], "uac_call.xml") == 0
        assert finished(marco_phone, tmp_path / "marco") == 0  # rang, then CANCEL
        assert finished(pia_phone, tmp_path / "pia") == 0
        assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).exists())
    record = CallRecord.objects.get()
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert len(record.devices_rung) == 2
    assert record.answered_at is not None
    assert (record.answered_at - record.started_at).total_seconds() >= 4.5


def test_follow_me_rings_a_number_outside_through_the_trunk(
    tmp_path,
    people,  # noqa: F811
    sipp_trunk,
):
    marco, sara = people["Marco"][1:], people["Sara"][1:]
    pbx, base = sipp_trunk.pbx, sipp_trunk.base
    forward(marco[0], follow_me="0039021234567", follow_me_seconds=5)
    pbx.running.server.proxy.forwarding.load()
    sipp_trunk.add_number(marco[0], presented=True)
    marco_phone = start_phone(
        tmp_path / "marco", "uas_ring_until_cancel.xml", pbx, base + 10, *marco
    )
    the_provider = sipp_trunk.answering(tmp_path / "provider")
    assert dial(tmp_path, pbx, base + 16, sara, marco[0], "uac_call.xml") == 0
    assert finished(marco_phone, tmp_path / "marco") == 0
    assert finished(the_provider, tmp_path / "provider") == 0
    assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).exists())
    sipp_trunk.stop()  # and its records written
    invites = [m for m in messages(tmp_path / "provider", "received") if m.startswith("INVITE")]
    assert invites[0].startswith("INVITE sip:+39021234567@")
    assert f"P-Asserted-Identity: <sip:{COMPANY_NUMBER}@" in invites[0]
    assert len(invites) == 2  # challenged, then with the trunk's credentials
    record = CallRecord.objects.get()
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.answered_by == "trunk Provider"


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng says the greeting")
def test_follow_me_to_a_menu_takes_the_caller_there_and_cancels_the_phones(
    tmp_path,
    people,  # noqa: F811
    studio_rossi,
):
    """Marco's follow-me is menu 500: after his five seconds the desk answers Sara's call
    with the menu, and Marco's ringing phone is cancelled as when another phone answers."""
    marco, sara = people["Marco"][1:], people["Sara"][1:]
    front_desk_menu(studio_rossi)
    forward(marco[0], follow_me="500", follow_me_seconds=5)
    with live_pbx(port_base() + 70) as pbx:
        base = pbx.port
        media = pbx.running.media
        menu_read(pbx)
        marco_phone = start_phone(
            tmp_path / "marco", "uas_ring_until_cancel.xml", pbx, base + 10, *marco
        )
        assert dial(tmp_path, pbx, base + 16, sara, marco[0], "uac_call.xml") == 0
        assert finished(marco_phone, tmp_path / "marco") == 0  # rang, then CANCEL
        assert media.stats["taken"] == 1
        assert eventually(lambda: media.dialogs == {} and CallRecord.objects.exists())
    cancel = next(m for m in messages(tmp_path / "marco", "received") if m.startswith("CANCEL"))
    assert 'Reason: SIP;cause=200;text="Call completed elsewhere"' in cancel
    record = CallRecord.objects.get()
    assert (record.outcome, record.answered_by) == (CallRecord.Outcome.ANSWERED, "Officina")
    assert record.callee is not None and record.callee.number == marco[0]
    assert len(record.devices_rung) == 1
    answers = [m for m in messages(tmp_path, "received") if m.startswith("SIP/2.0 200")]
    assert any("m=audio" in m for m in answers), "the desk answered Sara"


PIA_HZ = 1400.0  # Pia's tone in the room: clear of the caller's and of the join tone's
OUTSIDE_CALLER = "+393401112233"


def calling_with_media(
    directory: Path,
    pbx: LivePbx,
    port: int,
    caller: tuple[str, str],
    number: str,
    media: MediaPeer,
    talk_ms: int,
) -> subprocess.Popen[bytes]:
    """``caller`` dials ``number`` (in the background), their media at ``media``'s
    socket, and hangs up ``talk_ms`` after the answer."""
    directory.mkdir()
    extension, password = caller
    return sipp(
        directory, "uac_call_media.xml", pbx, port, "-m", "1", "-d", str(talk_ms),
        "-trace_msg", "-key", "rtp_port", str(media.port),
        rows=[f"{extension};[authentication username={extension} password={password}];{number}"],
    )  # fmt: skip


def desk_dialog_of(media: MediaDesk, number: str) -> DeskDialog | None:
    """The call the desk answered from ``number``, if any."""
    return next((d for d in media.dialogs.values() if d.caller_number == number), None)


def test_follow_me_to_a_conference_room_puts_the_caller_in_the_room(
    tmp_path,
    people,  # noqa: F811
    studio_rossi,
):
    """Marco's follow-me is conference room 700, where Pia is talking already (a tone of
    her own): after Marco's five seconds the desk answers Sara's call in the room. Marco's
    ringing phone is cancelled as when another phone answers; Sara is one of the room's
    participants (its row, the desk's live room) and hears Pia, who hears her (the room
    sends each the other's tone, neither their own); her call keeps one record, answered
    by Officina."""
    marco, pia, sara = people["Marco"][1:], people["Pia"][1:], people["Sara"][1:]
    check_save_room(studio_rossi, RoomInput(name="Weekly", number="700", language="en"))
    forward(marco[0], follow_me="700", follow_me_seconds=5)
    sara_media, pia_media = MediaPeer(), MediaPeer(hz=PIA_HZ)
    try:
        with live_pbx(port_base() + 70) as pbx:
            base, media = pbx.port, pbx.running.media
            assert eventually(lambda: "700" in media.conferences.plans, 15)
            marco_phone = start_phone(
                tmp_path / "marco", "uas_ring_answered_elsewhere.xml", pbx, base + 10, *marco
            )
            pia_call = calling_with_media(
                tmp_path / "pia", pbx, base + 12, pia, "700", pia_media, 12000
            )
            assert eventually(lambda: Participant.objects.filter(number=pia[0]).exists(), 10)
            pias = desk_dialog_of(media, pia[0])
            assert pias is not None
            pia_media.to = (HOST, pias.local_sdp.media[0].port)
            sara_call = calling_with_media(
                tmp_path / "sara", pbx, base + 16, sara, marco[0], sara_media, 4000
            )
            assert finished(marco_phone, tmp_path / "marco") == 0  # rang, then CANCEL
            assert eventually(lambda: desk_dialog_of(media, sara[0]) is not None)
            saras = desk_dialog_of(media, sara[0])
            assert saras is not None
            sara_media.to = (HOST, saras.local_sdp.media[0].port)
            assert eventually(
                lambda: Participant.objects.filter(number=sara[0], call_id=saras.call_id).exists()
            )
            (room,) = media.conferences.live.values()
            assert {call.call_id for call in room.calls} == {pias.call_id, saras.call_id}
            talking = time.monotonic()
            time.sleep(2)
            heard_by_sara = sara_media.audio_since(talking)
            heard_by_pia = pia_media.audio_since(talking)
            assert finished(sara_call, tmp_path / "sara") == 0
            assert finished(pia_call, tmp_path / "pia") == 0
            assert eventually(lambda: media.dialogs == {} and not Participant.objects.exists())
            assert eventually(lambda: CallRecord.objects.count() == 2)
    finally:
        sara_media.close()
        pia_media.close()
    assert len(heard_by_sara) >= 8000 and len(heard_by_pia) >= 8000
    assert purity(heard_by_sara, PIA_HZ) > 0.5 and purity(heard_by_sara, CALLER_HZ) < 0.05
    assert purity(heard_by_pia, CALLER_HZ) > 0.5 and purity(heard_by_pia, PIA_HZ) < 0.05
    cancel = next(m for m in messages(tmp_path / "marco", "received") if m.startswith("CANCEL"))
    assert 'Reason: SIP;cause=200;text="Call completed elsewhere"' in cancel
    record = CallRecord.objects.get(call_id=saras.call_id)
    assert (record.outcome, record.answered_by) == (CallRecord.Outcome.ANSWERED, "Officina")
    assert record.caller_number == sara[0]
    assert record.callee is not None and record.callee.number == marco[0]
    assert len(record.devices_rung) == 1


@pytest.mark.parametrize("case", ["always", "no_answer"])
def test_a_call_from_outside_forwarded_to_a_ring_group_rings_its_people(
    tmp_path,
    people,  # noqa: F811
    studio_rossi,
    sipp_trunk,
    case,
):
    """The provider's caller dials Studio Rossi's number, which rings Marco; his calls go
    to ring group 650 (Giulia and Pia, all at once) always, or once his phone has rung
    five seconds unanswered. Both ring, Pia answers, Giulia's phone is cancelled; the
    records: Marco's leg forwarded, the group's answered by Pia, each naming the caller
    from outside."""
    giulia, marco, pia = people["Giulia"], people["Marco"], people["Pia"]
    group = RingGroupInput(
        name="Desk", number="650", strategy="ring_all", member_ids=[giulia[0].pk, pia[0].pk]
    )
    check_save_ring_group(studio_rossi, group)
    if case == "always":
        forward(marco[1], always="650")
    else:
        forward(marco[1], no_answer="650", no_answer_seconds=5)
    pbx, base = sipp_trunk.pbx, sipp_trunk.base
    proxy = pbx.running.server.proxy
    assert proxy.ring_groups is not None and proxy.forwarding is not None
    proxy.ring_groups.load()
    proxy.forwarding.load()
    sipp_trunk.add_number(marco[1])
    marco_scenario = "uas_answer.xml" if case == "always" else "uas_ring_until_cancel.xml"
    marco_phone = start_phone(tmp_path / "marco", marco_scenario, pbx, base + 10, *marco[1:])
    giulia_phone = start_phone(
        tmp_path / "giulia", "uas_ring_answered_elsewhere.xml", pbx, base + 12, *giulia[1:]
    )
    pia_phone = start_phone(tmp_path / "pia", "uas_answer.xml", pbx, base + 14, *pia[1:])
    the_provider = sipp_trunk.calling(
        tmp_path / "provider",
        "-key", "did", COMPANY_NUMBER.lstrip("+"), "-key", "caller", OUTSIDE_CALLER, "-d", "300",
    )  # fmt: skip
    try:
        assert finished(the_provider, tmp_path / "provider") == 0
        assert finished(giulia_phone, tmp_path / "giulia") == 0  # CANCEL with cause=200
        assert finished(pia_phone, tmp_path / "pia") == 0
        if case == "no_answer":
            assert finished(marco_phone, tmp_path / "marco") == 0  # rang, then CANCEL
        assert eventually(lambda: CallRecord.objects.filter(outcome="answered").exists())
    finally:
        stop(marco_phone)
    sipp_trunk.stop()  # and its records written
    assert invites_received(tmp_path / "marco") == (0 if case == "always" else 1)
    invite = next(m for m in messages(tmp_path / "pia", "received") if m.startswith("INVITE"))
    assert f"<sip:{OUTSIDE_CALLER}@" in invite
    reason = "unconditional" if case == "always" else "no-answer"
    assert re.search(rf"^Diversion: <sip:{marco[1]}@[^>]+>;reason={reason};", invite, re.M)
    forwarded, answered = CallRecord.objects.order_by("started_at", "id")
    assert (forwarded.outcome, forwarded.callee_number) == ("forwarded", COMPANY_NUMBER)
    assert forwarded.callee is not None and forwarded.callee.number == marco[1]
    assert (answered.outcome, answered.callee_number) == ("answered", "650")
    assert answered.callee is not None and answered.callee.number == pia[1]
    for record in (forwarded, answered):
        assert (record.caller_id, record.caller_number) == (None, OUTSIDE_CALLER)
        assert record.direction == CallRecord.Direction.INBOUND


def test_follow_me_to_an_ordered_hunt_group_rings_its_people_one_after_another(
    tmp_path,
    people,  # noqa: F811
    studio_rossi,
):
    """Marco's follow-me is ring group 650, an ordered hunt of Giulia then Pia, five
    seconds each. Marco's phone rings from the start; after his five seconds Giulia's
    rings beside it, Pia's not yet; after the group's five seconds Giulia's is cancelled
    (no answer) and Pia's rings and answers; Marco's rang all along, till then."""
    giulia, marco, pia, sara = (people[name][1:] for name in ("Giulia", "Marco", "Pia", "Sara"))
    group = RingGroupInput(
        name="Desk", number="650", strategy="hunt", ring_seconds=5,
        member_ids=[people["Giulia"][0].pk, people["Pia"][0].pk],
    )  # fmt: skip
    check_save_ring_group(studio_rossi, group)
    forward(marco[0], follow_me="650", follow_me_seconds=5)
    with live_pbx(port_base() + 70) as pbx:
        base = pbx.port
        marco_phone = start_phone(
            tmp_path / "marco", "uas_ring_answered_elsewhere.xml", pbx, base + 10, *marco
        )
        giulia_phone = start_phone(
            tmp_path / "giulia", "uas_ring_until_cancel.xml", pbx, base + 12, *giulia
        )
        pia_phone = start_phone(tmp_path / "pia", "uas_answer.xml", pbx, base + 14, *pia)
        try:
            assert dial(tmp_path, pbx, base + 16, sara, marco[0], "uac_call.xml") == 0
            assert finished(marco_phone, tmp_path / "marco") == 0  # CANCEL with cause=200
            assert finished(pia_phone, tmp_path / "pia") == 0
            assert finished(giulia_phone, tmp_path / "giulia") == 0  # rang, then CANCEL
            assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).exists())
        finally:
            stop(giulia_phone)
    # The first of each (a retransmission may follow).
    marco_rang, giulia_rang, pia_rang = (
        message_times(tmp_path / name, "INVITE sip:")[0] for name in ("marco", "giulia", "pia")
    )
    giulia_cancelled = message_times(tmp_path / "giulia", "CANCEL ")[0]
    marco_cancelled = message_times(tmp_path / "marco", "CANCEL ")[0]
    assert giulia_rang - marco_rang >= 4.5  # Marco's follow-me seconds
    assert pia_rang - giulia_rang >= 4.5  # the group's seconds, for Giulia alone
    assert giulia_cancelled <= pia_rang + 0.5  # the hunt moved on from her to Pia
    assert marco_cancelled >= pia_rang  # Marco's phone rang on, till Pia answered
    cancel = next(m for m in messages(tmp_path / "giulia", "received") if m.startswith("CANCEL"))
    assert 'Reason: SIP;cause=480;text="No answer"' in cancel
    record = CallRecord.objects.get()
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.callee is not None and record.callee.number == marco[0]
    assert len(record.devices_rung) == 3


# SDES-keyed SRTP: a desk phone's kind of secure offer, which the desk cannot answer.
SDES_OFFER = (
    "audio 6000 RTP/SAVP 0",
    "crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz",
)


def test_a_follow_me_the_desk_cannot_take_goes_on_to_the_no_answer_forward(
    tmp_path,
    people,  # noqa: F811
    studio_rossi,
):
    """Marco's follow-me after five seconds is conference room 700, and Pia takes his
    unanswered calls. Sara's offer is SDES-keyed SRTP, which the desk cannot answer: after
    the five seconds Marco's phone is cancelled for the room, the desk refuses the call,
    and it goes on as an unanswered one: Pia's phone rings with a no-answer Diversion and
    answers, rather than Sara hearing 480."""
    marco, pia, sara = people["Marco"][1:], people["Pia"][1:], people["Sara"][1:]
    check_save_room(studio_rossi, RoomInput(name="Weekly", number="700", language="en"))
    forward(marco[0], follow_me="700", follow_me_seconds=5, no_answer=pia[0])
    with live_pbx(port_base() + 70) as pbx:
        base, media = pbx.port, pbx.running.media
        assert eventually(lambda: "700" in media.conferences.plans, 15)
        marco_phone = start_phone(
            tmp_path / "marco", "uas_ring_until_cancel.xml", pbx, base + 10, *marco
        )
        pia_phone = start_phone(tmp_path / "pia", "uas_answer.xml", pbx, base + 12, *pia)
        try:
            caller = sipp(
                tmp_path, "uac_call_offer.xml", pbx, base + 16, "-m", "1", "-d", "300",
                "-trace_msg",
                rows=[f"{sara[0]};[authentication username={sara[0]} password={sara[1]}];"
                      f"{marco[0]};{SDES_OFFER[0]};{SDES_OFFER[1]}"],
            )  # fmt: skip
            assert finished(caller, tmp_path) == 0
            assert finished(marco_phone, tmp_path / "marco") == 0  # rang, then CANCEL
            assert finished(pia_phone, tmp_path / "pia") == 0
            assert eventually(lambda: CallRecord.objects.filter(outcome="answered").exists())
        finally:
            stop(pia_phone)
            stop(marco_phone)
    assert media.stats["taken"] == 0
    invite = next(m for m in messages(tmp_path / "pia", "received") if m.startswith("INVITE"))
    assert re.search(rf"^Diversion: <sip:{marco[0]}@[^>]+>;reason=no-answer;", invite, re.M)
    assert "RTP/SAVP" in invite  # Sara's own offer, as she made it
    first, second = ended_records()
    assert (first.outcome, first.final_status) == (CallRecord.Outcome.FORWARDED, 480)
    assert first.callee is not None and first.callee.number == marco[0]
    assert (second.outcome, second.callee_number) == (CallRecord.Outcome.ANSWERED, pia[0])


def test_a_busy_forward_the_desk_cannot_take_stays_busy_and_says_why(
    tmp_path,
    people,  # noqa: F811
    studio_rossi,
):
    """Marco forwards when busy to conference room 700, and his voicemail is on. Sara's
    offer is SDES-keyed SRTP, which neither the room nor the voicemail can answer: his
    phone says busy, the desk refuses the room, the call is Marco's again and his
    voicemail cannot take it either, so Sara hears his busy (486), not a bare 480, with a
    Warning naming the room and the reason; nothing is forwarded a second time."""
    marco, sara = people["Marco"][1:], people["Sara"][1:]
    check_save_room(studio_rossi, RoomInput(name="Weekly", number="700", language="en"))
    forward(marco[0], busy="700")
    with live_pbx(port_base() + 70) as pbx:
        base, media = pbx.port, pbx.running.media
        assert eventually(lambda: "700" in media.conferences.plans, 15)
        marco_phone = start_phone(tmp_path / "marco", "uas_busy.xml", pbx, base + 10, *marco)
        try:
            caller = sipp(
                tmp_path, "uac_offer_not_answered.xml", pbx, base + 16, "-m", "1",
                "-trace_msg",
                rows=[f"{sara[0]};[authentication username={sara[0]} password={sara[1]}];"
                      f"{marco[0]};{SDES_OFFER[0]};{SDES_OFFER[1]}"],
            )  # fmt: skip
            assert finished(caller, tmp_path) == 0
            assert finished(marco_phone, tmp_path / "marco") == 0
            assert eventually(lambda: len(ended_records()) == 2)
        finally:
            stop(marco_phone)
    assert media.stats["taken"] == 0  # neither the room nor the voicemail answered
    final = next(m for m in messages(tmp_path, "received") if re.match(r"SIP/2.0 48[06]", m))
    assert final.startswith("SIP/2.0 486"), final
    assert re.search(
        r'^Warning: 399 officina "forwarded to 700, which cannot take the call: '
        r'its media \(SDES-keyed SRTP\)', final, re.M,
    )  # fmt: skip
    assert invites_received(tmp_path / "marco") == 1
    first, second = ended_records()
    assert (first.outcome, first.final_status) == (CallRecord.Outcome.FORWARDED, 486)
    assert (second.outcome, second.final_status) == (CallRecord.Outcome.BUSY, 486)
    assert second.callee is not None and second.callee.number == marco[0]
    assert not second.voicemail


def test_a_busy_phone_beside_a_follow_me_hunt_sends_the_unanswered_call_to_the_busy_forward(
    tmp_path,
    people,  # noqa: F811
    studio_rossi,
):
    """Marco's follow-me after five seconds is ring group 650, an ordered hunt of Giulia
    then Pia; his busy forward is conference room 700. His phone rings, then says busy
    (486) while Giulia's rings; Giulia says busy too, so the hunt steps on to Pia, who
    is unavailable (480). Nobody answered and Marco's own phone was busy: the call goes
    to his busy forward, the room, as when his phone is busy and the follow-me is one
    number (RFC 3261 §16.7.6: his 486 is the best answer); Pia's 480 alone would have
    made it an unanswered call, which he does not forward."""
    giulia, marco, pia, sara = (people[name][1:] for name in ("Giulia", "Marco", "Pia", "Sara"))
    group = RingGroupInput(
        name="Desk", number="650", strategy="hunt", ring_seconds=5,
        member_ids=[people["Giulia"][0].pk, people["Pia"][0].pk],
    )  # fmt: skip
    check_save_ring_group(studio_rossi, group)
    check_save_room(studio_rossi, RoomInput(name="Weekly", number="700", language="en"))
    forward(marco[0], follow_me="650", follow_me_seconds=5, busy="700")
    with live_pbx(port_base() + 70) as pbx:
        base, media = pbx.port, pbx.running.media
        assert eventually(lambda: "700" in media.conferences.plans, 15)
        # Marco's phone says busy 6.5 s in, while Giulia (rung at 5 s) rings; she says
        # busy at 8 s, and Pia at once.
        marco_phone = start_phone(
            tmp_path / "marco", "uas_ring_then_busy.xml", pbx, base + 10, *marco,
            "-d", "6500",
        )  # fmt: skip
        giulia_phone = start_phone(
            tmp_path / "giulia", "uas_ring_then_busy.xml", pbx, base + 12, *giulia,
            "-d", "3000",
        )  # fmt: skip
        pia_phone = start_phone(tmp_path / "pia", "uas_unavailable.xml", pbx, base + 14, *pia)
        try:
            assert dial(tmp_path, pbx, base + 16, sara, marco[0], "uac_call.xml") == 0
            for phone, name in (
                (marco_phone, "marco"),
                (giulia_phone, "giulia"),
                (pia_phone, "pia"),
            ):
                assert finished(phone, tmp_path / name) == 0
            assert eventually(lambda: len(ended_records()) == 2 and media.dialogs == {})
        finally:
            for phone in (marco_phone, giulia_phone, pia_phone):
                stop(phone)
    marco_busy = message_times(tmp_path / "marco", "SIP/2.0 486")[0]
    giulia_busy = message_times(tmp_path / "giulia", "SIP/2.0 486")[0]
    pia_rang = message_times(tmp_path / "pia", "INVITE sip:")[0]
    assert marco_busy < giulia_busy <= pia_rang  # his busy came while the first step rang
    forwarded, room = ended_records()
    assert (forwarded.outcome, forwarded.final_status) == (CallRecord.Outcome.FORWARDED, 486)
    assert forwarded.callee is not None and forwarded.callee.number == marco[0]
    assert (room.outcome, room.callee_number, room.answered_by) == ("answered", "700", "Officina")
