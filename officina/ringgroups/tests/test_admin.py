"""The admin keeps the rules the group's pages keep, through the same actions: a ring
group that calls are routed to (here another group's out-of-hours number and a member's
forwarding) is neither removed, one at a time or in bulk, nor renumbered there; the
refusal names every route (staff see every owner), in the staff member's language, and
nothing changes. Once nothing routes to it, it goes. The admin's removal waits for a
route being saved: ``trunks/tests/test_routed_to_race.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from django.utils import translation

from officina.accounts.models import Member, Space
from officina.pbx.actions import ForwardingInput, check_set_forwarding, do_provision_extension
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group
from officina.ringgroups.admin import RingGroupAdminForm
from officina.ringgroups.models import RingGroup

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db

GROUPS = "/admin/ringgroups/ringgroup/"


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


def shown(response: _MonkeyPatchedWSGIResponse) -> str:
    return response.content.decode()


def change_form(group: RingGroup, **changes: object) -> dict[str, object]:
    """The admin's change form of ``group`` as posted, its people left as they are."""
    posted = {k: v for k, v in model_to_dict(group).items() if v not in (None, False)}
    posted.update(changes)
    return {
        **posted,
        "members-TOTAL_FORMS": "0",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
    }


def test_a_group_calls_are_routed_to_is_not_removed_from_its_delete_page(
    client_for, admin, navigli, marco, sara
):
    desk, _late = groups(navigli, marco)
    outsider = do_provision_extension(sara)
    check_set_forwarding(outsider, ForwardingInput(always="650"))
    client = client_for(admin)
    for ask in (client.get, client.post):
        answer = ask(f"{GROUPS}{desk.pk}/delete/", {"post": "yes"}, follow=True)
        assert answer.redirect_chain == [(f"{GROUPS}{desk.pk}/change/", 302)]
        # Staff see every owner: Sara, of no company of the space, is named.
        assert (
            "Ring group “650 Desk” stays. In use: calls come here from ring group 651 out "
            f"of hours, the call forwarding of Sara Bianchi ({outsider.number}). Send them "
            "elsewhere first."
        ) in shown(answer)
    assert RingGroup.objects.filter(pk=desk.pk).exists()


def test_the_bulk_removal_is_refused_whole_when_a_group_is_routed_to(
    client_for, admin, navigli, marco
):
    desk, late = groups(navigli, marco)
    spare = check_save_ring_group(
        navigli, RingGroupInput(name="Spare", number="652", member_ids=[marco.pk])
    )
    client = client_for(admin)
    selected = {"action": "delete_unless_routed_to", "_selected_action": [desk.pk, spare.pk]}
    for step in ({}, {"post": "yes"}):  # the confirmation page, then its answer
        answer = client.post(GROUPS, {**selected, **step}, follow=True)
        assert answer.redirect_chain == [(GROUPS, 302)]
        page = shown(answer)
        assert "Ring group “650 Desk” stays. In use: calls come here from ring group 651" in page
        assert "No ring group was removed." in page
        assert "652 Spare" not in page.split("No ring group was removed.")[0]
    assert set(RingGroup.objects.values_list("pk", flat=True)) == {desk.pk, late.pk, spare.pk}
    # The site's own bulk removal, which knows nothing of routes, is not offered.
    assert "delete_selected" not in shown(client.get(GROUPS))
    client.post(GROUPS, {"action": "delete_selected", "_selected_action": [desk.pk], "post": "yes"})
    assert RingGroup.objects.filter(pk=desk.pk).exists()


def test_the_refusal_speaks_the_staff_members_language(client_for, admin, navigli, marco):
    admin.language = "it"
    admin.save(update_fields=["language"])
    desk, _late = groups(navigli, marco)
    client = client_for(admin)
    answer = client.post(
        GROUPS, {"action": "delete_unless_routed_to", "_selected_action": [desk.pk]}, follow=True
    )
    page = shown(answer)
    assert "Il gruppo di chiamata “650 Desk” resta. In uso: qui arrivano le chiamate da" in page
    assert "Nessun gruppo di chiamata è stato rimosso." in page


def test_groups_nothing_routes_to_go_one_at_a_time_and_in_bulk(client_for, admin, navigli, marco):
    desk, late = groups(navigli, marco)
    spare = check_save_ring_group(
        navigli, RingGroupInput(name="Spare", number="652", member_ids=[marco.pk])
    )
    client = client_for(admin)
    confirm = client.get(f"{GROUPS}{late.pk}/delete/")
    assert confirm.status_code == 200 and "Are you sure" in shown(confirm)
    assert client.post(f"{GROUPS}{late.pk}/delete/", {"post": "yes"}).status_code == 302
    selected = {"action": "delete_unless_routed_to", "_selected_action": [desk.pk, spare.pk]}
    confirm = client.post(GROUPS, selected)
    assert confirm.status_code == 200 and "Are you sure" in shown(confirm)
    answer = client.post(GROUPS, {**selected, "post": "yes"}, follow=True)
    assert "Successfully deleted 2 ring groups." in shown(answer)
    assert not RingGroup.objects.exists()


def test_a_group_calls_are_routed_to_keeps_its_number_in_the_admins_change_form(
    client_for, admin, navigli, marco
):
    desk, _late = groups(navigli, marco)
    client = client_for(admin)
    refused = client.post(f"{GROUPS}{desk.pk}/change/", change_form(desk, number="659"))
    assert refused.status_code == 200
    assert "In use: calls come here from ring group 651 out of hours." in shown(refused)
    desk.refresh_from_db()
    assert desk.number == "650"
    saved = client.post(f"{GROUPS}{desk.pk}/change/", change_form(desk, name="Front desk"))
    assert saved.status_code == 302
    desk.refresh_from_db()
    assert (desk.number, desk.name) == ("650", "Front desk")


def test_the_admin_sends_a_group_out_of_hours_only_to_an_extension_or_a_group(
    client_for, admin, navigli, marco
):
    desk, _late = groups(navigli, marco)
    client: Client = client_for(admin)
    refused = client.post(
        f"{GROUPS}{desk.pk}/change/", change_form(desk, out_of_hours_number="699")
    )
    assert refused.status_code == 200
    assert "Out of hours, calls go to an extension or another ring group&#x27;s number." in shown(
        refused
    )
    assert RingGroup.objects.get(pk=desk.pk).out_of_hours_number == ""
    saved = client.post(f"{GROUPS}{desk.pk}/change/", change_form(desk, out_of_hours_number="651"))
    assert saved.status_code == 302
    assert RingGroup.objects.get(pk=desk.pk).out_of_hours_number == "651"


def test_the_admins_change_form_does_not_make_a_removed_group_again(navigli, marco):
    desk, late = groups(navigli, marco)
    data = {k: v for k, v in model_to_dict(late).items() if v is not None}
    form = RingGroupAdminForm(data={**data, "name": "Later"}, instance=late)
    RingGroup.objects.filter(pk=late.pk).delete()  # by another staff member meanwhile
    assert not form.is_valid()
    assert form.non_field_errors() == ["This ring group was removed meanwhile."]
    assert list(RingGroup.objects.all()) == [desk]


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
