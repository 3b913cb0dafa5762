"""Setting up trunks, numbers and permissions: what is refused, and what is kept."""

from __future__ import annotations

from dataclasses import replace

import pytest

from officina.attendant.models import Menu
from officina.core.errors import OfficinaError
from officina.pbx.actions import do_provision_extension
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group
from officina.trunks.access import (
    access_number_by_id,
    access_trunk_by_id,
    access_trunks_by_company_slug,
)
from officina.trunks.actions import (
    NumberInput,
    PermissionInput,
    TrunkInput,
    check_save_number,
    check_save_trunk,
    check_set_permission,
)
from officina.trunks.models import OutboundPermission, PhoneNumber, Trunk
from officina.trunks.selectors import DEFAULT_ALLOWANCE, trunk_snapshot

pytestmark = pytest.mark.django_db


def registering(**changes: object) -> TrunkInput:
    data = TrunkInput(
        name="Provider", host="sip.provider.example", username="studio", password="secret-1"
    )
    for name, value in changes.items():
        setattr(data, name, value)
    return data


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"host": "sip provider"}, "host"),
        ({"host": "-bad-.example"}, "host"),
        ({"port": 0}, "port"),
        ({"port": 70000}, "port"),
        ({"username": ""}, "username"),
        ({"username": "a b"}, "username"),
        ({"password": ""}, "password"),
        ({"password": "line\nbreak"}, "password"),
        ({"register_seconds": 30}, "register_seconds"),
        ({"peer_addresses": "10.0.0.1, not-an-address"}, "peer_addresses"),
        ({"caller_id_header": "x"}, "caller_id_header"),
        ({"country": "ZZ"}, "country"),
        ({"mode": "telepathy"}, "mode"),
    ],
)
def test_a_wrong_trunk_is_refused_with_its_field_and_nothing_is_saved(studio_rossi, changes, field):
    with pytest.raises(OfficinaError) as refused:
        check_save_trunk(studio_rossi, registering(**changes))
    assert refused.value.details["field"] == field
    assert not Trunk.objects.exists()


def test_a_trunk_keeps_its_password_when_a_change_leaves_it_empty(studio_rossi):
    trunk = check_save_trunk(
        studio_rossi, registering(peer_addresses="192.0.2.10;2001:db8::1", country="it")
    )
    assert trunk.peer_addresses == "192.0.2.10, 2001:db8::1"
    assert trunk.country == "IT"
    check_save_trunk(studio_rossi, registering(password="", name="Renamed"), trunk)
    trunk.refresh_from_db()
    assert (trunk.name, trunk.password) == ("Renamed", "secret-1")


def test_a_peer_trunk_needs_no_credentials(studio_rossi):
    trunk = check_save_trunk(
        studio_rossi,
        TrunkInput(name="Peer", host="192.0.2.5", mode="peer", peer_addresses="192.0.2.5"),
    )
    assert trunk.password == ""


@pytest.fixture
def trunk(studio_rossi):
    return check_save_trunk(studio_rossi, registering())


def test_a_number_is_stored_in_e164_and_routes_to_the_company_only(
    studio_rossi, panificio, trunk, giulia, sara
):
    giulia_extension = do_provision_extension(giulia)
    sara_extension = do_provision_extension(sara)
    number = check_save_number(
        studio_rossi,
        NumberInput(
            number="02 8765 4321", trunk_id=trunk.pk, route_kind="extension",
            route_target=giulia_extension.number, presented=True,
        ),
    )  # fmt: skip
    assert number.e164 == "+390287654321"
    for wrong, field in (
        (NumberInput("02 8765 4321", trunk.pk, "extension", giulia_extension.number), "number"),
        (NumberInput("12", trunk.pk, "extension", giulia_extension.number), "number"),
        (NumberInput("02 1111 2222", trunk.pk, "extension", sara_extension.number), "route_target"),
        (NumberInput("02 1111 2222", trunk.pk, "ring_group", "600"), "route_target"),
        (NumberInput("02 1111 2222", trunk.pk, "fax", "201"), "route_kind"),
        (
            NumberInput("02 1111 2222", trunk.pk, "extension", giulia_extension.number,
                        after_hours_kind="voicemail", after_hours_target="999"),
            "after_hours_target",
        ),
    ):  # fmt: skip
        with pytest.raises(OfficinaError) as refused:
            check_save_number(studio_rossi, wrong)
        assert refused.value.details["field"] == field
    # Another company's trunk cannot carry Studio Rossi's numbers.
    with pytest.raises(OfficinaError):
        check_save_number(
            panificio, NumberInput("02 1111 2222", trunk.pk, "extension", sara_extension.number)
        )
    assert list(PhoneNumber.objects.values_list("e164", flat=True)) == ["+390287654321"]


