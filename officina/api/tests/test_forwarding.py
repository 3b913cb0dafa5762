"""/api/me/forwarding and a person's forwarding as their company's owners or space's
managers read it: the phone page's rules through the API. Every target is judged as on
the page (a meeting room's line for who may book it, a number outside within the
company's classes, nothing unknown), each wrong field named in the request's language,
and nothing saved from a refused request."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from officina.accounts.actions import check_add_company_member, check_answer_company_invitation
from officina.accounts.models import Company
from officina.api.tests.test_contacts import assert_error
from officina.bookings.actions import check_create_resource
from officina.bookings.models import Resource
from officina.bookings.tests.fixtures import EVERY_DAY
from officina.conferences.actions import RoomInput, check_save_meeting_room_line
from officina.pbx.actions import ForwardingInput, check_set_forwarding, do_provision_extension
from officina.pbx.models import Extension, Forwarding
from officina.trunks.actions import TrunkInput, check_save_trunk

pytestmark = pytest.mark.django_db

URL = "/me/forwarding"
NOTHING_FORWARDED = {
    "always": None,
    "busy": None,
    "no_answer": None,
    "no_answer_seconds": 20,
    "unregistered": None,
    "follow_me": None,
    "follow_me_seconds": 15,
}
IN_FORCE = {"in_force": True, "refusal": None}


@pytest.fixture
def phones(giulia, marco, sara, luca, navigli, studio_rossi):
    """Giulia's, Marco's and Sara's extensions; Studio Rossi's trunk in Italy; Navigli's
    meeting room Sala Brera with its line 810, which Giulia and Marco may book (Sara,
    of San Salvario, may not)."""
    numbers = {
        member.first_name: do_provision_extension(member).number for member in (giulia, marco, sara)
    }
    check_save_trunk(
        studio_rossi,
        TrunkInput(name="Provider", host="sip.example.it", username="studio", password="secret"),
    )
    brera = check_create_resource(
        luca, navigli, name="Sala Brera", kind="room", capacity=8, hours=EVERY_DAY
    )
    check_save_meeting_room_line(brera, RoomInput("Sala Brera", "810", "", "it"))
    return numbers


def send(api: Any, method: str, payload: Any, language: str = "en") -> Any:
    """``payload`` as a JSON body, asking for answers in ``language``."""
    return getattr(api.client, method)(
        f"/api{URL}",
        json.dumps(payload),
        content_type="application/json",
        headers={**api.headers, "accept-language": language},
    )


def stored(member: Any) -> Any:
    return (
        Forwarding.objects.filter(extension__member=member)
        .values(
            "always",
            "busy",
            "no_answer",
            "no_answer_seconds",
            "unregistered",
            "follow_me",
            "follow_me_seconds",
        )
        .first()
    )


def test_a_member_sets_reads_and_changes_their_forwarding(api_as, phones, marco):
    api = api_as(marco)
    assert api.get(URL).json() == NOTHING_FORWARDED
    response = send(
        api,
        "put",
        {
            "busy": phones["Giulia"],
            "no_answer": "810",
            "no_answer_seconds": 10,
            "follow_me": "333 123-4567",
        },
    )
    assert response.status_code == 200, response.content
    expected = {
        **NOTHING_FORWARDED,
        "busy": {
            "number": phones["Giulia"],
            "kind": "extension",
            "name": "Giulia Rossi",
            "said": f"to {phones['Giulia']} — Giulia Rossi",
            **IN_FORCE,
        },
        "no_answer": {
            "number": "810",
            "kind": "room",
            "name": "Sala Brera",
            "said": "to conference room 810 — Sala Brera",
            **IN_FORCE,
        },
        "no_answer_seconds": 10,
        "follow_me": {
            "number": "3331234567",
            "kind": "outside",
            "name": "+39 333 123 4567",
            "said": "to the outside number +39 333 123 4567",
            **IN_FORCE,
        },
    }
    assert response.json() == expected
    assert api.get(URL).json() == expected
    assert stored(marco) == {
        "always": "",
        "busy": phones["Giulia"],
        "no_answer": "810",
        "no_answer_seconds": 10,
        "unregistered": "",
        "follow_me": "3331234567",
        "follow_me_seconds": 15,
    }
    # PATCH changes what it names and keeps the rest; "" turns a case off.
    changed = send(api, "patch", {"busy": "", "always": "+39 02 8765 4321"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["always"]["said"] == "to the outside number +39 02 8765 4321"
    assert changed.json()["busy"] is None
    assert changed.json()["no_answer"] == expected["no_answer"]
    assert stored(marco)["always"] == "+390287654321"
    # PUT sets the whole: what it leaves out is off.
    assert send(api, "put", {"unregistered": phones["Giulia"]}).json() == {
        **NOTHING_FORWARDED,
        "unregistered": expected["busy"],
    }


@pytest.mark.parametrize(
    ("language", "messages"),
    [
        (
            "en",
            {
                "always": "209 is no extension, ring group, menu or conference room here, "
                "nor a number your company's trunk can call.",
                "follow_me": "Your company does not let you call premium rate numbers: "
                "calls cannot go to 899123456.",
                "busy": "Calls cannot be forwarded to the same extension.",
                "no_answer_seconds": "Between 5 and 120 seconds.",
            },
        ),
        (
            "it",
            {
                "always": "209 non è un interno, un gruppo di chiamata, un menu o una sala "
                "conferenze di qui, né un numero che la linea della tua azienda può chiamare.",
                "follow_me": "La tua azienda non ti permette di chiamare numeri di tipo a "
                "tariffa maggiorata: le chiamate non possono andare al 899123456.",
                "busy": "Le chiamate non possono essere inoltrate allo stesso interno.",
                "no_answer_seconds": "Tra 5 e 120 secondi.",
            },
        ),
    ],
)
@pytest.mark.parametrize("method", ["put", "patch"])
def test_each_wrong_field_is_named_in_the_requests_language_and_nothing_saved(
    api_as, phones, marco, language, messages, method
):
    api = api_as(marco)
    assert send(api, "put", {"busy": phones["Giulia"], "no_answer_seconds": 30}).status_code == 200
    before = stored(marco)
    body = assert_error(
        send(
            api,
            method,
            {
                "always": "209",
                "busy": phones["Marco"],
                "no_answer_seconds": 3,
                "follow_me": "899123456",
                "unregistered": phones["Giulia"],
            },
            language,
        ),
        400,
        "INVALID_INPUT",
    )
    assert body["field"] == "always"
    assert body["message"] == messages["always"]
    assert body["fields"] == messages
    assert stored(marco) == before


@pytest.mark.parametrize("language", ["en", "it"])
def test_a_meeting_room_the_member_may_not_book_is_refused(api_as, phones, sara, language):
    body = assert_error(
        send(api_as(sara), "patch", {"always": "810"}, language), 400, "INVALID_INPUT"
    )
    said = {
        "en": "Only who may book its meeting room may forward calls to conference room 810.",
        "it": "Solo chi può prenotare la sua sala riunioni può inoltrare le chiamate alla "
        "sala conferenze 810.",
    }
    assert body["fields"] == {"always": said[language]}
    assert stored(sara) is None


def test_a_company_without_the_class_refuses_the_number_outside(api_as, phones, marco):
    body = assert_error(
        send(api_as(marco), "put", {"always": "+44 20 7123 4567"}), 400, "INVALID_INPUT"
    )
    assert "international" in body["message"]
    assert stored(marco) is None


@pytest.mark.parametrize(
    "payload",
    [
        {"no_answer_seconds": "soon"},
        {"always": "1" * 33},
        {"always": 203},
        {"always": "20\x003"},
        [],
        "203",
    ],
)
def test_a_malformed_body_is_a_422_and_nothing_saved(api_as, phones, marco, payload):
    for method in ("put", "patch"):
        body = assert_error(send(api_as(marco), method, payload), 422, "INVALID_INPUT")
        assert body["details"]
    assert stored(marco) is None


def test_another_member_neither_reads_nor_changes_yours(
    api_as, phones, giulia, marco, sara, luca, outsider
):
    send(api_as(marco), "put", {"always": phones["Giulia"]})
    marcos = api_as(marco).get(URL).json()
    # /me/forwarding is always the caller's own: Sara's change is to her own forwarding.
    assert send(api_as(sara), "put", {"always": "810"}).status_code == 400
    assert api_as(sara).get(URL).json() == NOTHING_FORWARDED
    # A company's owners and a space's managers read their people's, nobody else.
    company, space = f"/forwarding/studio-rossi/{marco.pk}", f"/space-forwarding/navigli/{marco.pk}"
    assert api_as(giulia).get(company).json() == marcos
    assert api_as(luca).get(space).json() == marcos
    for other, url in (
        (sara, company),
        (luca, company),  # the space's manager is not the company's owner
        (outsider, space),
        (giulia, space),  # a member of the space, not one of its managers
        (marco, company),  # one of its people reads only his own, on /me/forwarding
    ):
        assert_error(api_as(other).get(url), 404, "NOT_FOUND")
    assert_error(api_as(giulia).get(f"/forwarding/studio-rossi/{sara.pk}"), 404, "NOT_FOUND")
    assert_error(api_as(luca).get(f"/space-forwarding/navigli/{sara.pk}"), 404, "NOT_FOUND")
    # Reading is all they do: the phone page lets only the member change theirs.
    assert (
        api_as(giulia)
        .client.put(
            f"/api{company}", "{}", content_type="application/json", headers=api_as(giulia).headers
        )
        .status_code
        == 405
    )
    assert stored(marco)["always"] == phones["Giulia"]
    assert_error(api_as(None).get(URL), 401, "UNAUTHORIZED")
    assert_error(send(api_as(None), "put", {}), 401, "UNAUTHORIZED")


def test_a_member_without_an_extension_is_told_so(api_as, outsider):
    assert_error(api_as(outsider).get(URL), 404, "NOT_FOUND")
    assert_error(send(api_as(outsider), "put", {}), 404, "NOT_FOUND")


def test_the_schema_lists_the_endpoints(api_as, giulia):
    paths = api_as(giulia).get("/openapi.json").json()["paths"]
    assert set(paths["/api/me/forwarding"]) == {"get", "put", "patch"}
    assert set(paths["/api/forwarding/{slug}/{member_id}"]) == {"get"}
    assert set(paths["/api/space-forwarding/{slug}/{member_id}"]) == {"get"}
    assert set(paths["/api/forwarding/{slug}"]) == {"get"}
    assert set(paths["/api/space-forwarding/{slug}"]) == {"get"}
    assert paths["/api/space-forwarding/{slug}"]["get"]["operationId"] == "space_people_forwarding"
    # The action's bounds, published so that a client sends what is accepted.
    components = api_as(giulia).get("/openapi.json").json()["components"]["schemas"]
    for name in ("no_answer_seconds", "follow_me_seconds"):
        seconds = components["ForwardingIn"]["properties"][name]
        assert (seconds["minimum"], seconds["maximum"]) == (5, 120)
    api = api_as(giulia)
    italian = api.client.get(
        "/api/openapi.json", headers={**api.headers, "accept-language": "it"}
    ).json()["paths"]
    assert italian["/api/me/forwarding"]["get"]["summary"] == "Dove sono inoltrate le mie chiamate"


def person(member: Any, extension: str | None, **forwards: Any) -> dict[str, Any]:
    """One person of a list of forwarding: the single reading's shape, plus who."""
    return {
        **NOTHING_FORWARDED,
        **forwards,
        "member_id": member.pk,
        "name": member.display_name,
        "extension": extension,
    }


