"""A number routed to an auto-attendant menu, with SIPp playing the provider.

Studio Rossi's number rings its menu 500 ("Press 2 for Marco"); so does the space
Navigli's number, on the space's own trunk, its menu of the space's (Marco, a member
of the space, at the reception). The provider's call is
answered by the PBX's media desk, whose greeting reaches the caller's media (this
test's own socket, as in ``attendant/tests/test_put_through_by_desk.py``). The caller
presses 2 as RFC 4733 events; the provider is no phone to transfer, so the desk calls
Marco itself, as the caller from outside: Marco's registered SIPp phone rings and
answers. With ``TRUNK_MEDIA_STEP_OUT`` off the desk relays the two legs, and the
caller's hang-up ends Marco's call. The records: the number's call answered by the PBX,
and the caller's call to Marco answered by him.

By default the desk then steps out: the provider is asked for its offer, Marco gets it
and the provider his answer, and the two send their media to each other (each socket
receives the other's packets from the other's address), the desk's ports free; holds
and hang-ups from either side are passed on. A provider that refuses the step-out
(488) keeps the desk relaying. A call the desk put through to Marco's mobile (his
forwarding, through the trunk, on his minutes) is still cut off when his minutes run
out, both providers hung up.

The menu answers a number in the other ways a number reaches it too: a number whose
"always" forward goes to the menu (its route, Marco's phone, never rung); Marco's own
forward to the menu (and to a conference room, which answers too); a number whose
out-of-hours route is the menu, while its company is closed; and a space's menu, while
the space is closed, hands the call to its out-of-hours menu.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from officina.attendant.actions import MenuInput, check_save_menu
from officina.attendant.tests.test_put_through_by_desk import MediaPeer, audio_port
from officina.conferences.actions import RoomInput, check_save_room
from officina.pbx.actions import ForwardingInput, check_set_forwarding
from officina.pbx.media.attendant_call import AttendantCall
from officina.pbx.media.bridge import BridgedCall
from officina.pbx.media.conference import ConferenceCall
from officina.pbx.models import CallRecord, Extension
from officina.pbx.tests.livepbx import HOST
from officina.pbx.tests.sipp_provider import COMPANY_NUMBER, close_today, messages
from officina.pbx.tests.test_baresip import wait_for
from officina.pbx.tests.test_call_cutoff_sipp import spent_earlier_today
from officina.pbx.tests.test_ring_groups_sipp import start_phone, stop
from officina.pbx.tests.test_sipp import eventually, finished
from officina.trunks.actions import PermissionInput, check_set_permission

if TYPE_CHECKING:
    import subprocess
    from pathlib import Path

    from officina.accounts.selectors import PhoneOwner
    from officina.pbx.media.desk import DeskDialog
    from officina.pbx.tests.sipp_provider import SippTrunk

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in ("sipp", "sox", "espeak-ng")),
        reason="SIPp, sox and espeak-ng are needed",
    ),
]

CALLER = "+393401112233"


@pytest.fixture
def peer() -> Iterator[MediaPeer]:
    media = MediaPeer()
    yield media
    media.close()


def menu_for(
    owner: PhoneOwner,
    sipp_trunk: SippTrunk,
    reception: str,
    number: str = "500",
    out_of_hours_number: str = "",
) -> None:
    """Menu ``number`` of ``owner`` (key 2: the ``reception`` extension), read by the
    desk."""
    check_save_menu(
        owner,
        MenuInput(
            name=f"Reception {number}", number=number, language="en",
            greeting_text="Welcome. Press 2 for the reception.", timeout_seconds=10,
            options={"2": ("extension", reception)}, out_of_hours_number=out_of_hours_number,
        ),
    )  # fmt: skip
    menus = sipp_trunk.pbx.running.media.menus
    assert wait_for(lambda: number in menus.plans and len(menus.prompts) > 1, 30)


def desk_answers(
    sipp_trunk: SippTrunk,
    tmp_path: Path,
    peer: MediaPeer,
    did: str,
    seconds: int = 8,
    *keys: str,
    scenario: str = "provider_calls_menu.xml",
) -> tuple[subprocess.Popen[bytes], DeskDialog]:
    """The provider calls ``did`` (the caller's media is ``peer``; ``keys`` and
    ``scenario`` its SIPp's) and hangs up after ``seconds``; returns it once the desk has
    answered and its RTP reaches the caller, with the desk's dialog."""
    calling = sipp_trunk.calling(
        tmp_path / "caller", "-key", "did", did, "-key", "caller", CALLER,
        "-key", "rtp_port", str(peer.port), "-d", str(seconds * 1000), "-trace_msg", *keys,
        port_offset=2, scenario=scenario,
    )  # fmt: skip
    media = sipp_trunk.pbx.running.media
    assert wait_for(lambda: any(d.call is not None for d in media.dialogs.values()), 15)
    dialog = next(iter(media.dialogs.values()))
    assert dialog.from_outside and dialog.caller_number == CALLER
    peer.to = (HOST, dialog.local_sdp.media[0].port)
    assert wait_for(lambda: len(peer.received) >= 50, 10), "the desk's RTP arrived"
    return calling, dialog


def call_the_menu(
    sipp_trunk: SippTrunk,
    tmp_path: Path,
    peer: MediaPeer,
    did: str,
    seconds: int = 8,
    *keys: str,
    scenario: str = "provider_calls_menu.xml",
) -> tuple[subprocess.Popen[bytes], str]:
    """As ``desk_answers``, a menu answering: its greeting is heard (not silence); with
    the number of the menu that answered."""
    calling, dialog = desk_answers(
        sipp_trunk, tmp_path, peer, did, seconds, *keys, scenario=scenario
    )
    assert isinstance(dialog.call, AttendantCall)
    assert peer.audio_since(0.0).std() > 100
    return calling, dialog.call.menu.number


def call_the_menu_and_press_2(
    sipp_trunk: SippTrunk,
    tmp_path: Path,
    peer: MediaPeer,
    did: str,
    reception_phone_dir: Path,
    *keys: str,
    scenario: str = "provider_calls_menu.xml",
    seconds: int = 8,
) -> subprocess.Popen[bytes]:
    """The provider calls ``did``; once the greeting is heard the caller presses 2 and
    the reception's phone is rung and answers."""
    calling, _menu = call_the_menu(
        sipp_trunk, tmp_path, peer, did, seconds, *keys, scenario=scenario
    )
    media = sipp_trunk.pbx.running.media
    peer.press("2")
    assert wait_for(lambda: media.stats["bridged"] == 1, 15), "the reception answered"
    invites = [
        m
        for m in messages(reception_phone_dir, "received")
        if m.startswith("INVITE ") and not re.search(r"^To:.*;tag=", m, re.M | re.I)
    ]  # the call, not a re-INVITE in it
    assert len(invites) == 1
    assert f"<sip:{CALLER}@" in invites[0]  # the caller's number, as Marco's phone shows it
    return calling


@pytest.mark.parametrize(
    "sipp_trunk", [{}, {"space": True}], indirect=True, ids=["company", "space"]
)
def test_a_number_routed_to_a_menu_is_answered_and_a_key_rings_the_chosen_phone(
    tmp_path, phones, sipp_trunk, peer
):
    marco = phones["Marco"]
    menu_for(sipp_trunk.trunk.owner, sipp_trunk, marco[0])
    sipp_trunk.add_number("500", route_kind="menu")
    pbx = sipp_trunk.pbx
    # TRUNK_MEDIA_STEP_OUT off: the desk relays to the end, and asks the provider nothing.
    pbx.running.media.outside_steps_out = False
    marco_phone = start_phone(tmp_path / "marco", "uas_answer.xml", pbx, pbx.port + 10, *marco)
    try:
        calling = call_the_menu_and_press_2(
            sipp_trunk, tmp_path, peer, COMPANY_NUMBER, tmp_path / "marco"
        )
        assert finished(calling, tmp_path / "caller") == 0
        assert finished(marco_phone, tmp_path / "marco") == 0, "the caller's BYE hung Marco up"
    finally:
        stop(marco_phone)
    provider_got = messages(tmp_path / "caller", "received")
    assert not [m for m in provider_got if m.startswith(("REFER ", "INVITE "))]
    media = pbx.running.media
    assert eventually(lambda: media.dialogs == {} and media.ports.in_use == set())
    sipp_trunk.stop()  # and its records written
    records = CallRecord.objects.order_by("started_at", "id")
    number_call, onward = records
    assert (number_call.direction, number_call.callee_number, number_call.answered_by) == (
        CallRecord.Direction.INBOUND, COMPANY_NUMBER, "Officina",
    )  # fmt: skip
    assert (onward.caller_number, onward.caller_id, onward.outcome) == (CALLER, None, "answered")
    assert onward.callee is not None and onward.callee.number == marco[0]


def provider_got(tmp_path: Path, *methods: str) -> list[str]:
    """The requests of ``methods`` the provider's SIPp received, each once."""
    return list(
        dict.fromkeys(m for m in messages(tmp_path / "caller", "received") if m.startswith(methods))
    )


def menu_to_marco(
    tmp_path: Path, marco: tuple[str, str], sipp_trunk: SippTrunk, scenario: str, *keys: str
) -> subprocess.Popen[bytes]:
    """The company's number routed to menu 500, whose key 2 rings Marco: his registered
    SIPp phone, running ``scenario`` with ``keys``."""
    menu_for(sipp_trunk.trunk.owner, sipp_trunk, marco[0])
    sipp_trunk.add_number("500", route_kind="menu")
    pbx = sipp_trunk.pbx
    return start_phone(tmp_path / "marco", scenario, pbx, pbx.port + 10, *marco, *keys)


@pytest.mark.parametrize("holder", ["caller", "callee"])
def test_the_desk_steps_out_between_the_provider_and_the_chosen_phone(
    tmp_path, phones, sipp_trunk, peer, holder
):
    """Marco answers the desk's call: the desk asks the provider for its offer (a
    re-INVITE without SDP), takes it to Marco in a re-INVITE and brings his answer back
    in the ACK. The provider's media and Marco's then go to each other (each socket gets
    the other's packets, from the other's address), the desk's ports are free; a hold
    and a resume from either side reach the other, and either side's hang-up ends both."""
    marco = phones["Marco"]
    media = sipp_trunk.pbx.running.media
    marco_peer = MediaPeer()
    marco_phone = menu_to_marco(
        tmp_path, marco, sipp_trunk, "uas_desk_stepped_out.xml",
        "-key", "user", marco[0], "-key", "rtp_host", HOST,
        "-key", "rtp_port", str(marco_peer.port), "-key", "holder", holder, "-key", "info", "no",
    )  # fmt: skip
    try:
        calling = call_the_menu_and_press_2(
            sipp_trunk, tmp_path, peer, COMPANY_NUMBER, tmp_path / "marco",
            "-key", "reinvite", "200", "-key", "holder", holder,
            scenario="provider_calls_menu_steps_out.xml",
        )  # fmt: skip
        assert wait_for(lambda: media.stats["stepped_out"] == 1, 20), media.stats
        assert media.ports.in_use == set()
        (dialog,) = media.dialogs.values()
        bridge = dialog.call
        assert isinstance(bridge, BridgedCall) and bridge.direct
        relayed = dict(bridge.relayed)
        reinvite, ack = provider_got(tmp_path, "INVITE", "ACK")[-2:]
        assert reinvite.startswith("INVITE ") and "m=audio" not in reinvite
        assert ack.startswith("ACK ") and audio_port(ack) == marco_peer.port
        marcos = [m for m in messages(tmp_path / "marco", "received") if m.startswith("INVITE ")]
        assert audio_port(list(dict.fromkeys(marcos))[1]) == peer.port
        peer.to, marco_peer.to = (HOST, marco_peer.port), (HOST, peer.port)
        direct_from = time.monotonic()
        time.sleep(1.5)
        assert len(peer.audio_since(direct_from)) >= 8000
        assert len(marco_peer.audio_since(direct_from)) >= 8000
        assert peer.senders_since(direct_from) == {(HOST, marco_peer.port)}
        assert marco_peer.senders_since(direct_from) == {(HOST, peer.port)}
        assert finished(calling, tmp_path / "caller") == 0
        assert finished(marco_phone, tmp_path / "marco") == 0
    finally:
        stop(marco_phone)
        marco_peer.close()
    assert bridge.relayed == relayed  # nothing relayed since the step-out
    assert bridge.ended_by == ("caller hung up" if holder == "caller" else "callee hung up")
    assert eventually(lambda: media.dialogs == {} and media.ports.in_use == set())
    sipp_trunk.stop()  # and its records written
    outcomes = [
        (r.callee_number, r.outcome) for r in CallRecord.objects.order_by("started_at", "id")
    ]
    assert outcomes == [(COMPANY_NUMBER, "answered"), (marco[0], "answered")]


def test_a_provider_refusing_the_step_out_keeps_the_desk_relaying(
    tmp_path, phones, sipp_trunk, peer
):
    """The provider answers the desk's re-INVITE with 488: the desk relays the two legs
    to the end, Marco's tone reaching the provider's socket from the desk's port."""
    media = sipp_trunk.pbx.running.media
    marco_peer = MediaPeer()
    marco_phone = menu_to_marco(
        tmp_path, phones["Marco"], sipp_trunk, "uas_answer.xml",
        "-key", "media_port", str(marco_peer.port),
    )  # fmt: skip
    try:
        calling = call_the_menu_and_press_2(
            sipp_trunk, tmp_path, peer, COMPANY_NUMBER, tmp_path / "marco",
            "-key", "reinvite", "488", "-key", "holder", "caller",
            scenario="provider_calls_menu_steps_out.xml", seconds=15,
        )  # fmt: skip
        (dialog,) = media.dialogs.values()
        assert wait_for(lambda: dialog.onward is not None and dialog.onward.passing is None, 15)
        bridge = dialog.call
        assert isinstance(bridge, BridgedCall) and not bridge.direct
        assert media.stats["stepped_out"] == 0 and len(media.ports.in_use) == 2
        desk_port = dialog.local_sdp.media[0].port
        assert dialog.onward is not None
        marco_peer.to = (HOST, dialog.onward.port)
        relayed_from = time.monotonic()
        time.sleep(1.5)
        assert peer.senders_since(relayed_from) == {(HOST, desk_port)}
        assert sum(bridge.relayed.values()) > 0
        assert finished(calling, tmp_path / "caller") == 0
        assert finished(marco_phone, tmp_path / "marco") == 0, "the caller's BYE hung Marco up"
    finally:
        stop(marco_phone)
        marco_peer.close()
    assert eventually(lambda: media.dialogs == {} and media.ports.in_use == set())


def answered_by_menu(
    sipp_trunk: SippTrunk, tmp_path: Path, peer: MediaPeer
) -> tuple[str, list[tuple[str, str, str]]]:
    """The provider calls the company's number and, having heard a menu's greeting,
    hangs up: the number of the menu that answered, and the calls recorded (number
    called, answered by, outcome). The provider stays six seconds: on a busy machine the
    greeting's first second may take a few to arrive."""
    calling, menu = call_the_menu(sipp_trunk, tmp_path, peer, COMPANY_NUMBER, seconds=6)
    assert finished(calling, tmp_path / "caller") == 0
    media = sipp_trunk.pbx.running.media
    assert eventually(lambda: media.dialogs == {} and media.ports.in_use == set())
    sipp_trunk.stop()  # and its records written
    records = CallRecord.objects.order_by("started_at", "id")
    return menu, [(r.callee_number, r.answered_by, r.outcome) for r in records]


@pytest.mark.parametrize("target", ["menu", "room"])
def test_a_members_own_forward_takes_a_call_from_outside_to_a_menu_or_a_room(
    tmp_path, phones, sipp_trunk, peer, target
):
    """The number rings Marco, whose own calls always go to menu 500 or conference room
    700: the provider's caller is answered there (the menu's greeting, the room's RTP)."""
    marco = phones["Marco"]
    media = sipp_trunk.pbx.running.media
    answered_by: type[AttendantCall | ConferenceCall]
    if target == "menu":
        number, answered_by = "500", AttendantCall
        menu_for(sipp_trunk.trunk.owner, sipp_trunk, marco[0])
    else:
        number, answered_by = "700", ConferenceCall
        company = sipp_trunk.trunk.company
        assert company is not None
        check_save_room(company, RoomInput(name="Weekly", number="700", language="en"))
        assert wait_for(lambda: "700" in media.conferences.plans, 15)
    extension = Extension.objects.get(number=marco[0])
    check_set_forwarding(extension, ForwardingInput(always=number))
    forwarding = sipp_trunk.pbx.running.server.proxy.forwarding
    assert forwarding is not None
    forwarding.load()
    sipp_trunk.add_number(marco[0])
    calling, dialog = desk_answers(sipp_trunk, tmp_path, peer, COMPANY_NUMBER, 6)
    assert isinstance(dialog.call, answered_by)
    assert finished(calling, tmp_path / "caller") == 0
    assert eventually(lambda: media.dialogs == {} and media.ports.in_use == set())
    sipp_trunk.stop()  # and its records written
    records = CallRecord.objects.order_by("started_at", "id")
    assert [(r.callee_number, r.answered_by, r.outcome) for r in records] == [
        (COMPANY_NUMBER, "", "forwarded"), (number, "Officina", "answered"),
    ]  # fmt: skip


def test_a_number_always_forwarded_to_a_menu_gets_its_greeting(tmp_path, phones, sipp_trunk, peer):
    marco = phones["Marco"]
    menu_for(sipp_trunk.trunk.owner, sipp_trunk, marco[0])
    # Its route is Marco, whose phone is not even registered: the forward goes first.
    sipp_trunk.add_number(
        marco[0], forward_when="always", forward_kind="menu", forward_target="500"
    )
    assert answered_by_menu(sipp_trunk, tmp_path, peer) == (
        "500",
        [(COMPANY_NUMBER, "", "forwarded"), ("500", "Officina", "answered")],
    )


def test_out_of_hours_a_number_reaches_its_out_of_hours_menu(
    tmp_path, phones, sipp_trunk, peer, studio_rossi
):
    marco = phones["Marco"]
    close_today(studio_rossi)
    menu_for(studio_rossi, sipp_trunk, marco[0])
    sipp_trunk.add_number(marco[0], after_hours_kind="menu", after_hours_target="500")
    assert answered_by_menu(sipp_trunk, tmp_path, peer) == (
        "500",
        [(COMPANY_NUMBER, "Officina", "answered")],
    )


@pytest.mark.parametrize("sipp_trunk", [{"space": True}], indirect=True)
def test_a_space_menu_hands_over_to_its_out_of_hours_menu_while_the_space_is_closed(
    tmp_path, phones, sipp_trunk, peer, navigli
):
    marco = phones["Marco"]
    close_today(navigli)
    menu_for(navigli, sipp_trunk, marco[0], number="501")
    menu_for(navigli, sipp_trunk, marco[0], number="500", out_of_hours_number="501")
    sipp_trunk.add_number("500", route_kind="menu")
    assert answered_by_menu(sipp_trunk, tmp_path, peer) == (
        "501",
        [(COMPANY_NUMBER, "Officina", "answered")],
    )


def test_a_call_put_through_by_the_menu_is_cut_off_when_the_minutes_run_out(
    tmp_path, phones, marco, studio_rossi, sipp_trunk, peer
):
    """Marco, unregistered, is forwarded to his mobile through the trunk: the desk's call is
    answered there, on Marco's minutes (ten seconds left today), and the desk steps out
    between the two providers' legs. When the minutes run out the PBX hangs up the
    mobile's leg and the desk's, and the desk the caller's: both providers get a BYE."""
    marco_number = phones["Marco"][0]
    check_set_permission(studio_rossi, marco, PermissionInput(daily_minutes=1))
    marco_extension = Extension.objects.get(number=marco_number)
    spent_earlier_today(marco_extension, 50)
    check_set_forwarding(marco_extension, ForwardingInput(unregistered="0039021234567"))
    pbx = sipp_trunk.pbx
    pbx.running.server.proxy.forwarding.load()
    menu_for(studio_rossi, sipp_trunk, marco_number)
    sipp_trunk.add_number("500", route_kind="menu")
    media = pbx.running.media
    mobile = sipp_trunk.answering(tmp_path / "mobile", scenario="provider_answers_reinvited.xml")
    calling, _menu = call_the_menu(
        sipp_trunk, tmp_path, peer, COMPANY_NUMBER, 8,
        "-key", "reinvite", "200", "-key", "holder", "nobody",
        scenario="provider_calls_menu_steps_out.xml",
    )  # fmt: skip
    peer.press("2")
    assert wait_for(lambda: media.stats["stepped_out"] == 1, 30), media.stats
    stepped_out = time.monotonic()
    assert finished(mobile, tmp_path / "mobile") == 0
    assert finished(calling, tmp_path / "caller") == 0
    assert time.monotonic() - stepped_out < 20
    assert eventually(lambda: media.dialogs == {} and media.ports.in_use == set())
    sipp_trunk.stop()  # and its records written
    bye = next(m for m in messages(tmp_path / "mobile", "received") if m.startswith("BYE "))
    assert "Minutes for calls out used up today" in bye
    assert provider_got(tmp_path, "BYE")
    mobiles = CallRecord.objects.exclude(call_id="earlier").get(charged_to=marco_extension)
    assert mobiles.reason == "daily-minutes"
