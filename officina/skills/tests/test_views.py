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