def test_owners_and_managers_list_everyones_forwarding_a_page_at_a_time(
    api_as, phones, giulia, marco, sara, luca, outsider, monkeypatch
):
    """Studio Rossi's owner lists its people (owners first), Navigli's manager its
    members (by name; Luca has no extension, so no forwarding: he is not listed); each
    item is what the single reading says. Anyone else gets 404, as for one person's."""
    assert send(api_as(marco), "put", {"busy": phones["Giulia"]}).status_code == 200
    marcos = api_as(marco).get(URL).json()
    listed = api_as(giulia).get("/forwarding/studio-rossi")
    assert listed.status_code == 200, listed.content
    assert listed.json() == {
        "meta": {"page": 1, "pages": 1, "count": 2},
        "people": [
            person(giulia, phones["Giulia"]),
            person(marco, phones["Marco"], **{k: v for k, v in marcos.items() if v}),
        ],
    }
    members = api_as(luca).get("/space-forwarding/navigli").json()
    assert [(p["name"], p["extension"]) for p in members["people"]] == [
        ("Giulia Rossi", phones["Giulia"]),
        ("Marco Colombo", phones["Marco"]),
    ]
    assert members["people"][1]["busy"] == marcos["busy"]
    # A page at a time, as other lists of the API.
    monkeypatch.setattr("officina.api.forwarding.PEOPLE_PER_PAGE", 1)
    second = api_as(giulia).get("/forwarding/studio-rossi?page=2").json()
    assert second["meta"] == {"page": 2, "pages": 2, "count": 2}
    assert [p["member_id"] for p in second["people"]] == [marco.pk]
    assert_error(api_as(giulia).get("/forwarding/studio-rossi?page=0"), 422, "INVALID_INPUT")
    for other, url in (
        (sara, "/forwarding/studio-rossi"),
        (luca, "/forwarding/studio-rossi"),
        (marco, "/forwarding/studio-rossi"),  # one of its people, not an owner
        (giulia, "/space-forwarding/navigli"),  # a member of the space, not a manager
        (outsider, "/space-forwarding/navigli"),
        (giulia, "/forwarding/no-such-company"),
    ):
        assert_error(api_as(other).get(url), 404, "NOT_FOUND")
    assert_error(api_as(None).get("/forwarding/studio-rossi"), 401, "UNAUTHORIZED")


