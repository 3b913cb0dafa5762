"""The API end to end, as named members (see officina/conftest.py): every access rule."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from officina.api.router import api
from officina.api.schemas import NO_NUL, NOT_BLANK
from officina.knowledge.actions import (
    ANSWER_MIN_LENGTH,
    TITLE_MIN_LENGTH,
    check_answer_question,
    check_ask_question,
)
from officina.knowledge.models import Answer, Question, Vote
from officina.presence.models import CheckIn
from officina.skills.actions import do_add_member_skill
from officina.skills.models import Skill, SkillEvidence
from officina.social.actions import check_create_post, do_update_profile
from officina.social.models import Post


@pytest.fixture
def skill(db):
    return Skill.objects.create(
        slug="bookkeeping", name_en="Bookkeeping", name_it="Contabilità", category="business"
    )


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["message"]


class TestAuthentication:
    @pytest.mark.parametrize(
        "path", ["/me", "/members", "/companies", "/spaces", "/posts", "/questions", "/search?q=x"]
    )
    def test_every_endpoint_needs_a_member(self, api_as, path):
        assert_error(api_as(None).get(path), 401, "UNAUTHORIZED")

    def test_openapi_schema_is_public_and_describes_bearer_auth(self, client):
        schema = client.get("/api/openapi.json").json()
        assert "/api/questions/{question_id}" in schema["paths"]
        schemes = schema["components"]["securitySchemes"]
        assert any(scheme.get("scheme") == "bearer" for scheme in schemes.values())


class TestMembers:
    def test_directory_and_detail_with_skills_and_evidence(self, api_as, giulia, marco, skill):
        do_update_profile(marco, headline="Commercialista", bio="Partite IVA", links=[])
        do_add_member_skill(marco, skill, "skill")
        api = api_as(giulia)
        listing = api.get("/members", q="Marco").json()
        assert [member["id"] for member in listing["members"]] == [marco.pk]
        assert listing["members"][0]["companies"] == [
            {"slug": "studio-rossi", "name": "Studio Rossi"}
        ]
        detail = api.get(f"/members/{marco.pk}").json()
        assert detail["headline"] == "Commercialista"
        assert detail["skills"][0]["skill"]["slug"] == "bookkeeping"

    def test_missing_and_inactive_members_are_404(self, api_as, giulia, marco):
        marco.is_active = False
        marco.save()
        api = api_as(giulia)
        assert_error(api.get(f"/members/{marco.pk}"), 404, "NOT_FOUND")
        assert_error(api.get("/members/999999"), 404, "NOT_FOUND")
        assert_error(api.get("/members/abc"), 422, "INVALID_INPUT")


class TestCompanies:
    def test_detail_with_people_and_relations(self, api_as, sara, studio_rossi):
        detail = api_as(sara).get("/companies/studio-rossi").json()
        assert {person["name"]: person["role"] for person in detail["people"]} == {
            "Giulia Rossi": "owner",
            "Marco Colombo": "member",
        }
        assert detail["relations"]["suppliers"] == [
            {"slug": "panificio-bianchi", "name": "Panificio Bianchi"}
        ]

    def test_list_and_missing(self, api_as, sara, studio_rossi, panificio):
        api = api_as(sara)
        names = [company["name"] for company in api.get("/companies").json()["companies"]]
        assert names == ["Panificio Bianchi", "Studio Rossi"]
        assert_error(api.get("/companies/nope"), 404, "NOT_FOUND")
        assert_error(api.get("/companies", page=0), 422, "INVALID_INPUT")


class TestPresence:
    def test_check_in_see_yourself_and_check_out(self, api_as, giulia, marco):
        api = api_as(giulia)
        response = api.post("/spaces/navigli/check-in", {"note": "catalogo"})
        assert response.status_code == 201
        assert response.json()["space"] == "navigli"
        here = api_as(marco).get("/spaces/navigli/presence").json()
        assert [(row["member"]["id"], row["note"]) for row in here] == [(giulia.pk, "catalogo")]
        spaces = {space["slug"]: space for space in api.get("/spaces").json()}
        assert spaces["navigli"]["present"] == 1
        assert spaces["san-salvario"] == spaces["san-salvario"] | {"is_member": False, "present": 0}
        assert api.post("/spaces/check-out").status_code == 200
        assert api.get("/spaces/navigli/presence").json() == []

    def test_outsiders_neither_see_nor_check_in(self, api_as, giulia, sara):
        api_as(giulia).post("/spaces/navigli/check-in")
        api = api_as(sara)
        assert_error(api.get("/spaces/navigli/presence"), 404, "NOT_FOUND")
        assert_error(api.post("/spaces/navigli/check-in"), 404, "NOT_FOUND")
        assert not CheckIn.objects.filter(member=sara).exists()

    def test_conflicts_and_bad_times(self, api_as, giulia):
        api = api_as(giulia)
        assert_error(api.post("/spaces/check-out"), 409, "CONFLICT")
        assert_error(
            api.post("/spaces/navigli/check-in", {"until": "yesterday"}), 422, "INVALID_INPUT"
        )
        assert_error(
            api.post("/spaces/navigli/check-in", {"until": "2001-01-01T10:00:00+01:00"}),
            400,
            "INVALID_INPUT",
        )
        assert not CheckIn.objects.exists()
        api.post("/spaces/navigli/check-in")
        assert_error(api.post("/spaces/navigli/check-in"), 409, "CONFLICT")
        assert CheckIn.objects.count() == 1


class TestPosts:
    def test_feed_create_and_detail(self, api_as, giulia, marco):
        api = api_as(giulia)
        response = api.post("/posts", {"body": "Cerco un fotografo"})
        assert response.status_code == 201
        post_id = response.json()["id"]
        feed = api.get("/posts").json()
        assert [post["id"] for post in feed["posts"]] == [post_id]
        assert api_as(marco).get(f"/posts/{post_id}").json()["body"] == "Cerco un fotografo"

    def test_space_and_company_posts_follow_their_audience(self, api_as, giulia, marco, sara):
        space_post = api_as(giulia).post(
            "/posts", {"body": "Pizza al Navigli", "visibility": "space", "space": "navigli"}
        )
        company_post = api_as(giulia).post(
            "/posts",
            {"body": "Bilancio interno", "visibility": "company", "company": "studio-rossi"},
        )
        for response in (space_post, company_post):
            assert response.status_code == 201
            post_id = response.json()["id"]
            assert api_as(marco).get(f"/posts/{post_id}").status_code == 200
            assert_error(api_as(sara).get(f"/posts/{post_id}"), 404, "NOT_FOUND")
        community = api_as(sara).get("/posts", scope="community").json()
        assert community["posts"] == []

    def test_cannot_post_to_an_audience_one_is_not_part_of(self, api_as, sara):
        api = api_as(sara)
        assert_error(
            api.post("/posts", {"body": "x", "visibility": "space", "space": "navigli"}),
            404,
            "NOT_FOUND",
        )
        assert_error(
            api.post("/posts", {"body": "x", "visibility": "company", "company": "studio-rossi"}),
            400,
            "INVALID_INPUT",
        )
        assert_error(api.post("/posts", {"body": "x", "visibility": "space"}), 400, "INVALID_INPUT")
        assert not Post.objects.exists()

    def test_bad_cursor_is_a_clear_error(self, api_as, giulia):
        assert_error(api_as(giulia).get("/posts", cursor="garbage"), 400, "INVALID_INPUT")


class TestQuestions:
    def test_ask_answer_vote_accept(self, api_as, giulia, marco, sara, skill):
        asked = api_as(giulia).post(
            "/questions",
            {"title": "Chi tiene la contabilità?", "body": "Per una SRL.", "tags": ["bookkeeping"]},
        )
        assert asked.status_code == 201
        question_id = asked.json()["id"]
        answered = api_as(marco).post(f"/questions/{question_id}/answers", {"body": "Io!"})
        assert answered.status_code == 201
        answer_id = answered.json()["id"]
        assert api_as(sara).post(f"/answers/{answer_id}/vote", {"value": 1}).json() == {"score": 1}
        assert api_as(sara).post(f"/questions/{question_id}/vote", {"value": -1}).json() == {
            "score": -1
        }
        accepted = api_as(giulia).post(f"/answers/{answer_id}/accept")
        assert accepted.status_code == 200
        body = accepted.json()
        assert body["accepted_answer_id"] == answer_id
        assert body["answers"][0]["accepted"] is True
        assert SkillEvidence.objects.filter(member=marco, skill=skill).exists()
        withdrawn = api_as(giulia).delete(f"/questions/{question_id}/accepted")
        assert withdrawn.json()["accepted_answer_id"] is None
        assert not SkillEvidence.objects.exists()

    def test_refusals(self, api_as, giulia, marco, sara):
        question = check_ask_question(giulia, title="Una domanda qualsiasi", body="Testo")
        answer = check_answer_question(marco, question, body="Risposta")
        assert_error(api_as(sara).post(f"/answers/{answer.pk}/accept"), 403, "PERMISSION_DENIED")
        assert_error(
            api_as(giulia).post(f"/questions/{question.pk}/vote", {"value": 1}),
            403,
            "PERMISSION_DENIED",
        )
        assert_error(
            api_as(sara).post(f"/questions/{question.pk}/vote", {"value": 2}), 422, "INVALID_INPUT"
        )
        assert_error(
            api_as(giulia).post("/questions", {"title": "Breve", "body": "x"}), 400, "INVALID_INPUT"
        )
        assert_error(
            api_as(giulia).post(
                "/questions", {"title": "A long enough title", "body": "x", "tags": ["nope"]}
            ),
            400,
            "INVALID_INPUT",
        )
        question.refresh_from_db()
        assert (question.score, question.accepted_answer_id) == (0, None)
        assert Question.objects.count() == 1
        assert not Vote.objects.exists()

    def test_space_questions_are_invisible_outside(self, api_as, giulia, marco, sara, navigli):
        question = check_ask_question(
            giulia, title="Chi ha le chiavi della sala riunioni?", body="?", space=navigli
        )
        answer = check_answer_question(marco, question, body="Luca")
        outsider = api_as(sara)
        assert outsider.get("/questions").json()["questions"] == []
        assert_error(outsider.get(f"/questions/{question.pk}"), 404, "NOT_FOUND")
        assert_error(
            outsider.post(f"/questions/{question.pk}/answers", {"body": "x"}), 404, "NOT_FOUND"
        )
        assert_error(outsider.post(f"/answers/{answer.pk}/vote", {"value": 1}), 404, "NOT_FOUND")
        assert_error(
            outsider.post(
                "/questions", {"title": "Una domanda al Navigli", "body": "x", "space": "navigli"}
            ),
            404,
            "NOT_FOUND",
        )
        assert Answer.objects.count() == 1
        assert api_as(marco).get(f"/questions/{question.pk}").status_code == 200


class TestSearch:
    def test_search_respects_visibility(self, api_as, giulia, marco, sara, navigli):
        from officina.search.actions import do_rebuild_index

        check_create_post(
            giulia, "Progettazione della nuova sala", visibility="space", space=navigli
        )
        do_rebuild_index()
        hits = api_as(marco).get("/search", q="progetti", kinds="post").json()["results"]
        assert len(hits["post"]) == 1
        assert "<mark>Progettazione</mark>" in hits["post"][0]["snippet"]
        assert api_as(sara).get("/search", q="progetti").json()["results"] == {}
        assert_error(api_as(sara).get("/search", q="x", kinds="planets"), 422, "INVALID_INPUT")
        assert_error(api_as(sara).get("/search"), 422, "INVALID_INPUT")


class TestMalformedRequests:
    @pytest.mark.parametrize(
        "raw",
        ["{", "not json", "[1, 2", '{"title": }', "\x00\x01", '"just a string"', "[]", "null"],
    )
    def test_bodies_that_are_not_the_expected_json(self, api_as, giulia, raw):
        response = api_as(giulia).post("/questions", raw=raw)
        assert response.status_code in (400, 422)
        body = response.json()
        assert body["code"] in ("BAD_REQUEST", "INVALID_INPUT")
        assert body["message"]
        assert not Question.objects.exists()

    @pytest.mark.parametrize(
        "payload",
        [
            {"title": 12, "body": "x"},
            {"title": "A long enough title", "body": ["x"]},
            {"title": "A long enough title", "body": "x", "tags": "python"},
            {"title": "A long enough title", "body": "x", "tags": [1, 2]},
            {"title": "A long enough title", "body": "x", "space": {"slug": "navigli"}},
            {"title": "A long enough title"},
            {"title": "x" * 201, "body": "x"},
            {"title": "A long enough title", "body": "x", "tags": ["a", "b", "c", "d", "e", "f"]},
        ],
    )
    def test_wrong_types_are_422_with_details(self, api_as, giulia, payload):
        response = api_as(giulia).post("/questions", payload)
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "INVALID_INPUT"
        assert body["details"] and body["details"][0]["location"]
        assert not Question.objects.exists()


class TestBodiesAreObjects:
    @pytest.mark.parametrize("raw", ["[null,null]", '"hello"', "123", "null", "[]", "true"])
    def test_a_check_in_body_that_is_not_an_object_is_refused(self, api_as, giulia, navigli, raw):
        response = api_as(giulia).post("/spaces/navigli/check-in", raw=raw)
        assert_error(response, 422, "INVALID_INPUT")
        assert response.json()["details"][0]["location"] == ["body", "payload"]
        assert not CheckIn.objects.exists()

    def test_an_empty_object_checks_in_with_the_defaults(self, api_as, giulia, navigli):
        assert api_as(giulia).post("/spaces/navigli/check-in", {}).status_code == 201


class TestNulCharacters:
    """PostgreSQL refuses text with a NUL character: the API refuses it first (found by
    schemathesis as a 500 on PostgreSQL)."""

    @pytest.mark.parametrize(
        "path", ["/questions?q=a%00b", "/members?q=%00", "/search?q=%00", "/companies/a%00b"]
    )
    def test_in_the_address(self, api_as, giulia, path):
        response = api_as(giulia).client.get(f"/api{path}", headers=api_as(giulia).headers)
        assert_error(response, 422, "INVALID_INPUT")

    def test_in_a_body(self, api_as, giulia, navigli):
        api = api_as(giulia)
        assert_error(api.post("/posts", {"body": "ciao\x00"}), 422, "INVALID_INPUT")
        assert_error(api.post("/spaces/navigli/check-in", {"note": "\x00"}), 422, "INVALID_INPUT")
        assert not Post.objects.exists() and not CheckIn.objects.exists()

    def test_the_schema_says_so(self, client):
        schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
        assert schemas["CheckInIn"]["properties"]["note"]["pattern"] == NO_NUL


class TestSchemaStatesTheRules:
    """A client built from the schema sends only what the server accepts."""

    @pytest.fixture
    def components(self, client: Any) -> dict[str, Any]:
        return client.get("/api/openapi.json").json()["components"]["schemas"]  # type: ignore[no-any-return]

    def test_minimum_lengths(self, components):
        assert components["QuestionIn"]["properties"]["title"]["minLength"] == TITLE_MIN_LENGTH
        assert components["AnswerIn"]["properties"]["body"]["minLength"] == ANSWER_MIN_LENGTH
        for name in ("QuestionIn", "AnswerIn", "PostIn"):
            assert components[name]["properties"]["body"]["pattern"] == NOT_BLANK

    def test_a_post_to_a_space_or_company_names_it(self, components):
        rules = {
            rule["if"]["properties"]["visibility"]["const"]: rule["then"]["required"]
            for rule in components["PostIn"]["allOf"]
        }
        assert rules == {"space": ["space"], "company": ["company"]}

    def test_the_schema_minimum_is_the_servers(self, api_as, giulia):
        api = api_as(giulia)
        short = "x" * (TITLE_MIN_LENGTH - 1)
        assert_error(api.post("/questions", {"title": short, "body": "?"}), 400, "INVALID_INPUT")
        assert api.post("/questions", {"title": short + "x", "body": "?"}).status_code == 201


def test_the_api_reference_speaks_the_readers_language(client):
    italian = client.get("/api/openapi.json", HTTP_ACCEPT_LANGUAGE="it").json()
    assert italian["info"]["title"] == "API di Officina"
    assert italian["paths"]["/api/spaces"]["get"]["summary"] == "Tutti gli spazi"
    english = client.get("/api/openapi.json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["info"]["title"] == "Officina API"
    assert english["paths"]["/api/spaces"]["get"]["summary"] == "All spaces"
    # Kept once built, each language apart: asked again in either order, the same.
    assert client.get("/api/openapi.json", HTTP_ACCEPT_LANGUAGE="it").json() == italian
    assert client.get("/api/openapi.json", HTTP_ACCEPT_LANGUAGE="en").json() == english


def test_the_api_reference_is_built_once_per_language():
    with translation.override("it"):
        italian = api.get_openapi_schema()
        assert api.get_openapi_schema() is italian
    with translation.override("en"):
        english = api.get_openapi_schema()
        assert english is not italian
        assert api.get_openapi_schema() is english


def test_every_operation_of_the_api_reference_is_summarised_in_italian(client):
    """No router is left in English: each summary is translated (none shown as its msgid)."""
    italian = client.get("/api/openapi.json", HTTP_ACCEPT_LANGUAGE="it").json()
    english = client.get("/api/openapi.json", HTTP_ACCEPT_LANGUAGE="en").json()
    untranslated = [
        f"{method.upper()} {path}: {operation['summary']}"
        for path, methods in italian["paths"].items()
        for method, operation in methods.items()
        if operation["summary"] == english["paths"][path][method]["summary"]
    ]
    assert untranslated == []
