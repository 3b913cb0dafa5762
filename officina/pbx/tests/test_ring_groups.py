"""Whom a ring group rings, step by step: order, do not disturb, people on a call skipped
by the hunting strategies, the longest idle first, whoever is present."""

from __future__ import annotations

import pytest

from officina.accounts.actions import check_add_company_member, check_answer_company_invitation
from officina.accounts.models import Member
from officina.pbx.actions import do_provision_extension
from officina.pbx.directory import Directory
from officina.pbx.ring_groups import RingGroups
from officina.pbx.selectors import DirectoryEntry
from officina.presence.actions import check_check_in
from officina.ringgroups.actions import (
    RingGroupInput,
    check_save_ring_group,
    check_set_availability,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def trio(make_member, giulia, marco, studio_rossi):
    pia = make_member("pia@officina.test", first_name="Pia", last_name="Greco")
    check_add_company_member(giulia, studio_rossi, email=pia.email)
    check_answer_company_invitation(pia, studio_rossi, accept=True)
    return [giulia, marco, pia]


def numbers(steps: list[list[DirectoryEntry]]) -> list[list[str]]:
    return [[entry.number for entry in step] for step in steps]


def ready(directory_members: list[Member]) -> tuple[RingGroups, Directory, dict[str, str]]:
    extensions = {
        member.first_name: do_provision_extension(member).number for member in directory_members
    }
    directory = Directory()
    directory.load()
    groups = RingGroups()
    groups.load()
    return groups, directory, extensions


def test_hunting_in_order_without_do_not_disturb_nor_people_on_a_call(trio, studio_rossi):
    giulia, marco, pia = trio
    group = check_save_ring_group(
        studio_rossi,
        RingGroupInput("Desk", "600", "hunt", member_ids=[pia.pk, giulia.pk, marco.pk]),
    )
    check_set_availability(giulia, group, available=False)
    groups, directory, ext = ready(trio)
    plan = groups.plan("600")
    assert plan is not None
    assert numbers(groups.steps(plan, directory)) == [[ext["Pia"]], [ext["Marco"]]]
    pia_extension = directory.entry(ext["Pia"])
    assert pia_extension is not None
    groups.call_answered([pia_extension.extension_id])
    assert numbers(groups.steps(plan, directory)) == [[ext["Marco"]]]
    groups.call_ended([pia_extension.extension_id], wall=100.0)
    assert numbers(groups.steps(plan, directory)) == [[ext["Pia"]], [ext["Marco"]]]


def test_longest_idle_first_and_ring_all_rings_even_who_is_on_a_call(trio, studio_rossi):
    giulia, marco, pia = trio
    check_save_ring_group(
        studio_rossi,
        RingGroupInput("Idle", "600", "longest_idle", member_ids=[giulia.pk, marco.pk, pia.pk]),
    )
    check_save_ring_group(
        studio_rossi, RingGroupInput("All", "601", member_ids=[giulia.pk, marco.pk, pia.pk])
    )
    groups, directory, ext = ready(trio)
    by_number = {number: directory.by_number[number] for number in ext.values()}
    groups.call_ended([by_number[ext["Giulia"]].extension_id], wall=200.0)
    groups.call_ended([by_number[ext["Pia"]].extension_id], wall=100.0)
    idle = groups.plan("600")
    assert idle is not None
    # Marco never called since the start, Pia finished at 100, Giulia at 200.
    assert numbers(groups.steps(idle, directory)) == [[ext["Marco"]], [ext["Pia"]], [ext["Giulia"]]]
    groups.call_answered([by_number[ext["Marco"]].extension_id])
    everyone = groups.plan("601")
    assert everyone is not None
    assert numbers(groups.steps(everyone, directory)) == [[ext["Giulia"], ext["Marco"], ext["Pia"]]]


def test_whoever_is_present_now(trio, studio_rossi, navigli, digital):
    giulia, marco, _pia = trio
    check_save_ring_group(studio_rossi, RingGroupInput("Here", "600", targets="present"))
    check_check_in(marco, navigli)
    check_check_in(giulia, digital)  # a remote session counts too
    groups, directory, ext = ready(trio)
    plan = groups.plan("600")
    assert plan is not None
    assert sorted(numbers(groups.steps(plan, directory))[0]) == sorted(
        [ext["Giulia"], ext["Marco"]]
    )


def test_whoever_is_here_in_a_space_group_is_checked_in_at_that_space(trio, navigli, digital, luca):
    giulia, marco, _pia = trio  # Pia is of Studio Rossi, not a member of Navigli
    check_save_ring_group(navigli, RingGroupInput("Front desk", "650", targets="present"))
    check_check_in(marco, navigli)
    check_check_in(giulia, digital)  # here, but at another space
    check_check_in(luca, navigli)  # a manager of Navigli is one of its members
    groups, directory, ext = ready([*trio, luca])
    plan = groups.plan("650")
    assert plan is not None
    assert sorted(numbers(groups.steps(plan, directory))[0]) == sorted([ext["Marco"], ext["Luca"]])
