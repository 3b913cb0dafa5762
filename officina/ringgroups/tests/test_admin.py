"""The admin keeps the rules the group's pages keep, through the same actions: a ring
group that calls are routed to (here another group's out-of-hours number and a member's
forwarding) is neither removed, one at a time or in bulk, nor renumbered there; the
refusal names every route (staff see every owner), in the staff member's language, and
nothing changes. Once nothing routes to it, it goes. Its owner is set once: the change
form shows it and does not change it. The admin's removal waits for a
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
from officina.ringgroups.models import RingGroup, RingGroupMember

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


def change_form(
    group: RingGroup, *, people: list[dict[str, object]] | None = None, **changes: object
) -> dict[str, object]:
    """The admin's change form of ``group`` as posted, its people left as they are, or
    ``people``: the inline's rows, its own first (``id``, ``DELETE``), then new ones."""
    posted = {k: v for k, v in model_to_dict(group).items() if v not in (None, False)}
    posted.update(changes)
    rows = people or []
    initial = sum(1 for row in rows if row.get("id"))
    inline: dict[str, object] = {
        "members-TOTAL_FORMS": str(len(rows)),
        "members-INITIAL_FORMS": str(initial),
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        inline.update({f"members-{index}-{name}": value for name, value in row.items()})
        inline[f"members-{index}-group"] = str(group.pk) if group.pk else ""
    return {**posted, **inline}


def place_of(group: RingGroup, member: Member, **changes: object) -> dict[str, object]:
    """The inline's row of ``member``'s place in ``group`` as it is, with ``changes``."""
    place = RingGroupMember.objects.get(group=group, member=member)
    row: dict[str, object] = {"id": place.pk, "member": member.pk, "position": place.position}
    if place.available:
        row["available"] = "on"
    row.update(changes)
    return row


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
    assert form.non_field_errors() == ["This ring group was removed meanwhile: nothing was saved."]
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


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ring_seconds": "500"}, "ring_seconds", "Between 5 and 120 seconds."),
        ({"number": "6x"}, "number", "The number is 2 to 6 digits."),
        ({"number": "650"}, "number", "650 is already taken: choose another number."),
        (
            {"out_of_hours_number": "651"},
            "out_of_hours_number",
            "Out of hours, calls go to an extension or another ring group&#x27;s number.",
        ),
    ],
)
def test_the_admin_saves_a_group_only_as_its_page_would(
    client_for, admin, navigli, marco, changes, field, message
):
    _desk, late = groups(navigli, marco)
    refused = client_for(admin).post(f"{GROUPS}{late.pk}/change/", change_form(late, **changes))
    assert refused.status_code == 200
    form = refused.context["adminform"].form
    assert message in " ".join(form.errors.get(field, [])).replace("'", "&#x27;"), form.errors
    late.refresh_from_db()
    assert (late.number, late.ring_seconds, late.out_of_hours_number) == ("651", 15, "650")


def test_the_admin_lists_only_the_owners_people_and_at_least_one(
    client_for, admin, navigli, marco, giulia, sara
):
    desk, _late = groups(navigli, marco)
    client = client_for(admin)
    # Sara is a member of San Salvario, not of Navigli.
    stranger = {"member": sara.pk, "position": 2, "available": "on"}
    refused = client.post(
        f"{GROUPS}{desk.pk}/change/", change_form(desk, people=[place_of(desk, marco), stranger])
    )
    assert refused.status_code == 200
    assert refused.context["adminform"].form.non_field_errors() == [
        "Only members of Officina Navigli can be in its groups."
    ]
    emptied = client.post(
        f"{GROUPS}{desk.pk}/change/", change_form(desk, people=[place_of(desk, marco, DELETE="on")])
    )
    assert emptied.context["adminform"].form.non_field_errors() == ["List at least one person."]
    assert list(desk.members.values_list("member", flat=True)) == [marco.pk]
    # Giulia is: in she goes, before Marco, and Marco stays as staff left him.
    saved = client.post(
        f"{GROUPS}{desk.pk}/change/",
        change_form(
            desk,
            people=[
                place_of(desk, marco, position=2, available=""),
                {"member": giulia.pk, "position": 1, "available": "on"},
            ],
        ),
    )
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    assert list(desk.members.values_list("member", "position", "available")) == [
        (giulia.pk, 1, True),
        (marco.pk, 2, False),
    ]


def test_the_admin_makes_a_group_only_of_its_owners_people(
    client_for, admin, studio_rossi, giulia, sara
):
    client = client_for(admin)
    new = RingGroup(company=studio_rossi, name="Desk", number="660")
    posted = change_form(new, people=[{"member": sara.pk, "position": 1}])
    posted.update({"strategy": "ring_all", "targets": "listed", "ring_seconds": "15"})
    refused = client.post(f"{GROUPS}add/", posted)
    assert refused.status_code == 200
    assert refused.context["adminform"].form.non_field_errors() == [
        "Only people of Studio Rossi can be in its groups."
    ]
    assert not RingGroup.objects.exists()
    posted = change_form(new, people=[{"member": giulia.pk, "position": 1}], name="  Front   desk ")
    posted.update({"strategy": "ring_all", "targets": "listed", "ring_seconds": "15"})
    assert client.post(f"{GROUPS}add/", posted).status_code == 302
    made = RingGroup.objects.get()
    assert (made.name, made.company, made.number) == ("Front desk", studio_rossi, "660")
    assert list(made.members.values_list("member", flat=True)) == [giulia.pk]


def test_a_groups_owner_is_set_once(client_for, admin, navigli, studio_rossi, marco, sara):
    desk, _late = groups(navigli, marco)
    client = client_for(admin)
    page = client.get(f"{GROUPS}{desk.pk}/change/").content.decode()
    assert 'name="space"' not in page and 'name="company"' not in page
    # Moved to Studio Rossi, group 651 of the space would overflow to another's group.
    answer = client.post(
        f"{GROUPS}{desk.pk}/change/",
        change_form(desk, name="Front", company=studio_rossi.pk, space=""),
    )
    assert answer.status_code == 302, shown(answer)
    desk.refresh_from_db()
    assert (desk.name, desk.space_id, desk.company_id) == ("Front", navigli.pk, None)
    # Still checked as the space's: Sara, a member of San Salvario only, is refused.
    stranger = {"member": sara.pk, "position": 2, "available": "on"}
    refused = client.post(
        f"{GROUPS}{desk.pk}/change/",
        change_form(desk, company=studio_rossi.pk, people=[place_of(desk, marco), stranger]),
    )
    assert refused.context["adminform"].form.non_field_errors() == [
        "Only members of Officina Navigli can be in its groups."
    ]
    assert 'name="company"' in client.get(f"{GROUPS}add/").content.decode()
