"""/api/space-trunks and /api/space-ring-groups as named members: a space's managers keep
its trunks, numbers and ring groups; a company's owner who is a member of the space finds
nothing; a space's manager changes no company's trunk; bad input is refused with the
field named; the OpenAPI schema lists it."""

from __future__ import annotations

import pytest

from officina.api.tests.test_contacts import assert_error
from officina.pbx.actions import do_provision_extension
from officina.trunks.models import PhoneNumber, Trunk

pytestmark = pytest.mark.django_db

TRUNK = {"name": "Navigli line", "mode": "peer", "host": "sip.provider.example"}


def test_a_space_manager_keeps_the_space_trunk_and_number(api_as, luca, marco, navigli):
    reception = do_provision_extension(marco).number
    api = api_as(luca)
    created = api.post("/space-trunks/navigli", {**TRUNK, "members_call_out": True})
    assert created.status_code == 201, created.content
    trunk = created.json()
    assert trunk["members_call_out"] is True and trunk["has_password"] is False
    assert Trunk.objects.get().space == navigli
    assert [t["id"] for t in api.get("/space-trunks/navigli").json()] == [trunk["id"]]
    number = api.post(
        "/space-trunks/navigli/numbers",
        {"number": "02 5551 2345", "trunk": trunk["id"], "route_kind": "extension",
         "route_target": reception},
    )  # fmt: skip
    assert number.status_code == 201, number.content
    assert number.json()["number"] == "+390255512345"
    changed = api.post(
        f"/space-trunks/navigli/numbers/{number.json()['id']}",
        {"number": "+390255512345", "trunk": trunk["id"], "route_kind": "voicemail",
         "route_target": reception},
    )  # fmt: skip
    assert changed.status_code == 200 and changed.json()["route_kind"] == "voicemail"
    assert api.delete(f"/space-trunks/navigli/trunks/{trunk['id']}").status_code == 204
    assert not Trunk.objects.exists() and not PhoneNumber.objects.exists()


def test_bad_input_names_the_field(api_as, luca, sara, studio_rossi, giulia):
    api = api_as(luca)
    trunk = api.post("/space-trunks/navigli", TRUNK).json()
    outsider = do_provision_extension(sara).number  # San Salvario's
    refused = api.post(
        "/space-trunks/navigli/numbers",
        {"number": "02 5551 2345", "trunk": trunk["id"], "route_kind": "extension",
         "route_target": outsider},
    )  # fmt: skip
    body = assert_error(refused, 400, "INVALID_INPUT")
    assert body["field"] == "route_target"
    assert "member of this space" in body["message"]
    # Shared with members is a space's setting: a company's owner is told so.
    body = assert_error(
        api_as(giulia).post("/trunks/studio-rossi", {**TRUNK, "members_call_out": True}),
        400,
        "INVALID_INPUT",
    )
    assert body["field"] == "members_call_out"
    assert not PhoneNumber.objects.exists()
    assert Trunk.objects.count() == 1


def test_nobody_else_reaches_a_space_trunk_and_a_manager_no_company_trunk(
    api_as, luca, giulia, marco, sara
):
    space_trunk = api_as(luca).post("/space-trunks/navigli", TRUNK).json()
    company_trunk = api_as(giulia).post("/trunks/studio-rossi", TRUNK).json()
    for not_manager in (giulia, marco, sara):
        api = api_as(not_manager)
        assert_error(api.get("/space-trunks/navigli"), 404, "NOT_FOUND")
        assert_error(
            api.post(f"/space-trunks/navigli/trunks/{space_trunk['id']}", TRUNK), 404, "NOT_FOUND"
        )
        assert_error(
            api.delete(f"/space-trunks/navigli/trunks/{space_trunk['id']}"), 404, "NOT_FOUND"
        )
    # Giulia's company address does not reach the space's trunk; Luca's space address
    # does not reach the company's.
    assert_error(
        api_as(giulia).post(f"/trunks/studio-rossi/trunks/{space_trunk['id']}", TRUNK),
        404,
        "NOT_FOUND",
    )
    assert_error(api_as(luca).get("/trunks/studio-rossi"), 404, "NOT_FOUND")
    assert_error(
        api_as(luca).post(f"/space-trunks/navigli/trunks/{company_trunk['id']}", TRUNK),
        404,
        "NOT_FOUND",
    )
    assert Trunk.objects.get(pk=company_trunk["id"]).name == "Navigli line"
    assert Trunk.objects.count() == 2


def test_the_schema_lists_the_space_endpoints(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/space-trunks/{slug}/numbers" in schema["paths"]
    operation = schema["paths"]["/api/space-trunks/{slug}"]["post"]
    assert operation["operationId"] == "space_add_trunk"
    assert "members_call_out" in schema["components"]["schemas"]["TrunkIn"]["properties"]


def test_a_space_manager_keeps_the_space_ring_groups(api_as, luca, giulia, marco, sara, navigli):
    api = api_as(luca)
    group = {"name": "Reception", "number": "650", "members": [marco.pk, giulia.pk]}
    created = api.post("/space-ring-groups/navigli", group)
    assert created.status_code == 201, created.content
    assert [place["member"]["id"] for place in created.json()["members"]] == [marco.pk, giulia.pk]
    body = assert_error(
        api.post("/space-ring-groups/navigli", {**group, "number": "651", "members": [sara.pk]}),
        400,
        "INVALID_INPUT",
    )
    assert body["field"] == "members"
    group_id = created.json()["id"]
    for not_manager in (giulia, marco):
        assert_error(api_as(not_manager).get("/space-ring-groups/navigli"), 404, "NOT_FOUND")
        assert_error(
            api_as(not_manager).delete(f"/space-ring-groups/navigli/{group_id}"), 404, "NOT_FOUND"
        )
    # Giulia, an owner of Studio Rossi, does not reach it through her company's address.
    assert_error(api_as(giulia).delete(f"/ring-groups/studio-rossi/{group_id}"), 404, "NOT_FOUND")
    assert api.delete(f"/space-ring-groups/navigli/{group_id}").status_code == 204


def test_a_space_member_in_its_group_says_do_not_disturb_through_the_api(
    api_as, luca, giulia, marco, sara, navigli
):
    """Marco, listed in Navigli's group though not its manager, switches his own place;
    Giulia (of the space, not in the group) and Sara (not of the space) reach nothing,
    and Marco still cannot change the group."""
    created = api_as(luca).post(
        "/space-ring-groups/navigli", {"name": "Reception", "number": "650", "members": [marco.pk]}
    )
    group_id = created.json()["id"]
    switch = f"/space-ring-groups/navigli/{group_id}/availability"
    answer = api_as(marco).post(switch, {"available": False})
    assert answer.status_code == 200, answer.content
    (place,) = answer.json()["members"]
    assert (place["member"]["id"], place["available"]) == (marco.pk, False)
    assert api_as(marco).post(switch, {"available": True}).json()["members"][0]["available"]
    for other in (giulia, sara):
        assert_error(api_as(other).post(switch, {"available": False}), 404, "NOT_FOUND")
    change = {"name": "Mine", "number": "650", "members": [marco.pk]}
    assert_error(
        api_as(marco).post(f"/space-ring-groups/navigli/{group_id}", change), 404, "NOT_FOUND"
    )
    assert_error(api_as(marco).delete(f"/space-ring-groups/navigli/{group_id}"), 404, "NOT_FOUND")