def test_the_list_holds_exactly_the_people_a_single_read_finds(
    api_as, phones, giulia, marco, luca, make_member, studio_rossi
):
    """Anna joins Studio Rossi and has no extension yet; Marco's extension is turned off
    (an admin did). Neither has call forwarding, nor Luca, who has no extension: reading
    any of them alone is a 404, and none of them is in their company's or space's list,
    whose count is only of who is listed. Whoever is listed reads alone as listed."""
    anna = make_member("anna@officina.test", first_name="Anna")
    check_add_company_member(giulia, studio_rossi, email=anna.email)
    check_answer_company_invitation(anna, studio_rossi, accept=True)
    marcos_extension = Extension.objects.get(member=marco)
    marcos_extension.is_active = False
    marcos_extension.save(update_fields=["is_active"])
    for reader, url, people in (
        (giulia, "/forwarding/studio-rossi", (giulia, marco, anna)),
        (luca, "/space-forwarding/navigli", (giulia, luca, marco)),
    ):
        listed = api_as(reader).get(url).json()
        assert listed["meta"] == {"page": 1, "pages": 1, "count": 1}, url
        assert listed["people"] == [person(giulia, phones["Giulia"])], url
        for one in people:
            alone = api_as(reader).get(f"{url}/{one.pk}")
            if one == giulia:
                assert alone.status_code == 200, alone.content
                assert alone.json() == NOTHING_FORWARDED
            else:
                assert_error(alone, 404, "NOT_FOUND")


