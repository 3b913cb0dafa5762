"""The API applies each member's choice of who sees their presence, and sets it."""

import pytest

from officina.accounts.actions import check_set_presence_visibility
from officina.accounts.kinds import PresenceVisibility
from officina.accounts.models import Member
from officina.presence import actions

pytestmark = pytest.mark.django_db
SPACES, COMPANIES = PresenceVisibility.SPACES, PresenceVisibility.COMPANIES


def _hide(member: Member, visibility: str) -> None:
    check_set_presence_visibility(member, visibility)


def test_api(api_as, giulia, marco, luca, navigli):
    _hide(giulia, COMPANIES)
    actions.check_check_in(giulia, navigli)
    seen_by_marco = api_as(marco).get("/spaces/navigli/presence").json()
    assert [p["member"]["name"] for p in seen_by_marco] == ["Giulia Rossi"]
    assert api_as(luca).get("/spaces/navigli/presence").json() == []
    counts = {s["slug"]: s["present"] for s in api_as(luca).get("/spaces").json()}
    assert counts["navigli"] == 0


def test_api_sets_the_choice_and_refuses_nonsense(api_as, giulia):
    api = api_as(giulia)
    assert api.post("/me/privacy", {"presence_visibility": "spaces"}).status_code == 200
    assert api.post("/me/privacy", {"presence_visibility": "all"}).status_code == 422
    giulia.refresh_from_db()
    assert giulia.presence_visibility == SPACES
    answer = api.post("/me/privacy", {"presence_visibility": "nobody"}).json()
    assert answer["presence_visibility"] == "nobody"


def test_join_queue_and_decision_through_the_api(api_as, outsider, luca, giulia, navigli):
    assert api_as(outsider).post("/spaces/navigli/join", {"message": "hi"}).json() == {
        "joined": False
    }
    assert api_as(outsider).post("/spaces/navigli/join").status_code == 409
    assert api_as(giulia).get("/spaces/navigli/join-requests").status_code == 404
    [waiting] = api_as(luca).get("/spaces/navigli/join-requests").json()
    assert waiting["member"]["name"] == "Ugo Esposito" and waiting["message"] == "hi"
    path = f"/spaces/navigli/join-requests/{waiting['id']}"
    assert api_as(giulia).post(path, {"approve": True}).status_code == 404
    assert api_as(luca).post(path, {"approve": "maybe"}).status_code == 422
    assert api_as(luca).post(path, {"approve": True}).status_code == 204
    assert api_as(luca).post(path, {"approve": True}).status_code == 404
    assert api_as(outsider).get("/spaces/navigli/presence").status_code == 200


def test_company_invitation_and_join_request_through_the_api(
    api_as, giulia, marco, outsider, sara, studio_rossi
):
    from officina.accounts.actions import check_add_company_member
    from officina.accounts.models import CompanyMembership

    check_add_company_member(giulia, studio_rossi, email=outsider.email)
    answer = "/companies/studio-rossi/invitation"
    assert api_as(sara).post(answer, {"accept": True}).status_code == 404  # not invited
    assert api_as(outsider).post(answer, {"accept": "maybe"}).status_code == 422
    assert api_as(outsider).post(answer, {"accept": True}).status_code == 204
    assert CompanyMembership.objects.filter(member=outsider, company=studio_rossi).exists()

    join = "/companies/studio-rossi/join"
    assert api_as(sara).post(join, {"message": "bread"}).status_code == 204
    assert api_as(sara).post(join).status_code == 409
    assert api_as(marco).get("/companies/studio-rossi/join-requests").status_code == 404
    [waiting] = api_as(giulia).get("/companies/studio-rossi/join-requests").json()
    assert waiting["member"]["name"] == "Sara Bianchi" and waiting["message"] == "bread"
    path = f"/companies/studio-rossi/join-requests/{waiting['id']}"
    assert api_as(marco).post(path, {"approve": True}).status_code == 404
    assert api_as(giulia).post(path, {"approve": False}).status_code == 204
    assert not CompanyMembership.objects.filter(member=sara, company=studio_rossi).exists()