def test_a_number_may_go_to_a_menu_of_its_company_only_in_and_out_of_hours(
    studio_rossi, panificio, trunk, giulia
):
    Menu.objects.create(company=studio_rossi, name="Reception", number="500", greeting="g.wav")
    Menu.objects.create(company=studio_rossi, name="Closed", number="501", greeting="g.wav")
    Menu.objects.create(company=panificio, name="Bakery", number="510", greeting="g.wav")
    giulia_extension = do_provision_extension(giulia)
    number = check_save_number(
        studio_rossi,
        NumberInput(
            "0287654321", trunk.pk, "menu", "500", after_hours_kind="menu",
            after_hours_target="501", forward_when="always", forward_kind="menu",
            forward_target="501",
        ),
    )  # fmt: skip
    assert (number.route_kind, number.route_target) == ("menu", "500")
    assert (number.after_hours_kind, number.after_hours_target) == ("menu", "501")
    assert (number.forward_kind, number.forward_target) == ("menu", "501")
    for wrong, field in (
        (NumberInput("0287654322", trunk.pk, "menu", "510"), "route_target"),
        (NumberInput("0287654322", trunk.pk, "menu", giulia_extension.number), "route_target"),
        (
            NumberInput("0287654322", trunk.pk, "extension", giulia_extension.number,
                        after_hours_kind="menu", after_hours_target="510"),
            "after_hours_target",
        ),
        (
            NumberInput("0287654322", trunk.pk, "menu", "500", forward_when="always",
                        forward_kind="menu", forward_target="510"),
            "forward_target",
        ),
    ):  # fmt: skip
        with pytest.raises(OfficinaError) as refused:
            check_save_number(studio_rossi, wrong)
        assert refused.value.details["field"] == field
    assert PhoneNumber.objects.count() == 1


def test_a_number_may_ring_a_group_and_one_number_is_presented(studio_rossi, trunk, giulia):
    check_save_ring_group(
        studio_rossi, RingGroupInput(name="Reception", number="600", member_ids=[giulia.pk])
    )
    first = check_save_number(
        studio_rossi, NumberInput("0287654321", trunk.pk, "ring_group", "600", presented=True)
    )
    second = check_save_number(
        studio_rossi, NumberInput("0287654322", trunk.pk, "ring_group", "600", presented=True)
    )
    first.refresh_from_db()
    assert not first.presented and second.presented
    assert trunk_snapshot().trunks[trunk.pk].presented_number == "+390287654322"


def test_permissions_default_and_set(studio_rossi, panificio, giulia, sara):
    snapshot = trunk_snapshot()
    assert snapshot.allowance(studio_rossi.pk, giulia.pk) == DEFAULT_ALLOWANCE
    assert {"premium", "satellite", "international"}.isdisjoint(DEFAULT_ALLOWANCE.classes)
    check_set_permission(
        studio_rossi, giulia, PermissionInput(international=True, daily_minutes=30)
    )
    allowance = trunk_snapshot().allowance(studio_rossi.pk, giulia.pk)
    assert "international" in allowance.classes and "premium" not in allowance.classes
    assert allowance.daily_minutes == 30
    with pytest.raises(OfficinaError) as refused:
        check_set_permission(studio_rossi, sara, PermissionInput())
    assert refused.value.details["field"] == "member"
    with pytest.raises(OfficinaError) as refused:
        check_set_permission(studio_rossi, giulia, PermissionInput(daily_minutes=2000))
    assert refused.value.details["field"] == "daily_minutes"
    assert OutboundPermission.objects.get().daily_minutes == 30


