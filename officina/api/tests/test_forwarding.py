"""/api/me/forwarding and a person's forwarding as their company's owners or space's
managers read it: the phone page's rules through the API. Every target is judged as on
the page (a meeting room's line for who may book it, a number outside within the
company's classes, nothing unknown), each wrong field named in the request's language,
and nothing saved from a refused request."""

from __future__ import annotations

import json
from typing import Any

import pytest

from officina.api.tests.test_contacts import assert_error
from officina.bookings.actions import check_create_resource
from officina.bookings.tests.fixtures import EVERY_DAY
from officina.conferences.actions import RoomInput, check_save_meeting_room_line
from officina.pbx.actions import do_provision_extension
from officina.pbx.models import Forwarding
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
