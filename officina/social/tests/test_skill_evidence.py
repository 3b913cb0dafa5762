"""Evidence per skill on a profile, each with its source, under the profile's own rules:
endorsers, accepted answers on questions the viewer may read, finished projects the
viewer takes part in."""

from __future__ import annotations

from typing import Any

import pytest

from officina.skills.models import MemberSkill
from officina.skills.selectors import member_skills_with_counts
from officina.social.skill_evidence import attach_skill_evidence

pytestmark = pytest.mark.django_db


def proofs(member: Any, viewer: Any) -> dict[str, Any]:
    rows = member_skills_with_counts(member, viewer)
    attach_skill_evidence(member, viewer, rows)
    return {row.kind: row.proof for row in rows}  # type: ignore[attr-defined]


def test_a_colleague_sees_every_source_with_counts(marcos_evidence, marco, giulia, sara):
    seen = proofs(marco, giulia)
    skill = seen["skill"]
    assert [member.pk for member in skill.endorsers] == [giulia.pk, sara.pk]
    assert {question.pk for question in skill.questions} == {
        marcos_evidence["community"].pk,
        marcos_evidence["in_space"].pk,
    }
    # Finished projects only: the open one is not evidence yet.
    assert [project.pk for project in skill.projects] == [marcos_evidence["project"].pk]
    # Answers and projects show once per skill; the offer keeps its own endorsements.
    offer = seen["offer"]
    assert (offer.endorsers, offer.questions, offer.projects) == ([], [], [])


def test_outsiders_see_neither_the_spaces_questions_nor_the_projects(marcos_evidence, marco, sara):
    skill = proofs(marco, sara)["skill"]
    assert [question.pk for question in skill.questions] == [marcos_evidence["community"].pk]
    assert skill.projects == []
    assert len(skill.endorsers) == 2


def test_a_withdrawn_acceptance_is_no_longer_evidence(marcos_evidence, marco, giulia):
    from officina.knowledge.actions import check_unaccept_answer

    check_unaccept_answer(giulia, marcos_evidence["community"])
    skill = proofs(marco, giulia)["skill"]
    assert [question.pk for question in skill.questions] == [marcos_evidence["in_space"].pk]


def test_the_profile_page_links_each_source_in_the_viewers_language(
    marcos_evidence, client_for, marco, giulia, sara
):
    page = client_for(giulia).get(f"/members/{marco.pk}/", headers={"accept-language": "it"})
    html = page.content.decode()
    assert "Raccomandata da" in html
    assert f"/questions/{marcos_evidence['in_space'].pk}/" in html
    assert f"/projects/{marcos_evidence['project'].pk}/" in html
    outsider = client_for(sara).get(f"/members/{marco.pk}/").content.decode()
    assert "Endorsed by" in outsider
    assert f"/questions/{marcos_evidence['community'].pk}/" in outsider
    assert f"/questions/{marcos_evidence['in_space'].pk}/" not in outsider
    assert f"/projects/{marcos_evidence['project'].pk}/" not in outsider
    assert MemberSkill.objects.filter(member=marco).count() == 2
