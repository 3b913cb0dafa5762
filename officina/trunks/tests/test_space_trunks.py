"""A space's own trunks and numbers: one owner each (the database says so), set up and
seen by the space's managers alone, routed only to the space's members and groups, and
shared for calls out only when the managers say so."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import IntegrityError, transaction

from officina.core.errors import OfficinaError
from officina.pbx.actions import do_provision_extension
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group
from officina.ringgroups.models import BusinessHours, RingGroup
from officina.trunks.actions import NumberInput, TrunkInput, check_save_number, check_save_trunk
from officina.trunks.models import PhoneNumber, Trunk
from officina.trunks.selectors import DEFAULT_ALLOWANCE, trunk_snapshot

pytestmark = pytest.mark.django_db

SPACE_NUMBER = "+390255512345"


def a_trunk(**changes: object) -> TrunkInput:
    data = TrunkInput(name="Navigli line", host="sip.provider.example", mode="peer")
    for name, value in changes.items():
        setattr(data, name, value)
    return data


@pytest.fixture
def space_trunk(navigli):
    return check_save_trunk(navigli, a_trunk())


@pytest.fixture
def company_trunk(studio_rossi):
    return check_save_trunk(studio_rossi, a_trunk(name="Rossi line"))


def refused_by_the_database(make: Callable[[], object]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_a_trunk_a_ring_group_and_business_hours_have_exactly_one_owner(navigli, studio_rossi):
    both = {"company": studio_rossi, "space": navigli}
    refused_by_the_database(lambda: Trunk.objects.create(name="x", host="h", **both))
    refused_by_the_database(lambda: Trunk.objects.create(name="x", host="h"))
    refused_by_the_database(lambda: RingGroup.objects.create(name="x", number="651", **both))
    refused_by_the_database(lambda: RingGroup.objects.create(name="x", number="652"))
    refused_by_the_database(lambda: BusinessHours.objects.create(**both))
    refused_by_the_database(lambda: BusinessHours.objects.create())
    # Shared with members is a space's trunk's setting only.
    refused_by_the_database(
        lambda: Trunk.objects.create(
            name="x", host="h", company=studio_rossi, members_call_out=True
        )
    )
    assert Trunk.objects.create(name="x", host="h", space=navigli).owner == navigli


def test_a_company_trunk_is_never_shared_with_members(studio_rossi):
    with pytest.raises(OfficinaError) as refused:
        check_save_trunk(studio_rossi, a_trunk(members_call_out=True))
    assert refused.value.details["field"] == "members_call_out"
    assert not Trunk.objects.exists()


def test_a_space_number_rings_only_the_space_members_and_groups(
    navigli, space_trunk, marco, sara, giulia
):
    marco_extension = do_provision_extension(marco)
    sara_extension = do_provision_extension(sara)  # of San Salvario, not Navigli
    group = check_save_ring_group(
        navigli, RingGroupInput(name="Reception", number="650", member_ids=[marco.pk, giulia.pk])
    )
    assert group.space == navigli and group.company is None
    with pytest.raises(OfficinaError) as refused:
        check_save_ring_group(
            navigli, RingGroupInput(name="Wrong", number="651", member_ids=[sara.pk])
        )
    assert refused.value.details["field"] == "members"
    data = NumberInput(
        number="02 5551 2345", trunk_id=space_trunk.pk, route_kind="extension",
        route_target=sara_extension.number,
    )  # fmt: skip
    with pytest.raises(OfficinaError) as refused:
        check_save_number(navigli, data)
    assert refused.value.details["field"] == "route_target"
    assert "member of this space" in str(refused.value.message)
    data.route_target = marco_extension.number
    data.after_hours_kind, data.after_hours_target = "ring_group", "650"
    number = check_save_number(navigli, data)
    assert (number.e164, number.trunk.owner) == (SPACE_NUMBER, navigli)


def test_a_company_and_a_space_use_only_their_own_trunks_and_groups(
    navigli, studio_rossi, space_trunk, company_trunk, marco
):
    marco_extension = do_provision_extension(marco)
    check_save_ring_group(
        studio_rossi, RingGroupInput(name="Rossi", number="660", member_ids=[marco.pk])
    )
    on_the_company_trunk = NumberInput(
        number=SPACE_NUMBER, trunk_id=company_trunk.pk, route_kind="extension",
        route_target=marco_extension.number,
    )  # fmt: skip
    with pytest.raises(OfficinaError) as refused:
        check_save_number(navigli, on_the_company_trunk)
    assert refused.value.details["field"] == "trunk"
    to_the_company_group = NumberInput(
        number=SPACE_NUMBER, trunk_id=space_trunk.pk, route_kind="ring_group",
        route_target="660",
    )  # fmt: skip
    with pytest.raises(OfficinaError):
        check_save_number(navigli, to_the_company_group)
    assert not PhoneNumber.objects.exists()


def test_members_call_out_through_the_space_trunk_only_with_the_managers_yes(
    navigli, studio_rossi, giulia, marco, sara, space_trunk
):
    snapshot = trunk_snapshot()
    # Studio Rossi has no trunk; Navigli's is not shared: no trunk for Giulia.
    assert snapshot.trunk_for_member(giulia.pk) is None
    check_save_trunk(navigli, a_trunk(members_call_out=True), space_trunk)
    snapshot = trunk_snapshot()
    shared = snapshot.trunk_for_member(giulia.pk)
    assert shared is not None and shared.space_id == navigli.pk and shared.company_id is None
    assert snapshot.trunk_for_member(marco.pk) == shared
    assert snapshot.trunk_for_member(sara.pk) is None  # not a member of Navigli
    # Through a space's trunk: the default classes and minutes, and the guard applies.
    verdict = snapshot.judge_call_out(giulia.pk, "899123456", 0.0)
    assert verdict is not None and verdict.refusal == "premium"
    verdict = snapshot.judge_call_out(giulia.pk, "021234567", 60 * 60)
    assert verdict is not None and verdict.refusal == "daily-minutes"
    assert snapshot.allowance(shared.company_id, giulia.pk) == DEFAULT_ALLOWANCE
    # A company trunk comes first.
    company_trunk = check_save_trunk(studio_rossi, a_trunk(name="Rossi line"))
    chosen = trunk_snapshot().trunk_for_member(giulia.pk)
    assert chosen is not None and chosen.trunk_id == company_trunk.pk
