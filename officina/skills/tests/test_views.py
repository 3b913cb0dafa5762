from __future__ import annotations

import pytest

from officina.skills.actions import check_add_member_skill
from officina.skills.kinds import SkillKind
from officina.skills.models import Endorsement, MemberSkill

pytestmark = pytest.mark.django_db


def test_catalogue_and_detail(client_for, giulia, marco, django_skill):
    check_add_member_skill(marco, django_skill, SkillKind.OFFER)
    client = client_for(giulia)
    catalogue = client.get("/skills/")
    assert catalogue.status_code == 200
    assert "Django" in catalogue.content.decode()
    detail = client.get("/skills/django/")
    assert "Marco Colombo" in detail.content.decode()
    assert client.get("/skills/no-such-skill/").status_code == 404


def test_add_and_remove_my_skill(client_for, giulia, django_skill):
    client = client_for(giulia)
    response = client.post(
        "/skills/mine/", {"skill": django_skill.pk, "kind": "offer", "level": "3", "note": ""}
    )
    assert response.status_code == 302
    member_skill = MemberSkill.objects.get(member=giulia)
    assert (member_skill.kind, member_skill.level) == ("offer", 3)
    client.post(f"/skills/mine/{member_skill.pk}/remove/")
    assert not MemberSkill.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"skill": "999", "kind": "skill"},
        {"skill": "abc", "kind": "skill"},
        {"kind": "skill"},
        {"skill": "SKILL", "kind": "magic"},
        {"skill": "SKILL", "kind": "skill", "level": "7"},
        {"skill": "SKILL", "kind": "skill", "note": "x" * 201},
    ],
)
def test_bad_skill_forms_change_nothing(client_for, giulia, django_skill, data):
    if data.get("skill") == "SKILL":
        data = {**data, "skill": str(django_skill.pk)}
    assert client_for(giulia).post("/skills/mine/", data).status_code == 400
    assert not MemberSkill.objects.exists()


def test_cannot_remove_someone_elses_skill(client_for, giulia, marco, django_skill):
    member_skill = check_add_member_skill(marco, django_skill, SkillKind.SKILL)
    assert client_for(giulia).post(f"/skills/mine/{member_skill.pk}/remove/").status_code == 404
    assert MemberSkill.objects.filter(pk=member_skill.pk).exists()


def test_endorse_from_the_profile(client_for, giulia, marco, django_skill):
    member_skill = check_add_member_skill(marco, django_skill, SkillKind.SKILL)
    client = client_for(giulia)
    response = client.post(f"/skills/endorse/{member_skill.pk}/", {"next": f"/members/{marco.pk}/"})
    assert response.status_code == 302
    assert response["Location"] == f"/members/{marco.pk}/"
    assert Endorsement.objects.filter(endorser=giulia).count() == 1
    profile = client.get(f"/members/{marco.pk}/").content.decode()
    assert "1 endorsement" in profile
    assert "Withdraw endorsement" in profile
    client.post(f"/skills/endorse/{member_skill.pk}/", {"withdraw": "1"})
    assert not Endorsement.objects.exists()


def test_self_endorsement_is_refused(client_for, giulia, django_skill):
    member_skill = check_add_member_skill(giulia, django_skill, SkillKind.SKILL)
    assert client_for(giulia).post(f"/skills/endorse/{member_skill.pk}/").status_code == 400
    assert not Endorsement.objects.exists()


def test_endorse_redirect_never_leaves_the_site(client_for, giulia, marco, django_skill):
    member_skill = check_add_member_skill(marco, django_skill, SkillKind.SKILL)
    response = client_for(giulia).post(
        f"/skills/endorse/{member_skill.pk}/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/members/{marco.pk}/"


def test_endorsing_a_deactivated_members_skill_is_404(client_for, giulia, marco, django_skill):
    member_skill = check_add_member_skill(marco, django_skill, SkillKind.SKILL)
    marco.is_active = False
    marco.save()
    assert client_for(giulia).post(f"/skills/endorse/{member_skill.pk}/").status_code == 404


def test_italian_skill_pages(client_for, giulia, accounting):
    response = client_for(giulia).get("/skills/", headers={"accept-language": "it"})
    content = response.content.decode()
    assert "Contabilità" in content
    assert "Competenze nella comunità" in content


def test_the_picker_without_scripts_lists_skills_by_category_in_the_readers_language(
    client_for, giulia, django_skill, accounting
):
    from officina.skills.actions import TaxonomyEntry, check_add_to_taxonomy

    check_add_to_taxonomy(
        [TaxonomyEntry("budgeting", "Budgeting", "Budget", "business", ("Preventivi",))]
    )
    client = client_for(giulia)
    html = client.get("/skills/mine/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    business = html[html.index('<optgroup label="Impresa e finanza">') :]
    business = business[: business.index("</optgroup>")]
    # Alphabetical in Italian ("Budget" before "Contabilità"), not by the English name.
    assert business.index(">Budget<") < business.index(">Contabilità<")
    assert 'data-words="budgeting budget preventivi"' in business
    assert 'data-skill-picker="one"' in html
    assert "skills/picker.js" in html


def test_re_adding_a_skill_without_a_level_keeps_its_level(client_for, giulia, accounting):
    client = client_for(giulia)
    form = {"skill": accounting.pk, "kind": "skill", "level": "3", "note": "Ten years"}
    assert client.post("/skills/mine/", form).status_code == 302
    again = {"skill": accounting.pk, "kind": "skill", "level": "", "note": ""}
    assert client.post("/skills/mine/", again).status_code == 302
    row = MemberSkill.objects.get(member=giulia)
    assert (row.level, row.note) == (3, "Ten years")
    assert client.post("/skills/mine/", {**again, "level": "1"}).status_code == 302
    row.refresh_from_db()
    assert row.level == 1