def test_the_schema_says_every_listed_person_has_an_extension(api_as, giulia):
    schemas = api_as(giulia).get("/openapi.json").json()["components"]["schemas"]
    listed = schemas["PersonForwardingOut"]
    assert listed["properties"]["extension"]["type"] == "string"
    assert "extension" in listed["required"]
    paths = api_as(giulia).get("/openapi.json").json()["paths"]
    for path in ("/api/forwarding/{slug}", "/api/space-forwarding/{slug}"):
        assert "Only the people with an extension" in paths[path]["get"]["description"]
    for path in ("/api/forwarding/{slug}/{member_id}", "/api/space-forwarding/{slug}/{member_id}"):
        assert "has no extension" in paths[path]["get"]["description"]


def test_a_closed_account_is_in_neither_the_list_nor_the_single_read(
    api_as, phones, giulia, marco, luca
):
    """Marco's account is closed (an admin turned it off), his extension left as it was.
    Studio Rossi's owner and Navigli's manager find him neither in the list nor by his
    id: both read one rule of who their people are (``owner_people_ids``)."""
    marco.is_active = False
    marco.save(update_fields=["is_active"])
    for reader, url in ((giulia, "/forwarding/studio-rossi"), (luca, "/space-forwarding/navigli")):
        listed = api_as(reader).get(url)
        assert listed.status_code == 200, listed.content
        assert marco.pk not in [p["member_id"] for p in listed.json()["people"]], url
        assert giulia.pk in [p["member_id"] for p in listed.json()["people"]], url
        assert_error(api_as(reader).get(f"{url}/{marco.pk}"), 404, "NOT_FOUND")
        assert api_as(reader).get(f"{url}/{giulia.pk}").status_code == 200


