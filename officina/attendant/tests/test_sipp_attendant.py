"""SIPp against the numbers the PBX answers itself besides voicemail: an auto-attendant
menu and a conference room refuse SDP they cannot take (malformed, no codec in common)
with 488 and open nothing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from officina.accounts.models import Company
from officina.attendant.actions import MenuInput, check_save_menu
from officina.conferences.actions import RoomInput, check_save_room
from officina.conferences.models import Participant
from officina.pbx.tests.livepbx import LivePbx, live_pbx, make_extensions, port_base
from officina.pbx.tests.test_baresip import wait_for
from officina.pbx.tests.test_sipp import PASSWORDS, credentials, finished, sipp

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in ("sipp", "sox", "espeak-ng")),
        reason="SIPp, sox and espeak-ng are needed",
    ),
]


@pytest.fixture
def pbx() -> Iterator[LivePbx]:
    make_extensions(PASSWORDS)
    company = Company.objects.create(name="Front desk srl", slug="front-desk")
    check_save_menu(
        company,
        MenuInput(name="Front desk", number="500", language="en", greeting_text="Welcome."),
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
