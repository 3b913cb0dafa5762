"""Team suggestion: the rarest skill first, people who know each other preferred, never
a guest, an inactive member or the asker; every coverable skill covered, the others
named; the page, the API and the project page."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from officina.matchmaking.teams import suggest_team
from officina.skills.actions import TaxonomyEntry, check_add_member_skill, check_add_to_taxonomy
from officina.skills.kinds import SkillCategory, SkillKind, SkillLevel
from officina.social.actions import check_send_message, check_start_conversation

if TYPE_CHECKING:
    from officina.accounts.models import Member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def skills(db):
    tax, ux, django, weaving = check_add_to_taxonomy(
        [
            TaxonomyEntry("tax", "Tax and VAT", "Fisco e IVA", SkillCategory.BUSINESS),
            TaxonomyEntry("ux-design", "UX design", "UX design", SkillCategory.DESIGN),
            TaxonomyEntry("django", "Django", "Django", SkillCategory.DEVELOPMENT),
            TaxonomyEntry("weaving", "Weaving", "Tessitura", SkillCategory.MAKING),
        ]
    )
    return {"tax": tax, "ux": ux, "django": django, "weaving": weaving}


@pytest.fixture
def people(community, skills, giulia, marco, sara, luca, make_member):
    """Holders in the index: django 1 (marco), tax 2 (marco and anna, equally), weaving 2
    (a guest and an inactive member only), UX 4 (luca and piero equally, the guest, the
    inactive member)."""
    anna = make_member(first_name="Anna", last_name="Greco")
    piero = make_member(first_name="Piero", last_name="Neri")
    guest = make_member(first_name="Gina", last_name="Ospite", is_guest=True)
    gone = make_member(first_name="Ugo", last_name="Andato")
    for member in (luca, piero):
        check_add_member_skill(member, skills["ux"], SkillKind.SKILL, level=SkillLevel.ADVANCED)
    for member in (marco, anna):
        check_add_member_skill(member, skills["tax"], SkillKind.OFFER, level=SkillLevel.EXPERT)
    check_add_member_skill(marco, skills["django"], SkillKind.SKILL, level=SkillLevel.BEGINNER)
    for member in (guest, gone):
        check_add_member_skill(member, skills["weaving"], SkillKind.OFFER, level=SkillLevel.EXPERT)
        check_add_member_skill(member, skills["ux"], SkillKind.OFFER, level=SkillLevel.EXPERT)
    gone.is_active = False
    gone.save()
    return {"anna": anna, "piero": piero, "guest": guest, "gone": gone}


@pytest.fixture
def olga(people, make_member):
    """Who asks: in no company, no conversation, no project yet."""
    return make_member(first_name="Olga", last_name="Sala")


def talk(one: Member, other: Member) -> None:
    conversation = check_start_conversation(one, [other])
    check_send_message(one, conversation, "Hello!")


def test_the_team_covers_every_coverable_skill_and_names_the_others(
    skills, people, olga, marco, luca
):
    team = suggest_team(olga, [s.pk for s in skills.values()])
    # Rarest first: django (one holder) is settled first, UX (four) last.
    assert [skill.slug for skill in team.skills] == ["django", "tax", "weaving", "ux-design"]
    # Marco covers django and tax together: a team of two, not three.
    assert [each.member for each in team.members] == [marco, luca]
    covered = {skill.slug for each in team.members for skill in each.covers}
    assert covered == {"tax", "ux-design", "django"}
    assert team.members[0].reasons == ["knows Django", "offers Tax and VAT"]
    assert team.members[1].reasons == ["knows UX design"]
    # Only a guest and an inactive member hold weaving: nobody the asker may see.
    assert [skill.slug for skill in team.uncovered] == ["weaving"]


def test_between_equals_the_ones_who_know_the_asker_and_the_team_are_chosen(
    skills, people, olga, marco, luca
):
    anna, piero = people["anna"], people["piero"]
    required = [skills["ux"].pk, skills["tax"].pk]
    # Equal holders, nobody known: the lower id (who joined first) wins.
    assert [each.member for each in suggest_team(olga, required).members] == [marco, luca]
    # Anna has talked with olga, who asks; piero with anna, who is then in the team.
    talk(anna, olga)
    talk(piero, anna)
    team = suggest_team(olga, required)
    assert [each.member for each in team.members] == [anna, piero]
    assert team.members[0].reasons == [
        "offers Tax and VAT",
        "has talked with you",
        "has talked with Piero Neri",
    ]
    assert team.members[1].reasons == ["knows UX design", "has talked with Anna Greco"]


def test_the_asker_and_guests_are_never_in_the_team(skills, people, giulia, luca):
    # Giulia, the guest and the inactive member offer UX at expert level, above luca.
    check_add_member_skill(giulia, skills["ux"], SkillKind.OFFER, level=SkillLevel.EXPERT)
    team = suggest_team(giulia, [skills["ux"].pk])
    assert [each.member for each in team.members] == [luca]
    assert suggest_team(people["guest"], [skills["ux"].pk]).members == []


def test_the_page_in_italian_and_a_bad_skill(client_for, skills, people, olga):
    client = client_for(olga)
    page = client.get(
        "/team/?skills=tax&skills=weaving", HTTP_ACCEPT_LANGUAGE="it"
    ).content.decode()
    assert "Marco Colombo" in page and "offre Fisco e IVA" in page
    assert "Nessuno nella community ha ancora" in page and "Tessitura" in page
    bad = client.get("/team/?skills=tax&skills=no-such-skill")
    assert bad.status_code == 400
    assert "Choose skills from the list." in bad.content.decode()
    assert client.get("/team/").status_code == 200


def test_the_api(api_as, skills, people, olga, marco, luca):
    response = api_as(olga).get("/team", skills=["tax", "ux-design", "weaving"])
    assert response.status_code == 200
    body = response.json()
    assert [each["member"]["id"] for each in body["members"]] == [marco.pk, luca.pk]
    assert [skill["slug"] for skill in body["members"][0]["covers"]] == ["tax"]
    assert body["members"][0]["reasons"] == ["offers Tax and VAT"]
    assert [skill["slug"] for skill in body["skills"]] == ["tax", "weaving", "ux-design"]
    assert [skill["slug"] for skill in body["uncovered"]] == ["weaving"]
    unknown = api_as(olga).get("/team", skills=["tax", "nope"])
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "INVALID_INPUT"
    assert api_as(olga).get("/team").status_code == 422
    # Project guests do not use the API at all.
    assert api_as(people["guest"]).get("/team", skills=["tax"]).status_code == 401
    assert api_as(None).get("/team", skills=["tax"]).status_code == 401


def test_the_project_page_shows_its_owners_a_team_for_its_needed_skills(
    client_for, skills, people, giulia, marco, luca, studio_rossi
):
    from officina.projects.actions import check_create_project
    from officina.projects.kinds import ProjectRole
    from officina.projects.models import ProjectPerson

    project = check_create_project(
        giulia, studio_rossi, name="Shop", needed_skills=["ux-design", "weaving"]
    )
    ProjectPerson.objects.create(project=project, member=luca, role=ProjectRole.VIEWER)
    page = client_for(giulia).get(f"/projects/{project.pk}/").content.decode()
    team = page[page.index('id="project-team"') :]
    assert "Luca Ferrari" in team and "knows UX design" in team
    assert "is on a project with you" in team  # luca takes part in this very project
    assert "Nobody in the community has yet" in team and "Weaving" in team
    # Luca only views the project: no suggestions for him.
    assert (
        'id="project-team"' not in client_for(luca).get(f"/projects/{project.pk}/").content.decode()
    )
