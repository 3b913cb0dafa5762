"""/api/contacts as named members: the book read by a company's people, kept by its owners,
bad input refused with the field named, imports all or nothing."""

from __future__ import annotations

from typing import Any

import pytest

from officina.contacts.models import Contact

pytestmark = pytest.mark.django_db


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["message"]
    return body


SARA = {
    "name": "Sara Bianchi",
    "relation": "supplier",
    "company_on_officina": "panificio-bianchi",
    "numbers": [{"label": "mobile", "number": "347 123 4567"}],
}


def test_owners_keep_the_book_members_read_it_others_do_not_see_it(
    api_as, giulia, marco, sara, outsider, studio_rossi, panificio
):
    created = api_as(giulia).post("/contacts/studio-rossi", SARA)
    assert created.status_code == 201, created.content
    contact = created.json()
    assert contact["numbers"] == [{"label": "mobile", "number": "+393471234567"}]
    assert contact["company_on_officina"] == "panificio-bianchi"

    (listed,) = api_as(marco).get("/contacts/studio-rossi", q="347 123").json()
    assert listed["name"] == "Sara Bianchi"
    assert api_as(marco).get("/contacts/studio-rossi", relation="client").json() == []
    assert_error(api_as(marco).post("/contacts/studio-rossi", SARA), 404, "NOT_FOUND")
    assert_error(api_as(sara).get("/contacts/studio-rossi"), 404, "NOT_FOUND")
    assert_error(api_as(outsider).get(f"/contacts/studio-rossi/{contact['id']}"), 404, "NOT_FOUND")
    assert_error(api_as(None).get("/contacts/studio-rossi"), 401, "UNAUTHORIZED")
    assert_error(api_as(marco).delete(f"/contacts/studio-rossi/{contact['id']}"), 404, "NOT_FOUND")

    changed = api_as(giulia).post(
        f"/contacts/studio-rossi/{contact['id']}", {**SARA, "relation": "partner", "numbers": []}
    )
    assert changed.status_code == 200 and changed.json()["relation"] == "partner"
    assert changed.json()["numbers"] == []
    assert api_as(giulia).delete(f"/contacts/studio-rossi/{contact['id']}").status_code == 204
    assert not Contact.objects.exists()


def test_bad_input_names_its_field_and_changes_nothing(api_as, giulia, studio_rossi):
    api = api_as(giulia)
    body = assert_error(
        api.post("/contacts/studio-rossi", {**SARA, "numbers": [{"number": "call me"}]}),
        400,
        "INVALID_INPUT",
    )
    assert body["field"] == "work_phone"
    body = assert_error(
        api.post("/contacts/studio-rossi", {**SARA, "company_on_officina": "studio-rossi"}),
        400,
        "INVALID_INPUT",
    )
    assert body["field"] == "linked_company"
    assert_error(
        api.post("/contacts/studio-rossi", {**SARA, "relation": "friend"}), 422, "INVALID_INPUT"
    )
    assert_error(
        api.post("/contacts/studio-rossi", {**SARA, "name": "a\x00b"}), 422, "INVALID_INPUT"
    )
    assert_error(api.post("/contacts/studio-rossi", [SARA]), 422, "INVALID_INPUT")
    assert not Contact.objects.exists()


def test_an_import_is_all_or_nothing(api_as, giulia, studio_rossi):
    api = api_as(giulia)
    content = "name,relation,mobile_phone\nAda,client,3471234567\nBea,client,3471234567\n"
    report = api.post("/contacts/studio-rossi/import", {"format": "csv", "content": content})
    assert report.status_code == 200
    assert report.json() == {
        "imported": 0,
        "rejected": [{"line": 3, "reason": "+39 347 123 4567 is also on line 2."}],
    }
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:Carla\nTEL:011 765 4321\nEND:VCARD\n"
    report = api.post(
        "/contacts/studio-rossi/import", {"format": "vcard", "content": card, "relation": "partner"}
    )
    assert report.json() == {"imported": 1, "rejected": []}
    assert Contact.objects.get().relation == "partner"
    assert_error(
        api.post("/contacts/studio-rossi/import", {"format": "csv", "content": "x;y\n1;2\n"}),
        400,
        "INVALID_INPUT",
    )


def test_ring_groups_through_the_api(api_as, giulia, marco, sara, studio_rossi):
    made = api_as(giulia).post(
        "/ring-groups/studio-rossi",
        {"name": "Desk", "number": "600", "strategy": "hunt", "members": [marco.pk, giulia.pk]},
    )
    assert made.status_code == 201, made.content
    group = made.json()
    assert [place["member"]["name"] for place in group["members"]] == [
        "Marco Colombo",
        "Giulia Rossi",
    ]
    assert_error(
        api_as(marco).post("/ring-groups/studio-rossi", {"name": "X", "number": "601"}),
        404,
        "NOT_FOUND",
    )
    body = assert_error(
        api_as(giulia).post(
            "/ring-groups/studio-rossi", {"name": "X", "number": "600", "members": [giulia.pk]}
        ),
        400,
        "INVALID_INPUT",
    )
    assert body["field"] == "number"
    body = assert_error(
        api_as(giulia).post(
            "/ring-groups/studio-rossi", {"name": "X", "number": "601", "members": [sara.pk]}
        ),
        400,
        "INVALID_INPUT",
    )
    assert body["field"] == "members"
    answer = api_as(marco).post(
        f"/ring-groups/studio-rossi/{group['id']}/availability", {"available": False}
    )
    assert answer.status_code == 200
    assert [place["available"] for place in answer.json()["members"]] == [False, True]
    assert_error(api_as(sara).get("/ring-groups/studio-rossi"), 404, "NOT_FOUND")
    assert api_as(giulia).delete(f"/ring-groups/studio-rossi/{group['id']}").status_code == 204
