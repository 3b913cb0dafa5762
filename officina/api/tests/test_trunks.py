"""/api/trunks as named members: only the company's owners read and change trunks,
numbers and calls-out permissions; the trunk password is written, never read; bad input
is refused with the field named and nothing changed; a number removed meanwhile is not
made again (404, as any number the caller cannot reach)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from officina.api import trunks
from officina.api.tests.test_contacts import assert_error
from officina.pbx.actions import do_provision_extension
from officina.trunks.access import access_number_by_id
from officina.trunks.models import OutboundPermission, PhoneNumber, Trunk

pytestmark = pytest.mark.django_db

TRUNK = {
    "name": "Provider",
    "mode": "register",
    "host": "sip.provider.example",
    "username": "studio-rossi",
    "password": "trunk-secret-7",
}


@pytest.fixture
def marco_extension(marco):
    return do_provision_extension(marco).number


def test_owners_keep_trunks_and_the_password_is_never_read(
    api_as, giulia, marco, sara, luca, studio_rossi
):
    created = api_as(giulia).post("/trunks/studio-rossi", TRUNK)
    assert created.status_code == 201, created.content
    trunk = created.json()
    assert trunk["has_password"] is True and "password" not in trunk
    assert "trunk-secret-7" not in json.dumps(api_as(giulia).get("/trunks/studio-rossi").json())
    # A change without a password keeps it; peer addresses are a list.
    changed = api_as(giulia).post(
        f"/trunks/studio-rossi/trunks/{trunk['id']}",
        {**TRUNK, "password": "", "mode": "peer", "peer_addresses": ["192.0.2.7"]},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["peer_addresses"] == ["192.0.2.7"]
    assert Trunk.objects.get().password == "trunk-secret-7"
    # A colleague, the space's manager, a stranger and nobody: not found / signed out.
    for other in (marco, luca, sara):
        assert_error(api_as(other).get("/trunks/studio-rossi"), 404, "NOT_FOUND")
        assert_error(
            api_as(other).delete(f"/trunks/studio-rossi/trunks/{trunk['id']}"), 404, "NOT_FOUND"
        )
    assert_error(api_as(None).get("/trunks/studio-rossi"), 401, "UNAUTHORIZED")
    assert_error(api_as(giulia).get("/trunks/no-such-company"), 404, "NOT_FOUND")
    assert api_as(giulia).delete(f"/trunks/studio-rossi/trunks/{trunk['id']}").status_code == 204
    assert not Trunk.objects.exists()


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"host": "not a host!"}, 400, "host"),
        ({"port": 70000}, 422, None),
        ({"mode": "carrier-pigeon"}, 422, None),
        ({"register_seconds": 5}, 422, None),
        ({"peer_addresses": ["not-an-address"]}, 400, "peer_addresses"),
        ({"name": ""}, 400, "name"),
        ({"country": "ITA"}, 422, None),
    ],
)
def test_a_bad_trunk_is_refused_and_nothing_saved(
    api_as, giulia, studio_rossi, change, status, field
):
    body = assert_error(
        api_as(giulia).post("/trunks/studio-rossi", {**TRUNK, **change}),
        status,
        "INVALID_INPUT",
    )
    if field is not None:
        assert body["field"] == field
    assert not Trunk.objects.exists()


def test_numbers_and_where_they_ring(api_as, giulia, marco, studio_rossi, marco_extension):
    trunk = api_as(giulia).post("/trunks/studio-rossi", TRUNK).json()
    number = {
        "number": "02 8765 4321", "trunk": trunk["id"], "route_kind": "extension",
        "route_target": marco_extension, "presented": True,
    }  # fmt: skip
    created = api_as(giulia).post("/trunks/studio-rossi/numbers", number)
    assert created.status_code == 201, created.content
    assert created.json()["number"] == "+390287654321"
    (listed,) = api_as(giulia).get("/trunks/studio-rossi/numbers").json()
    assert listed["route_target"] == marco_extension and listed["presented"] is True
    assert_error(api_as(marco).get("/trunks/studio-rossi/numbers"), 404, "NOT_FOUND")
    for change, field in (
        ({"number": "hello"}, "number"),
        ({"route_target": "999"}, "route_target"),
        ({"trunk": trunk["id"] + 100}, "trunk"),
    ):
        body = assert_error(
            api_as(giulia).post(
                f"/trunks/studio-rossi/numbers/{listed['id']}", {**number, **change}
            ),
            400,
            "INVALID_INPUT",
        )
        assert body["field"] == field
    assert_error(
        api_as(giulia).post("/trunks/studio-rossi/numbers", {**number, "route_kind": "fax"}),
        422,
        "INVALID_INPUT",
    )
    assert PhoneNumber.objects.get().e164 == "+390287654321"
    # The number's own forwarding: to a mobile when not answered; a premium one is refused.
    forwarded = api_as(giulia).post(
        f"/trunks/studio-rossi/numbers/{listed['id']}",
        {**number, "forward_when": "no_answer", "forward_seconds": 15,
         "forward_kind": "outside", "forward_target": "333 123 4567"},
    )  # fmt: skip
    assert forwarded.status_code == 200, forwarded.content
    assert {k: v for k, v in forwarded.json().items() if k.startswith("forward")} == {
        "forward_when": "no_answer", "forward_seconds": 15, "forward_kind": "outside",
        "forward_target": "+393331234567",
    }  # fmt: skip
    premium = {"forward_when": "always", "forward_kind": "outside", "forward_target": "899123456"}
    body = assert_error(
        api_as(giulia).post(f"/trunks/studio-rossi/numbers/{listed['id']}", {**number, **premium}),
        400,
        "INVALID_INPUT",
    )
    assert body["field"] == "forward_target" and "premium" in body["message"]
    assert PhoneNumber.objects.get().forward_target == "+393331234567"
    assert api_as(giulia).delete(f"/trunks/studio-rossi/numbers/{listed['id']}").status_code == 204
    assert not PhoneNumber.objects.exists()


def test_calls_out_per_person_with_the_defaults_until_set(
    api_as, giulia, marco, sara, studio_rossi
):
    listed = {
        p["member"]["id"]: p for p in api_as(giulia).get("/trunks/studio-rossi/calls-out").json()
    }
    assert set(listed) == {giulia.pk, marco.pk}
    assert listed[marco.pk]["set_by_owner"] is False
    assert (listed[marco.pk]["mobile"], listed[marco.pk]["premium"]) == (True, False)
    assert listed[marco.pk]["daily_minutes"] == 60
    answer: Any = api_as(giulia).post(
        f"/trunks/studio-rossi/calls-out/{marco.pk}",
        {"international": True, "daily_minutes": 300},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["international"] is True and answer.json()["set_by_owner"] is True
    permission = OutboundPermission.objects.get(member=marco)
    assert (permission.international, permission.daily_minutes) == (True, 300)
    # Bad minutes, someone not of the company, not an owner: refused, nothing changed.
    assert_error(
        api_as(giulia).post(f"/trunks/studio-rossi/calls-out/{marco.pk}", {"daily_minutes": 1441}),
        422,
        "INVALID_INPUT",
    )
    assert_error(
        api_as(giulia).post(f"/trunks/studio-rossi/calls-out/{sara.pk}", {}), 404, "NOT_FOUND"
    )
    assert_error(
        api_as(marco).post(f"/trunks/studio-rossi/calls-out/{marco.pk}", {"premium": True}),
        404,
        "NOT_FOUND",
    )
    assert_error(
        api_as(giulia).post(f"/trunks/studio-rossi/calls-out/{marco.pk}", raw="[1, 2]"),
        422,
        "INVALID_INPUT",
    )
    assert OutboundPermission.objects.get(member=marco).daily_minutes == 300
    assert OutboundPermission.objects.count() == 1


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "This number was removed meanwhile: nothing was saved."),
        ("it", "Questo numero è stato rimosso nel frattempo: non è stato salvato nulla."),
    ],
)
def test_a_number_removed_meanwhile_is_not_made_again(
    api_as, giulia, marco_extension, monkeypatch, language, message
):
    trunk = api_as(giulia).post("/trunks/studio-rossi", TRUNK).json()
    number = {
        "number": "02 8765 4321", "trunk": trunk["id"], "route_kind": "extension",
        "route_target": marco_extension,
    }  # fmt: skip
    added = api_as(giulia).post("/trunks/studio-rossi/numbers", number).json()

    def removed_by_another_owner_once_found(*args: object, **kwargs: object) -> PhoneNumber:
        found = access_number_by_id(*args, **kwargs)  # type: ignore[arg-type]
        PhoneNumber.objects.filter(pk=found.pk).delete()
        return found

    monkeypatch.setattr(trunks, "access_number_by_id", removed_by_another_owner_once_found)
    api = api_as(giulia)
    api.headers["Accept-Language"] = language
    changed = api.post(f"/trunks/studio-rossi/numbers/{added['id']}", {**number, "presented": True})
    assert changed.status_code == 404
    assert changed.json() == {"code": "NOT_FOUND", "message": message}
    assert not PhoneNumber.objects.exists()
