"""A BLF key's pickup (an INVITE with Replaces naming a ringing call's early dialog) on
the in-memory network: who may, which dialog it must name, and what the picker's
phones get."""

from __future__ import annotations

import pytest

from officina.pbx.directory import Directory
from officina.pbx.pickup import CallPickup
from officina.pbx.tests.harness import Pbx, Phone
from officina.pbx.tests.test_server import (
    make_extension,
    place_call,
    requests_of,
    statuses,
)
from officina.sip import SipRequest, SipResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def pbx() -> Pbx:
    for name in ("giulia", "marco", "sara"):  # 201, 202, 203
        make_extension(f"{name}@example.it", f"{name}-secret")
    directory = Directory(node="test")
    directory.load()
    return Pbx(directory)


def test_a_blf_key_picks_up_only_the_dialog_that_rings_and_only_for_a_colleague(pbx):
    giulia, marco, sara = (
        Phone(pbx, number, f"{name}-secret", f"10.0.0.{index}", 5060)
        for index, (number, name) in enumerate(
            (("201", "giulia"), ("202", "marco"), ("203", "sara")), start=10
        )
    )
    for phone in (giulia, marco, sara):
        assert phone.register().status == 200
    together = {"yes": False}
    pbx.server.proxy.pickup = CallPickup(pbx.server.proxy, lambda _a, _b: together["yes"])
    call = place_call(giulia)
    (ringing,) = requests_of(marco.inbox(), "INVITE")
    marco.answer(ringing, 180, to_tag="desk")
    giulia.inbox()

    def pick_up(to_tag: str, from_tag: str) -> list[SipRequest | SipResponse]:
        """What Sara's phone gets for a Replaces naming these tags."""
        replaces = f"{call.call_id};to-tag={to_tag};from-tag={from_tag}"
        place_call(sara, "202", (("Replaces", replaces),))
        return sara.inbox()

    caller_tag = call.from_tag or ""
    assert statuses(pick_up("desk", caller_tag))[-1] == 403, "not a colleague of Marco's"
    together["yes"] = True
    assert statuses(pick_up("mobile", caller_tag))[-1] == 481, "no phone of it has that tag"
    assert statuses(pick_up("desk", "someone-else"))[-1] == 481, "nor the caller that tag"
    got = pick_up("desk", caller_tag)
    assert statuses(got)[-1] == 480  # Call Picked Up: the call comes as a new INVITE
    (fork,) = requests_of(got, "INVITE")
    assert fork.call_id == call.call_id and fork.header("Answer-Mode") == "Auto"
    assert fork.header("Replaces") is None, "the caller's INVITE, as it came"
