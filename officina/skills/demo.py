"""Demo skills: the taxonomy of an Italian coworking, and what every member knows,
offers, needs and cares about, with endorsements between colleagues."""

from __future__ import annotations

from typing import TYPE_CHECKING

from officina.accounts.selectors import community_members, primary_company
from officina.core.demo import DemoContext
from officina.skills.actions import (
    SkillListing,
    check_add_member_skills,
    check_add_to_taxonomy,
    check_endorse_many,
)
from officina.skills.curated import curated_taxonomy
from officina.skills.kinds import SkillKind, SkillLevel
from officina.skills.models import MemberSkill, Skill

if TYPE_CHECKING:
    from officina.accounts.models import Member

NOTES_IT = {
    SkillKind.OFFER: [
        "tariffe agevolate per chi lavora in coworking",
        "anche solo una consulenza di un'ora",
        "per piccole imprese e associazioni",
        "",
        "",
    ],
    SkillKind.NEED: [
        "per un progetto in partenza a gennaio",
        "cerco qualcuno con cui fare pratica",
        "anche solo un parere veloce",
        "",
        "",
    ],
}


def populate(context: DemoContext) -> None:
    rng = context.random
    skills = check_add_to_taxonomy(curated_taxonomy())
    members = list(community_members())
    if not members:
        return
    by_category: dict[str, list[Skill]] = {}
    for skill in skills:
        by_category.setdefault(skill.category, []).append(skill)
    categories = list(by_category)
    company_of = {}
    for member in members:
        company = primary_company(member)
        company_of[member.pk] = company.pk if company else 0
    # Colleagues share a trade: each company leans towards two categories.
    company_focus: dict[int, list[str]] = {}

    endorsable: list[MemberSkill] = []
    for member in members:
        focus = company_focus.setdefault(company_of[member.pk], rng.sample(categories, 2))
        home_pool = [skill for category in focus for skill in by_category[category]]
        plan = [
            (SkillKind.SKILL, home_pool, rng.randint(2, 5), True),
            (SkillKind.TALENT, skills, rng.randint(0, 2), False),
            (SkillKind.INTEREST, skills, rng.randint(1, 3), False),
            (SkillKind.OFFER, home_pool, rng.randint(0, 2), True),
            (SkillKind.NEED, skills, rng.randint(0, 2), False),
        ]
        listings = [
            SkillListing(
                skill,
                kind,
                level=rng.choice(SkillLevel.values) if levelled else None,
                note=rng.choice(NOTES_IT[kind]) if kind in NOTES_IT else "",
            )
            for kind, pool, count, levelled in plan
            for skill in rng.sample(pool, min(count, len(pool)))
        ]
        listed = check_add_member_skills(member, listings)
        endorsable += [row for row in listed if row.is_endorsable]

    colleagues: dict[int, list[Member]] = {}
    for member in members:
        colleagues.setdefault(company_of[member.pk], []).append(member)
    endorsements: dict[tuple[int, int], tuple[Member, MemberSkill]] = {}
    for row in rng.sample(endorsable, len(endorsable) * 2 // 3):
        nearby = colleagues.get(company_of.get(row.member_id, 0), [])
        for _ in range(rng.randint(1, 4)):
            # Mostly colleagues, sometimes anyone in the community.
            endorser = rng.choice(nearby if nearby and rng.random() < 0.6 else members)
            if endorser.pk != row.member_id:
                endorsements.setdefault((row.pk, endorser.pk), (endorser, row))
    check_endorse_many(list(endorsements.values()))