def test_access_owner_manages_people_and_space_manager_see_others_nothing(
    studio_rossi, trunk, giulia, marco, luca, sara, outsider
):
    number = check_save_number(
        studio_rossi,
        NumberInput("0287654321", trunk.pk, "extension", do_provision_extension(giulia).number),
    )
    slug = studio_rossi.slug
    assert access_trunk_by_id(giulia, slug, trunk.pk, to_manage=True) == trunk
    assert access_number_by_id(giulia, slug, number.pk, to_manage=True) == number
    for viewer in (marco, luca):  # a colleague; the manager of the company's space
        assert access_trunk_by_id(viewer, slug, trunk.pk) == trunk
        with pytest.raises(OfficinaError):
            access_trunk_by_id(viewer, slug, trunk.pk, to_manage=True)
    for stranger in (sara, outsider):
        with pytest.raises(OfficinaError) as refused:
            access_trunks_by_company_slug(stranger, slug)
        assert str(refused.value.message) == "Trunk or number not found."
    # Missing and forbidden look the same.
    with pytest.raises(OfficinaError) as missing:
        access_trunk_by_id(giulia, slug, trunk.pk + 100)
    assert str(missing.value.message) == "Trunk or number not found."


def test_a_number_forwards_always_or_when_not_answered_and_never_to_a_premium_number(
    studio_rossi, trunk, giulia
):
    extension = do_provision_extension(giulia).number
    base = NumberInput("02 8765 4321", trunk.pk, "extension", extension)

    def outside(target: str) -> dict[str, object]:
        return {"forward_when": "always", "forward_kind": "outside", "forward_target": target}

    for forwarding, field, reason in (
        ({"forward_when": "sometimes"}, "forward_when", ""),
        ({"forward_when": "always", "forward_kind": "fax"}, "forward_kind", ""),
        (
            {"forward_when": "no_answer", "forward_seconds": 3, "forward_kind": "extension",
             "forward_target": extension},
            "forward_seconds", "",
        ),
        ({"forward_when": "always", "forward_kind": "extension", "forward_target": "999"},
         "forward_target", ""),
        (outside("12"), "forward_target", "not a valid number"),
        (outside("899 123 456"), "forward_target", "premium rate"),
        (outside("+44 20 7946 0958"), "forward_target", "international"),
        (outside("+881 6123 456789"), "forward_target", "satellite"),
    ):  # fmt: skip
        with pytest.raises(OfficinaError) as refused:
            check_save_number(studio_rossi, replace(base, **forwarding))
        assert refused.value.details["field"] == field
        assert reason in str(refused.value.message)
    assert not PhoneNumber.objects.exists()
    number = check_save_number(
        studio_rossi,
        replace(
            base, forward_when="no_answer", forward_seconds=10, forward_kind="outside",
            forward_target="333 123 4567",
        ),
    )  # fmt: skip
    assert (number.forward_kind, number.forward_target) == ("outside", "+393331234567")
    plan = trunk_snapshot().numbers["+390287654321"]
    assert (plan.forward_when, plan.forward_seconds, plan.forward_target) == (
        "no_answer", 10, "+393331234567",
    )  # fmt: skip
    # Turned off, the target goes with it.
    number = check_save_number(studio_rossi, replace(base, forward_kind="outside"), number)
    assert (number.forward_when, number.forward_kind, number.forward_target) == ("", "", "")
