"""A follow-me to a hunting ring group, on the in-memory network: the group's people ring
one step at a time, as a call to the group's number rings them, while the member's own
phone rings on through every step.

Sara calls Marco, whose follow-me after five seconds is ring group 650 (five seconds a
step)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from officina.accounts.actions import check_add_company_member, check_answer_company_invitation
from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.directory import Directory
from officina.pbx.forwarding import Forwarder
from officina.pbx.ring_groups import RingGroups
from officina.pbx.selectors import ForwardingRule
from officina.pbx.tests.harness import REALM, Pbx, Phone
from officina.pbx.tests.test_server import place_call, requests_of
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member
    from officina.sip import SipRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def phones(make_member, giulia, marco, sara, studio_rossi):
    """The PBX, the registered phones of Giulia, Marco, Pia, Ada (of Studio Rossi) and
    Sara, and Pia and Ada; Marco's follow-me rings ring group 650 after five seconds."""
    pia = make_member("pia@officina.test", first_name="Pia", last_name="Greco")
    ada = make_member("ada@officina.test", first_name="Ada", last_name="Neri")
    for member in (pia, ada):
        check_add_company_member(giulia, studio_rossi, email=member.email)
        check_answer_company_invitation(member, studio_rossi, accept=True)
    numbers = {}
    for member in (giulia, marco, pia, ada, sara):
        extension = do_provision_extension(member)
        do_set_sip_password(extension, f"{member.first_name}-secret")
        numbers[member.first_name] = extension.number
    directory = Directory(node="test")
    directory.load()
    pbx = Pbx(directory)
    found = {
        name: Phone(pbx, number, f"{name}-secret", f"10.0.0.{index}", 5060)
        for index, (name, number) in enumerate(numbers.items(), start=10)
    }
    for phone in found.values():
        assert phone.register().status == 200
    proxy = pbx.server.proxy
    forwarder = Forwarder(proxy, pbx.server.layer, directory, REALM)
    marco_entry = directory.entry(numbers["Marco"])
    assert marco_entry is not None
    forwarder.rules = {
        marco_entry.extension_id: ForwardingRule(follow_me="650", follow_me_seconds=5)
    }
    proxy.forwarding = forwarder
    return pbx, found, pia, ada


def ring_group(studio_rossi: Company, strategy: str, *members: Member) -> RingGroups:
    """Group 650 of ``members`` in this order, five seconds a step, as the PBX reads it."""
    check_save_ring_group(
        studio_rossi,
        RingGroupInput(
            name="Desk", number="650", strategy=strategy, ring_seconds=5,
            member_ids=[member.pk for member in members],
        ),
    )  # fmt: skip
    groups = RingGroups()
    groups.load()
    return groups


def received(phone: Phone, method: str) -> list[SipRequest]:
    """The requests of ``method`` that ``phone`` got, each once (not its retransmissions)."""
    requests = requests_of(phone.inbox(), method)
    return list({request.header("Via"): request for request in requests}.values())


def invites(phone: Phone) -> list[SipRequest]:
    return received(phone, "INVITE")


def cancels(phone: Phone) -> list[str]:
    """The Reason of each CANCEL ``phone`` got."""
    return [request.header("Reason") or "" for request in received(phone, "CANCEL")]


def test_a_hunt_leaves_out_the_member_and_who_is_on_a_call_and_steps_over_after_its_seconds(
    phones, studio_rossi, giulia, marco
):
    """An ordered hunt of Marco, Giulia, Pia and Ada, Giulia on a call: Marco is left out
    (his phone rings already), Giulia skipped. Pia rings after Marco's five seconds, alone
    beside him; after the group's five she is cancelled and Ada rings, the last step,
    past the group's seconds. Ada answers: Marco's phone, which rang all along, is
    cancelled."""
    pbx, phone, pia, ada = phones
    groups = ring_group(studio_rossi, "hunt", marco, giulia, pia, ada)
    giulia_entry = pbx.directory.entry(phone["Giulia"].user)
    assert giulia_entry is not None
    groups.call_answered([giulia_entry.extension_id])
    pbx.server.proxy.ring_groups = groups
    place_call(phone["Sara"], phone["Marco"].user)
    (ringing,) = invites(phone["Marco"])
    phone["Marco"].answer(ringing, 180, to_tag="marco")
    pbx.advance(4)
    assert invites(phone["Pia"]) == []
    pbx.advance(2)
    (pias,) = invites(phone["Pia"])
    phone["Pia"].answer(pias, 180, to_tag="pia")
    assert invites(phone["Ada"]) == [] and invites(phone["Giulia"]) == []
    pbx.advance(5)
    assert cancels(phone["Pia"]) == ['SIP;cause=480;text="No answer"']
    (adas,) = invites(phone["Ada"])
    pbx.advance(10)  # the last step rings on
    assert cancels(phone["Ada"]) == [] and cancels(phone["Marco"]) == []
    phone["Ada"].answer(adas, 200, to_tag="ada")
    assert cancels(phone["Marco"]) == ['SIP;cause=200;text="Call completed elsewhere"']
    assert invites(phone["Giulia"]) == []


