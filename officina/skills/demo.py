"""Demo skills: the taxonomy of an Italian coworking, and what every member knows,
offers, needs and cares about, with endorsements between colleagues."""

from __future__ import annotations

from typing import TYPE_CHECKING

from officina.accounts.demo import DEMO_EMAIL
from officina.accounts.selectors import community_members, primary_company
from officina.core.demo import DemoContext
from officina.core.demo_trades import BY_HEADLINE, DEMO_LOGIN_HEADLINE, TRADES, Trade
from officina.skills.actions import (
    SkillListing,
    check_add_member_skills,
    check_add_to_taxonomy,
    check_endorse_many,
)
from officina.skills.curated import curated_taxonomy
from officina.skills.kinds import SkillKind, SkillLevel
from officina.skills.models import MemberSkill

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
    by_slug = {skill.slug: skill for skill in skills}
    company_of = {}
    for member in members:
        company = primary_company(member)
        company_of[member.pk] = company.pk if company else 0
    # Colleagues share a trade (every trade is someone's once there are enough
    # companies); a few work in another one. The demo login runs an architecture studio.
    company_trade: dict[int, Trade] = {}
    for number, company_id in enumerate(sorted(set(company_of.values()))):
        company_trade[company_id] = TRADES[number % len(TRADES)]
    for member in members:
        trade = company_trade[company_of[member.pk]]
        if member.email == DEMO_EMAIL:
            trade = BY_HEADLINE[DEMO_LOGIN_HEADLINE]
        elif company_of[member.pk] == 0 or rng.random() < 0.2:
            trade = rng.choice(TRADES)
        context.trades[member.pk] = trade

    endorsable: list[MemberSkill] = []
    for member in members:
        # Skills, talents and offers come from the member's trade; interests and needs
        # from anywhere (a designer may need an accountant and love bread-making).
        home_pool = [by_slug[slug] for slug in context.trades[member.pk].skills]
        plan = [
            (SkillKind.SKILL, home_pool, rng.randint(2, 4), True),
            (SkillKind.TALENT, home_pool, rng.randint(0, 1), False),
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
        listings = _one_listing_per_skill(listings)
        context.expertise[member.pk] = {
            listing.skill.slug
            for listing in listings
            if listing.kind in (SkillKind.SKILL, SkillKind.OFFER)
        }
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


def _one_listing_per_skill(listings: list[SkillListing]) -> list[SkillListing]:
    """A skill drawn twice (as a skill and as an interest) is listed the first way only."""
    seen: set[int] = set()
    kept = []
    for listing in listings:
        if listing.skill.pk not in seen:
            seen.add(listing.skill.pk)
            kept.append(listing)
    return kept
