"""The admin's number form is checked as the number's page checks it, through the same
action (``hold_and_check_number``): a number rings a ring group or a menu of its trunk's
owner that exists, written in E.164, the one its trunk presents as caller ID; a refused
save keeps what was there, a number removed while its form was open is not made again,
and a trunk's owner is set once. The save waits for a group's removal under way:
``test_routed_to_race.py``."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict

from officina.accounts.models import Member, Space
from officina.attendant.actions import check_save_menu
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group
from officina.ringgroups.models import RingGroup
from officina.trunks.actions import TrunkInput, check_save_number, check_save_trunk
from officina.trunks.admin import PhoneNumberAdminForm
from officina.trunks.models import PhoneNumber, Trunk

from .test_routed_to import a_menu, number_to

pytestmark = pytest.mark.django_db

NUMBERS = "/admin/trunks/phonenumber/"


def number_form(trunk: Trunk, e164: str, kind: str, target: str, **changes: str) -> dict[str, str]:
    return {
        "trunk": str(trunk.pk), "e164": e164, "route_kind": kind, "route_target": target,
        "after_hours_kind": "", "after_hours_target": "", "forward_when": "",
        "forward_seconds": "20", "forward_kind": "", "forward_target": "", **changes,
    }  # fmt: skip


@pytest.fixture
def line(navigli: Space, marco: Member) -> Trunk:
    check_save_ring_group(navigli, RingGroupInput(name="Desk", number="650", member_ids=[marco.pk]))
    return check_save_trunk(navigli, TrunkInput(name="Line", host="sip.example", mode="peer"))


def test_the_admin_adds_a_number_routed_to_a_group_of_its_trunks_owner(client_for, admin, line):
    client = client_for(admin)
    answer = client.post(f"{NUMBERS}add/", number_form(line, "02 5551 0001", "ring_group", "650"))
    assert answer.status_code == 302, answer.content.decode()
    number = PhoneNumber.objects.get()
    assert (number.e164, number.trunk, number.route_target) == ("+390255510001", line, "650")
    # Routed to from the admin as from the number's page: the group stays.
    refused = client.post(f"/admin/ringgroups/ringgroup/{RingGroup.objects.get().pk}/delete/")
    assert refused.status_code == 302 and RingGroup.objects.exists()


@pytest.mark.parametrize(
    ("kind", "target", "field", "words"),
    [
        ("ring_group", "659", "route_target", "659 is not a ring group of this space."),
        ("menu", "650", "route_target", "650 is not an auto-attendant menu of this space."),
        ("extension", "650", "route_target", "650 is not the extension of a member"),
    ],
)
def test_the_admin_refuses_a_route_to_nothing(client_for, admin, line, kind, target, field, words):
    answer = client_for(admin).post(f"{NUMBERS}add/", number_form(line, "0255510001", kind, target))
    assert answer.status_code == 200
    assert words in str(answer.context["adminform"].form.errors[field])
    assert not PhoneNumber.objects.exists()


def test_the_admin_refuses_another_owners_group_and_keeps_the_number(
    client_for, admin, line, studio_rossi, giulia
):
    check_save_ring_group(
        studio_rossi, RingGroupInput(name="Rossi", number="660", member_ids=[giulia.pk])
    )
    check_save_menu(studio_rossi, a_menu("501"))
    number = check_save_number(
        line.owner, number_to(line, "650", "0255510001", "ring_group", "650", "route")
    )
    number.refresh_from_db()
    client = client_for(admin)
    for changes in (
        {"route_target": "660"},
        {"after_hours_kind": "menu", "after_hours_target": "501"},
        {"forward_when": "always", "forward_kind": "ring_group", "forward_target": "660"},
    ):
        form = number_form(line, "+390255510001", "ring_group", "650", **changes)
        answer = client.post(f"{NUMBERS}{number.pk}/change/", form)
        assert answer.status_code == 200, changes
        assert "of this space" in str(answer.context["adminform"].form.errors), changes
    number.refresh_from_db()
    assert (number.route_target, number.after_hours_target, number.forward_target) == (
        "650",
        "",
        "",
    )


def test_the_admin_keeps_one_caller_id_per_trunk_and_refuses_a_taken_number(
    client_for, admin, line
):
    first = check_save_number(
        line.owner, number_to(line, "650", "0255510001", "ring_group", "650", "route")
    )
    PhoneNumber.objects.filter(pk=first.pk).update(presented=True)
    client = client_for(admin)
    taken = client.post(
        f"{NUMBERS}add/", number_form(line, "+39 02 5551 0001", "ring_group", "650")
    )
    assert "+390255510001 is already on Officina." in str(
        taken.context["adminform"].form.errors["e164"]
    )
    added = client.post(
        f"{NUMBERS}add/", number_form(line, "0255510002", "ring_group", "650", presented="on")
    )
    assert added.status_code == 302
    assert list(PhoneNumber.objects.filter(presented=True).values_list("e164", flat=True)) == [
        "+390255510002"
    ]


def test_the_admins_number_form_does_not_make_a_removed_number_again(line):
    number = check_save_number(
        line.owner, number_to(line, "650", "0255510001", "ring_group", "650", "route")
    )
    opened = PhoneNumber.objects.get(pk=number.pk)  # the change form, opened before it goes
    form = PhoneNumberAdminForm(
        data=number_form(line, "+390255510001", "ring_group", "650", forward_seconds="30"),
        instance=opened,
    )
    PhoneNumber.objects.filter(pk=number.pk).delete()  # by another staff member meanwhile
    assert not form.is_valid()
    assert form.non_field_errors() == ["This number was removed meanwhile: nothing was saved."]
    assert not PhoneNumber.objects.exists()


def test_a_trunks_owner_is_set_once(client_for, admin, line, studio_rossi):
    check_save_number(
        line.owner, number_to(line, "650", "0255510001", "ring_group", "650", "route")
    )
    client = client_for(admin)
    url = f"/admin/trunks/trunk/{line.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="space"' not in page and 'name="company"' not in page
    assert "Officina Navigli" in page  # shown, not offered
    posted = {
        key: value
        for key, value in model_to_dict(line, exclude=["password"]).items()
        if value not in (None, False)
    }
    answer = client.post(
        url, {**posted, "name": "Main line", "company": studio_rossi.pk, "space": ""}
    )
    assert answer.status_code == 302, answer.content.decode()
    line.refresh_from_db()
    # Its number still routes to group 650 of its own owner, not to another's.
    assert (line.name, line.space_id, line.company_id) == ("Main line", line.owner.pk, None)
    # A new trunk is given its owner.
    assert 'name="company"' in client.get("/admin/trunks/trunk/add/").content.decode()
