"""A BLF key's pickup (an INVITE with Replaces naming a ringing call's early dialog) on
the in-memory network: who may, which dialog it must name, and what the picker's
phones get; which of the picker's phones a pickup rings."""

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


@pytest.mark.parametrize("asking", ["mobile", "unregistered"])
def test_only_the_phone_that_asks_gets_the_picked_up_call(pbx, asking):
    """Sara's desk and mobile are registered; the mobile dials **202 and only it is rung.
    A phone of hers that never registered dials it: both of hers ring (which one asked
    cannot be told)."""
    giulia, marco = (
        Phone(pbx, number, f"{name}-secret", f"10.0.0.{index}", 5060)
        for index, (number, name) in enumerate((("201", "giulia"), ("202", "marco")), start=10)
    )
    desk, mobile, elsewhere = (
        Phone(pbx, "203", "sara-secret", f"10.0.0.{index}", 5060) for index in (12, 13, 14)
    )
    for phone in (giulia, marco, desk, mobile):
        assert phone.register().status == 200
    pbx.server.proxy.pickup = CallPickup(pbx.server.proxy, lambda _a, _b: True)
    place_call(giulia)
    (ringing,) = requests_of(marco.inbox(), "INVITE")
    marco.answer(ringing, 180, to_tag="desk")
    desk.inbox()
    mobile.inbox()

    picker = mobile if asking == "mobile" else elsewhere
    place_call(picker, "**202")
    got = {phone.host: phone.inbox() for phone in (desk, mobile, elsewhere)}
    assert statuses(got[picker.host])[-1] == 480  # Call Picked Up
    rung = {host for host, messages in got.items() if requests_of(messages, "INVITE")}
    expected = {mobile.host} if asking == "mobile" else {desk.host, mobile.host}
    assert rung == expected