def test_a_longest_idle_hunt_moves_on_at_once_when_a_person_is_busy(phones, studio_rossi, giulia):
    """Longest idle: Pia, idle longest, rings first after Marco's five seconds; she is busy
    (486), so Giulia rings at once, not after the group's seconds; Marco's phone rings on
    and is cancelled only when Giulia answers."""
    pbx, phone, pia, _ada = phones
    groups = ring_group(studio_rossi, "longest_idle", giulia, pia)
    giulia_entry = pbx.directory.entry(phone["Giulia"].user)
    assert giulia_entry is not None
    groups.idle_since[giulia_entry.extension_id] = 50.0  # Pia has been idle since the start
    pbx.server.proxy.ring_groups = groups
    place_call(phone["Sara"], phone["Marco"].user)
    (ringing,) = invites(phone["Marco"])
    phone["Marco"].answer(ringing, 180, to_tag="marco")
    pbx.advance(6)
    (pias,) = invites(phone["Pia"])
    assert invites(phone["Giulia"]) == []
    phone["Pia"].answer(pias, 486, to_tag="pia")
    (giulias,) = invites(phone["Giulia"])
    phone["Giulia"].answer(giulias, 180, to_tag="giulia")
    assert cancels(phone["Marco"]) == []
    phone["Giulia"].answer(giulias, 200, to_tag="giulia")
    assert cancels(phone["Marco"]) == ['SIP;cause=200;text="Call completed elsewhere"']


def test_the_members_busy_phone_is_still_busy_when_the_hunt_ends_unanswered(
    phones, studio_rossi, giulia, marco
):
    """Marco's phone says busy (486) while his follow-me hunts Pia, then Ada. Pia says
    busy: the hunt steps on to Ada (Marco's answer is his, not the step's); Ada does not
    take the call (480). Nobody answered and Marco's phone was busy: the best answer is
    his 486 (§16.7.6), so his busy forward (Giulia) takes the call, not his no-answer one
    (Sara herself)."""
    pbx, phone, pia, ada = phones
    pbx.server.proxy.ring_groups = ring_group(studio_rossi, "hunt", pia, ada)
    forwarder = pbx.server.proxy.forwarding
    assert forwarder is not None
    (marco_id,) = forwarder.rules
    forwarder.rules[marco_id] = ForwardingRule(
        busy=phone["Giulia"].user, no_answer=phone["Sara"].user,
        follow_me="650", follow_me_seconds=5,
    )  # fmt: skip
    place_call(phone["Sara"], phone["Marco"].user)
    (ringing,) = invites(phone["Marco"])
    phone["Marco"].answer(ringing, 180, to_tag="marco")
    pbx.advance(6)
    (pias,) = invites(phone["Pia"])
    phone["Marco"].answer(ringing, 486, to_tag="marco")
    phone["Pia"].answer(pias, 486, to_tag="pia")
    (adas,) = invites(phone["Ada"])
    assert invites(phone["Giulia"]) == []
    phone["Ada"].answer(adas, 480, to_tag="ada")
    (forwarded,) = invites(phone["Giulia"])
    assert ";reason=user-busy;" in (forwarded.header("Diversion") or "")
    assert invites(phone["Sara"]) == []


def test_a_step_that_says_busy_alone_is_no_verdict_once_the_hunt_steps_on(
    phones, studio_rossi, giulia, marco
):
    """The other way round: Marco's phone rings on, unanswered; Pia says busy, the hunt
    steps on, and Ada says 480. Pia's busy went with her step: the call ends unanswered
    (480), so his no-answer forward (Giulia) takes it, not his busy one (Sara)."""
    pbx, phone, pia, ada = phones
    pbx.server.proxy.ring_groups = ring_group(studio_rossi, "hunt", pia, ada)
    forwarder = pbx.server.proxy.forwarding
    assert forwarder is not None
    (marco_id,) = forwarder.rules
    forwarder.rules[marco_id] = ForwardingRule(
        busy=phone["Sara"].user, no_answer=phone["Giulia"].user,
        follow_me="650", follow_me_seconds=5,
    )  # fmt: skip
    place_call(phone["Sara"], phone["Marco"].user)
    (ringing,) = invites(phone["Marco"])
    phone["Marco"].answer(ringing, 180, to_tag="marco")
    pbx.advance(6)
    (pias,) = invites(phone["Pia"])
    phone["Pia"].answer(pias, 486, to_tag="pia")
    (adas,) = invites(phone["Ada"])
    phone["Ada"].answer(adas, 480, to_tag="ada")
    assert invites(phone["Giulia"]) == []  # Marco's phone rings on
    pbx.advance(30)  # his ring time ends
    (forwarded,) = invites(phone["Giulia"])
    assert ";reason=no-answer;" in (forwarded.header("Diversion") or "")
    assert invites(phone["Sara"]) == []
