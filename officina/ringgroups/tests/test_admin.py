"""The admin keeps the rule the group's page keeps: a ring group that calls are routed to
(here another group's out-of-hours number) is neither removed nor renumbered there, in
the manager's language; once nothing routes to it, it goes."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict
from django.utils import translation

from officina.accounts.models import Member, Space
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group
from officina.ringgroups.admin import RingGroupAdminForm
from officina.ringgroups.models import RingGroup

pytestmark = pytest.mark.django_db


def groups(space: Space, member: Member) -> tuple[RingGroup, RingGroup]:
    desk = check_save_ring_group(
        space, RingGroupInput(name="Desk", number="650", member_ids=[member.pk])
    )
    late = check_save_ring_group(
        space,
        RingGroupInput(
            name="Late", number="651", member_ids=[member.pk], out_of_hours_number="650"
        ),
    )
    return desk, late


def test_a_group_calls_are_routed_to_has_no_delete_in_the_admin(client_for, admin, navigli, marco):
    desk, late = groups(navigli, marco)
    client = client_for(admin)
    assert client.get(f"/admin/ringgroups/ringgroup/{desk.pk}/delete/").status_code == 403
    bulk = client.post(
        "/admin/ringgroups/ringgroup/",
        {"action": "delete_selected", "_selected_action": [desk.pk], "post": "yes"},
    )
    assert bulk.status_code == 403
    assert RingGroup.objects.filter(pk=desk.pk).exists()
    # Nothing routes to the late group: it goes, and then so may the desk.
    assert (
        client.post(f"/admin/ringgroups/ringgroup/{late.pk}/delete/", {"post": "yes"}).status_code
        == 302
    )
    assert (
        client.post(f"/admin/ringgroups/ringgroup/{desk.pk}/delete/", {"post": "yes"}).status_code
        == 302
    )
    assert not RingGroup.objects.exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "In use: calls come here from"), ("it", "In uso")],
)
def test_a_group_calls_are_routed_to_keeps_its_number_in_the_admin(navigli, marco, language, words):
    desk, _late = groups(navigli, marco)
    data = {k: v for k, v in model_to_dict(desk).items() if v is not None}
    data["number"] = "659"
    with translation.override(language):
        form = RingGroupAdminForm(data=data, instance=desk)
        assert not form.is_valid()
        assert words in form.errors["number"][0], form.errors
    desk.refresh_from_db()
    assert desk.number == "650"
    data["number"] = "650"
    data["name"] = "Front desk"
    assert RingGroupAdminForm(data=data, instance=desk).is_valid()
