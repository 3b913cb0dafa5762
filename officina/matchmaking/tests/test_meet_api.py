"""/api/people-to-meet and /api/introductions, with real bearer tokens: the double opt-in
through the API, reasons as data and text in the reader's language, quiet declines."""

from __future__ import annotations

import pytest

from officina.matchmaking.models import DeclinedSuggestion, Introduction
from officina.skills.actions import check_add_member_skill
from officina.skills.kinds import SkillKind

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tax_pair(community, tax, giulia, marco):
    check_add_member_skill(giulia, tax, SkillKind.NEED)
    check_add_member_skill(marco, tax, SkillKind.OFFER)


def test_people_to_meet_with_reasons_as_data_and_words(api_as, tax_pair, tax, giulia, marco):
    response = api_as(giulia).get("/people-to-meet")
    assert response.status_code == 200
    (person,) = response.json()
    assert person["member"] == {"id": marco.pk, "name": "Marco Colombo"}
    assert person["complementary"] is True and person["similar"] is False
    assert person["score"] > 0
    assert person["reasons"] == [
        {
            "kind": "offers",
            "text": "Marco Colombo offers Tax and VAT, which you need",
            "skill_id": tax.pk,
            "tag": None,
            "giver_id": marco.pk,
            "count": 0,
        }
    ]
    italian = api_as(marco).client.get(
        "/api/people-to-meet", headers={**api_as(marco).headers, "Accept-Language": "it"}
    )
    assert italian.json()[0]["reasons"][0]["text"] == (
        "Giulia Rossi cerca Fisco e IVA, che tu offri"
    )


def test_the_double_opt_in_through_the_api(api_as, tax_pair, giulia, marco, sara):
    giulia_api, marco_api = api_as(giulia), api_as(marco)
    asked = giulia_api.post("/introductions", {"member_id": marco.pk})
    assert asked.status_code == 201
    body = asked.json()
    assert body["status"] == "pending" and body["asked_by_me"] is True
    assert body["conversation_id"] is None
    introduction_id = body["id"]
    assert giulia_api.post("/introductions", {"member_id": marco.pk}).status_code == 409
    # Sara cannot see it, let alone accept it; Giulia cannot accept her own request.
    assert api_as(sara).post(f"/introductions/{introduction_id}/accept").status_code == 404
    assert giulia_api.post(f"/introductions/{introduction_id}/accept").status_code == 403
    (request,) = marco_api.get("/introductions").json()["requests"]
    assert request["reasons"][0]["text"] == "Giulia Rossi needs Tax and VAT, which you offer"
    accepted = marco_api.post(f"/introductions/{introduction_id}/accept")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    conversation_id = accepted.json()["conversation_id"]
    assert conversation_id is not None
    (introduced,) = giulia_api.get("/introductions").json()["introduced"]
    assert introduced["conversation_id"] == conversation_id
    assert introduced["member"]["name"] == "Marco Colombo"


def test_a_declined_request_stays_pending_to_the_one_who_asked(api_as, tax_pair, giulia, marco):
    introduction_id = api_as(giulia).post("/introductions", {"member_id": marco.pk}).json()["id"]
    assert api_as(marco).post(f"/introductions/{introduction_id}/decline").status_code == 204
    assert Introduction.objects.get(pk=introduction_id).status == "declined"
    (asked,) = api_as(giulia).get("/introductions").json()["asked"]
    assert asked["status"] == "pending"


def test_not_now_through_the_api(api_as, tax_pair, giulia, marco, outsider):
    api = api_as(giulia)
    assert api.post(f"/people-to-meet/{marco.pk}/decline").status_code == 204
    assert DeclinedSuggestion.objects.filter(member=giulia, other=marco).exists()
    assert api.get("/people-to-meet").json() == []
    assert api.post(f"/people-to-meet/{giulia.pk}/decline").status_code == 400
    assert api.post("/people-to-meet/999999/decline").status_code == 404


@pytest.mark.parametrize(
    "payload", [{}, {"member_id": 0}, {"member_id": "x"}, [1], {"member_id": 2**63}]
)
def test_a_bad_body_is_refused_and_changes_nothing(api_as, tax_pair, giulia, payload):
    response = api_as(giulia).post("/introductions", payload)
    assert response.status_code == 422
    assert not Introduction.objects.exists()


def test_here_today_through_the_api(api_as, tax_pair, giulia, marco, navigli):
    from officina.presence.actions import check_check_in

    api = api_as(giulia)
    assert api.get("/people-to-meet/here-today").json() == {
        "space": None,
        "remote": False,
        "people": [],
    }
    check_check_in(giulia, navigli)
    check_check_in(marco, navigli)
    today = api.get("/people-to-meet/here-today").json()
    assert today["space"] == {"slug": "navigli", "name": "Officina Navigli"}
    assert [person["member"]["id"] for person in today["people"]] == [marco.pk]


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/people-to-meet",
        "/api/people-to-meet/here-today",
        "/api/people-to-meet/{member_id}/decline",
        "/api/introductions",
        "/api/introductions/{introduction_id}/accept",
        "/api/introductions/{introduction_id}/decline",
    ):
        assert path in paths
