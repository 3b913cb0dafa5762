"""SIPp against the numbers the PBX answers itself besides voicemail: an auto-attendant
menu and a conference room refuse SDP they cannot take (malformed, no codec in common)
with 488 and open nothing; a flood of keys (RFC 4733 and INFO) at either ends as
defined while another caller is answered."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from officina.accounts.models import Company, CompanyMembership
from officina.attendant.actions import MenuInput, check_save_menu
from officina.conferences.actions import RoomInput, check_save_room
from officina.conferences.models import Participant
from officina.pbx.media.tones import KEYS_KEPT
from officina.pbx.selectors import extension_members
from officina.pbx.tests.livepbx import LivePbx, live_pbx, make_extensions, port_base
from officina.pbx.tests.rtp_pcap import write_pcap
from officina.pbx.tests.test_baresip import wait_for
from officina.pbx.tests.test_sipp import PASSWORDS, credentials, finished, sipp
from officina.sip.rtp import DtmfEvent, RtpStream

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in ("sipp", "sox", "espeak-ng")),
        reason="SIPp, sox and espeak-ng are needed",
    ),
]


def front_desk(*menus: MenuInput, passwords: dict[str, str] = PASSWORDS) -> Company:
    """Extensions 201, 202... with ``passwords``, and the company Front desk srl, whose
    people they all are, with ``menus``."""
    numbers = make_extensions(passwords)
    company = Company.objects.create(name="Front desk srl", slug="front-desk")
    for member_id in extension_members(list(numbers)).values():
        CompanyMembership.objects.create(member_id=member_id, company=company)
    for menu in menus:
        check_save_menu(company, menu)
    return company


@pytest.fixture
def pbx() -> Iterator[LivePbx]:
    company = front_desk(
        MenuInput(name="Front desk", number="500", language="en", greeting_text="Welcome.")
    )
    check_save_room(company, RoomInput(name="Weekly", number="800", language="en"))
    with live_pbx(port_base() + 80) as running:
        media = running.running.media
        assert wait_for(lambda: "500" in media.menus.plans and "800" in media.conferences.plans)
        yield running


@pytest.mark.parametrize("number", ["500", "800"])
@pytest.mark.parametrize(
    ("m_line", "attribute"),
    [
        ("audio 70000 RTP/AVP 0", "rtpmap:0 PCMU/8000"),  # a port that cannot be
        ("audio 6000 RTP/AVP 18", "rtpmap:18 G729/8000"),  # no codec in common
    ],
)
def test_sdp_a_menu_or_a_room_cannot_take_is_refused_with_488(
    pbx, tmp_path, number, m_line, attribute
):
    caller = sipp(
        tmp_path, "voicemail_refused_sdp.xml", pbx, port_base() + 10, "-m", "1",
        rows=[credentials("201", f"{number};{m_line};{attribute}")],
    )  # fmt: skip
    assert finished(caller, tmp_path) == 0  # the scenario expects the 488
    media = pbx.running.media
    assert media.stats["refused_sdp"] == 1
    assert media.dialogs == {} and media.ports.in_use == set()
    assert not media.conferences.live and not Participant.objects.exists()


def flood_pcap(folder: Path, key: str, presses: int = 2000) -> None:
    """RFC 4733 events for ``key``, each a new press (a timestamp of its own), one every
    millisecond: far faster than a person, as a broken or hostile phone sends them."""
    stream = RtpStream(0xF100D, 101)
    event = DtmfEvent.for_digit(key, duration=160).serialize()
    write_pcap(
        folder / "flood.pcap",
        [(index * 0.001, stream.packet(event, 160)) for index in range(presses)],
    )


def desk_call(media, number_of_calls: int = 1):  # type: ignore[no-untyped-def]
    assert wait_for(
        lambda: len([d for d in media.dialogs.values() if d.call is not None]) >= number_of_calls
    ), "the PBX answered"
    return next(d.call for d in media.dialogs.values() if d.call is not None)


@pytest.mark.parametrize(
    ("number", "scenario"),
    [("500", "dtmf_flood_until_goodbye.xml"), ("800", "dtmf_flood_then_bye.xml")],
)
def test_a_key_flood_at_a_menu_or_a_room_has_a_defined_end_and_others_are_answered(
    pbx, tmp_path, number, scenario
):
    # 2,000 RFC 4733 presses in 2 s and 300 INFO dtmf-relay one after another, of a key
    # that is not on the menu (every one wrong) and that mutes and unmutes in a room.
    flood_pcap(tmp_path, "*")
    base = port_base()
    caller = sipp(
        tmp_path, scenario, pbx, base + 10, "-m", "1", "-mp", str(base + 30),
        "-base_cseq", "10", rows=[credentials("201", f"{number};*")],
    )  # fmt: skip
    media = pbx.running.media
    call = desk_call(media)
    assert wait_for(lambda: call.session.counters.digits >= 50), "the flood arrived"
    # Meanwhile another caller dials the room and is answered.
    started = time.monotonic()
    other = sipp(
        tmp_path, "join_and_leave.xml", pbx, base + 40, "-m", "1", "-d", "500",
        "-mp", str(base + 50),
        rows=[credentials("202", "800")],
    )  # fmt: skip
    assert finished(other, tmp_path) == 0
    assert time.monotonic() - started < 5  # answered, half a second in the room, hung up
    assert finished(caller, tmp_path) == 0  # the scenario's end: the PBX's BYE, or ours
    assert wait_for(lambda: media.dialogs == {} and media.ports.in_use == set())
    digits = call.session.counters.digits
    assert digits >= 1000, digits  # RFC 4733 presses reported (the INFOs come besides)
    if number == "500":
        # Every key was wrong: three greetings' worth, then goodbye and the PBX hung up.
        assert call.ended_by == "no choice"
        assert len(call.keys) <= KEYS_KEPT
    else:
        # In the room the whole time; the caller left and so did their row. The leave is
        # written after any mute write still queued (one writer thread, in order), so once
        # the row is gone no mute write is left pending.
        assert call.ended_by == "caller hung up"
        assert wait_for(lambda: not Participant.objects.exists())
        assert not call.mute_write_pending
