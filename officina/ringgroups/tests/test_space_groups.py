"""A space's ring groups and business hours (``/spaces/<slug>/...``): its managers set them
up from the space's members; nobody else reaches them; the PBX's plan of a space's group
lists its members (whoever is here at the space: ``pbx/tests/test_ring_groups.py``)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from officina.ringgroups.actions import RingGroupInput, check_save_ring_group
from officina.ringgroups.models import BusinessHours, RingGroup, RingGroupMember
from officina.ringgroups.selectors import ring_group_plans

pytestmark = pytest.mark.django_db


def test_a_space_manager_makes_a_group_of_the_space_members(
    client_for, luca, giulia, marco, sara, navigli
):
    browser = client_for(luca)
    form_page = browser.get("/spaces/navigli/ring-groups/new/").content.decode()
    assert f'name="place_{marco.pk}"' in form_page
    assert f'name="place_{sara.pk}"' not in form_page  # not a member of Navigli
    answer = browser.post(
        "/spaces/navigli/ring-groups/new/",
        {"name": "Reception", "number": "650", "strategy": "hunt", "targets": "listed",
         "ring_seconds": "10", f"place_{marco.pk}": "1", f"place_{giulia.pk}": "2"},
    )  # fmt: skip
    assert answer.status_code == 302 and answer["Location"] == "/spaces/navigli/ring-groups/"
    group = RingGroup.objects.get()
    assert (group.space, group.company) == (navigli, None)
    (plan,) = ring_group_plans()
    assert (plan.space_id, plan.company_id) == (navigli.pk, None)
    assert {giulia.pk, marco.pk} <= set(plan.owner_member_ids)
    assert sara.pk not in plan.owner_member_ids
    listed = browser.get("/spaces/navigli/ring-groups/").content.decode()
    assert f'href="/spaces/navigli/ring-groups/{group.pk}/"' in listed
    assert 'href="/spaces/navigli/business-hours/"' in listed


def test_a_space_manager_sets_the_space_hours(client_for, luca, navigli):
    form = {"time_zone": "Europe/Rome", "italian_holidays": "on", "form": "hours"}
    for day in range(7):
        form[f"opens_1_{day}"] = "09:00"
        form[f"closes_1_{day}"] = "18:00"
    answer = client_for(luca).post("/spaces/navigli/business-hours/", form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert answer["Location"] == "/spaces/navigli/business-hours/"
    hours = BusinessHours.objects.get()
    assert (hours.space, hours.company) == (navigli, None)
    assert hours.periods.count() == 7


def test_nobody_but_the_space_managers_reaches_its_groups(
    client_for, luca, giulia, marco, navigli, studio_rossi
):
    group = check_save_ring_group(
        navigli, RingGroupInput(name="Reception", number="650", member_ids=[marco.pk])
    )
    for not_manager in (giulia, marco):
        browser = client_for(not_manager)
        assert browser.get("/spaces/navigli/ring-groups/").status_code == 404
        assert browser.get(f"/spaces/navigli/ring-groups/{group.pk}/").status_code == 404
        assert browser.post(f"/spaces/navigli/ring-groups/{group.pk}/delete/").status_code == 404
        assert browser.get("/spaces/navigli/business-hours/").status_code == 404
    # The company's address does not reach the space's group, nor Luca's a company's.
    assert (
        client_for(giulia).get(f"/companies/studio-rossi/ring-groups/{group.pk}/").status_code
        == 404
    )
    company_group = check_save_ring_group(
        studio_rossi, RingGroupInput(name="Rossi", number="660", member_ids=[marco.pk])
    )
    url = reverse("ringgroups:edit", args=[studio_rossi.slug, company_group.pk])
    assert client_for(luca).get(url).status_code == 404
    assert (
        client_for(luca).get(f"/spaces/navigli/ring-groups/{company_group.pk}/").status_code == 404
    )
    assert RingGroup.objects.count() == 2


@pytest.mark.parametrize(
    ("language", "ring", "quiet", "again", "said"),
    [
        ("en", "Its calls ring you.", "Do not disturb", "Available again",
         "Do not disturb: Reception&#x27;s calls no longer ring you."),
        ("it", "Le sue chiamate ti fanno squillare.", "Non disturbare", "Di nuovo disponibile",
         "Non disturbare: le chiamate di Reception non ti fanno più squillare."),
    ],
)  # fmt: skip
def test_a_space_member_in_its_group_switches_do_not_disturb_from_the_phone_page(
    client_for, luca, giulia, marco, navigli, language, ring, quiet, again, said
):
    """Marco, a member of Navigli but not its manager, is listed in its group: his phone
    page shows the group with his switch, in his language; he says do not disturb and
    is available again. He still does not see nor change the group."""
    group = check_save_ring_group(
        navigli, RingGroupInput(name="Reception", number="650", member_ids=[marco.pk])
    )
    browser = client_for(marco)
    browser.cookies["django_language"] = language
    page = browser.get("/phone/").content.decode()
    assert 'id="ring-groups"' in page and ring in page and quiet in page, page
    switch = f"/spaces/navigli/ring-groups/{group.pk}/availability/"
    assert f'action="{switch}"' in page
    answer = browser.post(switch, {"available": "no", "next": "phone"})
    assert (answer.status_code, answer["Location"]) == (302, "/phone/#ring-groups")
    assert not RingGroupMember.objects.get(group=group, member=marco).available
    page = browser.get("/phone/").content.decode()
    assert said in page and again in page, page
    assert browser.post(switch, {"available": "yes"})["Location"] == "/phone/#ring-groups"
    assert RingGroupMember.objects.get(group=group, member=marco).available
    # Switching is all: the group's pages stay his manager's.
    assert browser.get("/spaces/navigli/ring-groups/").status_code == 404
    assert browser.get(f"/spaces/navigli/ring-groups/{group.pk}/").status_code == 404
    assert browser.post(f"/spaces/navigli/ring-groups/{group.pk}/delete/").status_code == 404
    assert RingGroup.objects.filter(pk=group.pk).exists()


def test_only_the_members_listed_in_a_space_group_switch_their_own_place(
    client_for, luca, giulia, marco, sara, navigli
):
    group = check_save_ring_group(
        navigli, RingGroupInput(name="Reception", number="650", member_ids=[marco.pk])
    )
    switch = f"/spaces/navigli/ring-groups/{group.pk}/availability/"
    # Giulia is of the space but not in the group; Sara is not of the space.
    for other in (giulia, sara):
        assert client_for(other).post(switch, {"available": "no"}).status_code == 404
        assert 'id="ring-groups"' not in client_for(other).get("/phone/").content.decode()
    assert RingGroupMember.objects.get(group=group, member=marco).available
    # Luca, its manager, goes back to the groups' page.
    check_save_ring_group(
        navigli,
        RingGroupInput(name="Reception", number="650", member_ids=[marco.pk, luca.pk]),
        group,
    )
    answer = client_for(luca).post(switch, {"available": "no"})
    assert answer["Location"] == "/spaces/navigli/ring-groups/"
    assert not RingGroupMember.objects.get(group=group, member=luca).available