@pytest.mark.parametrize(
    ("language", "reasons"),
    [
        (
            "en",
            {
                "always": "Your company does not let you call premium rate numbers: calls "
                "cannot go to 899123456.",
                "no_answer": "Only who may book its meeting room may forward calls to "
                "conference room 810.",
            },
        ),
        (
            "it",
            {
                "always": "La tua azienda non ti permette di chiamare numeri di tipo a "
                "tariffa maggiorata: le chiamate non possono andare al 899123456.",
                "no_answer": "Solo chi può prenotare la sua sala riunioni può inoltrare le "
                "chiamate alla sala conferenze 810.",
            },
        ),
    ],
)
def test_a_stored_forward_no_longer_allowed_is_read_as_not_in_force_and_why(
    api_as, phones, giulia, marco, language, reasons
):
    """Marco's forwards stored before the checks that now refuse them: a premium-rate
    number, and Sala Brera's line after he lost the right to book it (Navigli's room is
    now for another company only). Both read as not in force, with the reason in the
    reader's language, for him and for his company's owner; his busy forward to Giulia
    is in force."""
    send(api_as(marco), "put", {"busy": phones["Giulia"], "no_answer": "810"})
    Forwarding.objects.filter(extension__member=marco).update(always="899123456")
    brera = Resource.objects.get(name="Sala Brera")
    brera.only_companies.set([Company.objects.get(slug="panificio-bianchi")])
    mine = read(api_as(marco), f"/api{URL}", language)
    for case, reason in reasons.items():
        number = "899123456" if case == "always" else "810"
        assert mine[case]["in_force"] is False
        assert mine[case]["kind"] is None
        assert mine[case]["refusal"] == reason
        assert mine[case]["number"] == number
        assert reason in mine[case]["said"]
    assert mine["busy"]["in_force"] is True and mine["busy"]["refusal"] is None
    assert read(api_as(giulia), f"/api/forwarding/studio-rossi/{marco.pk}", language) == mine
    (listed,) = [
        p
        for p in read(api_as(giulia), "/api/forwarding/studio-rossi", language)["people"]
        if p["member_id"] == marco.pk
    ]
    assert listed["always"] == mine["always"]


def read(api: Any, url: str, language: str) -> Any:
    """What GET ``url`` answers, asked in ``language``."""
    response = api.client.get(url, headers={**api.headers, "accept-language": language})
    assert response.status_code == 200, response.content
    return response.json()


def test_the_list_reads_each_target_once_however_many_forward_there(
    api_as, phones, giulia, marco, make_member, studio_rossi
):
    """Ten more of Studio Rossi's people, each forwarding to Giulia and to a number
    outside as Marco does: the list asks no more queries than for Marco alone, each
    target and the trunks' rules being read once for the page."""
    send(api_as(marco), "put", {"busy": phones["Giulia"], "always": "333 123 4567"})
    api = api_as(giulia)
    api.get("/forwarding/studio-rossi")  # the token's first use is written once
    alone = queries_of(api, "/forwarding/studio-rossi")
    for index in range(10):
        member = make_member(f"person{index}@officina.test", first_name=f"P{index}")
        check_add_company_member(giulia, studio_rossi, email=member.email)
        check_answer_company_invitation(member, studio_rossi, accept=True)
        check_set_forwarding(
            do_provision_extension(member),
            ForwardingInput(busy=phones["Giulia"], always="333 123 4567"),
        )
    assert len(api.get("/forwarding/studio-rossi").json()["people"]) == 12
    assert queries_of(api, "/forwarding/studio-rossi") == alone


def queries_of(api: Any, url: str) -> int:
    """How many queries GET ``url`` asks."""
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return len(queries)
