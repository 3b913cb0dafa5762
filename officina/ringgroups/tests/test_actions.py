"""Setting up ring groups: every rule checked first, nothing half-saved; availability."""

from __future__ import annotations

import pytest

from officina.core.errors import ErrorCode, OfficinaError
from officina.pbx.actions import do_provision_extension
from officina.ringgroups.actions import (
    RingGroupInput,
    check_save_ring_group,
    check_set_availability,
)
from officina.ringgroups.models import RingGroup, RingGroupMember

pytestmark = pytest.mark.django_db


def test_a_group_keeps_its_order_and_who_was_available(giulia, marco, studio_rossi):
    group = check_save_ring_group(
        studio_rossi, RingGroupInput("Desk", "600", "hunt", member_ids=[marco.pk, giulia.pk])
    )
    check_set_availability(marco, group, available=False)
    check_save_ring_group(
        studio_rossi,
        RingGroupInput("Desk", "600", "hunt", member_ids=[giulia.pk, marco.pk]),
        group,
    )
    assert list(
        RingGroupMember.objects.filter(group=group).values_list("member__email", "available")
    ) == [("giulia@officina.test", True), ("marco@officina.test", False)]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": " "}, "name", "Give the group a name."),
        ({"number": "6a0"}, "number", "The number is 2 to 6 digits."),
        ({"number": "1234567"}, "number", "The number is 2 to 6 digits."),
        ({"strategy": "random"}, "strategy", "Unknown way of ringing."),
        ({"ring_seconds": 2}, "ring_seconds", "Between 5 and 120 seconds."),
        ({"member_ids": []}, "members", "List at least one person."),
    ],
)
def test_bad_input_names_its_field(giulia, studio_rossi, changes, field, message):
    data = RingGroupInput("Desk", "600", member_ids=[giulia.pk])
    for name, value in changes.items():
        setattr(data, name, value)
    with pytest.raises(OfficinaError) as raised:
        check_save_ring_group(studio_rossi, data)
    assert raised.value.details["field"] == field
    assert str(raised.value.message) == message
    assert not RingGroup.objects.exists()


def test_a_number_taken_by_an_extension_or_a_group_and_people_of_other_companies(
    giulia, sara, studio_rossi
):
    taken = do_provision_extension(giulia).number
    with pytest.raises(OfficinaError) as raised:
        check_save_ring_group(studio_rossi, RingGroupInput("Desk", taken, member_ids=[giulia.pk]))
    assert f"{taken} is already taken" in str(raised.value.message)
    check_save_ring_group(studio_rossi, RingGroupInput("Desk", "600", member_ids=[giulia.pk]))
    with pytest.raises(OfficinaError):
        check_save_ring_group(studio_rossi, RingGroupInput("Two", "600", member_ids=[giulia.pk]))
    with pytest.raises(OfficinaError) as raised:
        check_save_ring_group(studio_rossi, RingGroupInput("Mix", "601", member_ids=[sara.pk]))
    assert raised.value.details["field"] == "members"
    assert RingGroup.objects.count() == 1


def test_the_next_extension_is_never_a_group_number(make_member, giulia, studio_rossi):
    first = do_provision_extension(giulia).number
    following = str(int(first) + 1)
    check_save_ring_group(studio_rossi, RingGroupInput("Desk", following, member_ids=[giulia.pk]))
    newcomer = do_provision_extension(make_member("new@officina.test"))
    assert newcomer.number == str(int(first) + 2)


def test_only_a_member_of_the_group_sets_their_availability(giulia, marco, studio_rossi):
    group = check_save_ring_group(
        studio_rossi, RingGroupInput("Desk", "600", member_ids=[giulia.pk])
    )
    with pytest.raises(OfficinaError) as raised:
        check_set_availability(marco, group, available=False)
    assert raised.value.code == ErrorCode.NOT_FOUND


def test_a_group_removed_meanwhile_is_not_made_again(giulia, marco, studio_rossi):
    desk = check_save_ring_group(studio_rossi, RingGroupInput("Desk", "600", member_ids=[marco.pk]))
    opened = RingGroup.objects.get(pk=desk.pk)  # the page is opened, then another owner
    RingGroup.objects.filter(pk=desk.pk).delete()  # removes the group
    with pytest.raises(OfficinaError) as refused:
        check_save_ring_group(
            studio_rossi, RingGroupInput("Front desk", "600", member_ids=[giulia.pk]), opened
        )
    assert refused.value.code == ErrorCode.NOT_FOUND
    assert str(refused.value.message) == (
        "This ring group was removed meanwhile: nothing was saved."
    )
    assert not RingGroup.objects.exists()
    assert not RingGroupMember.objects.exists()
