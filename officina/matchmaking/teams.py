"""Team suggestion: for a set of required skills, a small team that covers them.

The skills are taken rarest first (fewest holders in the index): a rare skill has few
candidates, so it is settled while there is still a choice for the common ones. For each
skill not yet covered, the candidate chosen is the one with the best

    strength on the skill (scaled to the best holder's)
    + COVER_BONUS × the other required skills they cover too (a smaller team)
    + TIE_BONUS × the people of the team, and the asker, they already know

where knowing someone is working in the same company, having talked in a conversation,
being on the same project, or one having endorsed the other (a skill or a free tag). A
free tag counts as a listed skill does when its text or a synonym names the skill. Only
members the asker can see are candidates (active, never project guests), never the
asker. A skill nobody holds is listed as uncovered. Each member comes with the required
skills they cover and why, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from officina.accounts.selectors import (
    company_ids_of_members,
    may_see_members,
    visible_members,
    visible_members_q,
)
from officina.matchmaking.counts import skill_holders
from officina.matchmaking.evidence import spotter_of, tags_speaking_of
from officina.matchmaking.models import EvidenceSkill
from officina.projects.selectors import project_ids_of_members
from officina.skills.kinds import SkillKind
from officina.skills.selectors import (
    endorsement_pairs,
    free_tag_holdings_of,
    holdings_of,
    skill_names,
    skill_vocabulary,
)
from officina.social.selectors import conversation_ids_of_members

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.skills.models import Skill

MAX_REQUIRED_SKILLS = 12
# The strongest holders of each skill read from the index (best first): far more than a
# team needs, few enough to weigh every pair of them.
CANDIDATES_PER_SKILL = 40
# A strength below this is an interest or a passing mention, not a skill to count on: a
# listing alone (1.0 → 0.4) or the profile naming it (0.7 → 0.32) is above it.
COVERS_FROM = 0.3
COVER_BONUS = 0.5
TIE_BONUS = 0.25


class Tie:
    COMPANY = "company"
    CONVERSATION = "conversation"
    PROJECT = "project"
    ENDORSEMENT = "endorsement"


@dataclass
class TeamMember:
    member: Member
    covers: list[Skill]
    reasons: list[str]


@dataclass
class Team:
    members: list[TeamMember] = field(default_factory=list)
    uncovered: list[Skill] = field(default_factory=list)
    # The required skills in the order they were settled: rarest first.
    skills: list[Skill] = field(default_factory=list)


@dataclass
class _Ties:
    companies: dict[int, tuple[int, ...]]
    conversations: dict[int, set[int]]
    projects: dict[int, set[int]]
    endorsements: set[tuple[int, int]]

    def between(self, one: int, other: int) -> list[str]:
        ties = []
        if set(self.companies.get(one, ())) & set(self.companies.get(other, ())):
            ties.append(Tie.COMPANY)
        if self.conversations.get(one, set()) & self.conversations.get(other, set()):
            ties.append(Tie.CONVERSATION)
        if self.projects.get(one, set()) & self.projects.get(other, set()):
            ties.append(Tie.PROJECT)
        if (one, other) in self.endorsements or (other, one) in self.endorsements:
            ties.append(Tie.ENDORSEMENT)
        return ties


def _ties_of(member_ids: list[int]) -> _Ties:
    return _Ties(
        companies=company_ids_of_members(member_ids),
        conversations=conversation_ids_of_members(member_ids),
        projects=project_ids_of_members(member_ids),
        endorsements=endorsement_pairs(member_ids),
    )


def _tie_reason(tie: str, name: str, is_asker: bool) -> str:
    if is_asker:
        return {
            Tie.COMPANY: _("works in your company"),
            Tie.CONVERSATION: _("has talked with you"),
            Tie.PROJECT: _("is on a project with you"),
            Tie.ENDORSEMENT: _("you have endorsed each other's skills"),
        }[tie]
    return {
        Tie.COMPANY: _("works in the same company as %(name)s"),
        Tie.CONVERSATION: _("has talked with %(name)s"),
        Tie.PROJECT: _("is on a project with %(name)s"),
        Tie.ENDORSEMENT: _("endorsed by or endorsing %(name)s"),
    }[tie] % {"name": name}


def _skill_reason(skill: Skill, kind: str | None, answers: int, accepted: int) -> str:
    if accepted:
        return ngettext(
            "had %(count)d answer on %(skill)s accepted",
            "had %(count)d answers on %(skill)s accepted",
            accepted,
        ) % {"count": accepted, "skill": skill.name}
    if kind == SkillKind.OFFER:
        return _("offers %(skill)s") % {"skill": skill.name}
    if kind in (SkillKind.SKILL, SkillKind.TALENT):
        return _("knows %(skill)s") % {"skill": skill.name}
    if answers:
        return ngettext(
            "answered %(count)d question on %(skill)s",
            "answered %(count)d questions on %(skill)s",
            answers,
        ) % {"count": answers, "skill": skill.name}
    return _("their profile speaks of %(skill)s") % {"skill": skill.name}


def suggest_team(viewer: Member, skill_ids: Sequence[int]) -> Team:
    """A small team covering ``skill_ids`` for ``viewer``: see the module's docstring."""
    skills = skill_names(list(dict.fromkeys(skill_ids))[:MAX_REQUIRED_SKILLS])
    if not skills or not may_see_members(viewer):
        return Team(uncovered=list(skills.values()), skills=list(skills.values()))
    holders = skill_holders(skills)
    order = sorted(skills, key=lambda pk: (holders.get(pk, 0), skills[pk].name.lower()))
    fields = ("member_id", "skill_id", "strength", "answers", "accepted")
    rows: list[tuple[int, int, float, int, int]] = []
    for skill_id in order:
        rows += (
            EvidenceSkill.objects.filter(
                visible_members_q("member"), skill_id=skill_id, strength__gte=COVERS_FROM
            )
            .exclude(member_id=viewer.pk)
            .order_by("-strength", "member_id")
            .values_list(*fields)[:CANDIDATES_PER_SKILL]
        )
    candidates = sorted({row[0] for row in rows})
    # Every required skill of every candidate, not only the ones they were read for.
    strength: dict[tuple[int, int], float] = {}
    shown: dict[tuple[int, int], tuple[int, int]] = {}
    for member_id, skill_id, value, answers, accepted in EvidenceSkill.objects.filter(
        member_id__in=candidates, skill_id__in=order, strength__gte=COVERS_FROM
    ).values_list(*fields):
        strength[(member_id, skill_id)] = value
        shown[(member_id, skill_id)] = (answers, accepted)
    ties = _ties_of([*candidates, viewer.pk])
    best_of = {
        skill_id: max((v for (_m, s), v in strength.items() if s == skill_id), default=1.0)
        for skill_id in order
    }

    chosen: list[int] = []
    covered: set[int] = set()
    uncovered: list[int] = []
    for skill_id in order:
        if skill_id in covered:
            continue
        holding = [m for m in candidates if (m, skill_id) in strength and m not in chosen]
        if not holding:
            uncovered.append(skill_id)
            continue
        left = [pk for pk in order if pk not in covered and pk != skill_id]

        def score(member_id: int, skill_id: int = skill_id, left: list[int] = left) -> float:
            also = sum(1 for pk in left if (member_id, pk) in strength)
            known = sum(1 for other in [viewer.pk, *chosen] if ties.between(member_id, other))
            return (
                strength[(member_id, skill_id)] / best_of[skill_id]
                + COVER_BONUS * also
                + TIE_BONUS * known
            )

        best = max(holding, key=lambda member_id: (score(member_id), -member_id))
        chosen.append(best)
        covered |= {pk for pk in order if (best, pk) in strength}

    people = visible_members().in_bulk(chosen)
    kinds: dict[tuple[int, int], str] = {}
    for holding_row in holdings_of(chosen):
        key = (holding_row.member_id, holding_row.skill_id)
        if holding_row.kind == SkillKind.OFFER or key not in kinds:
            kinds[key] = holding_row.kind
    # A skill covered through a free tag that names it: the tag, as the member wrote it.
    spotter = spotter_of(tuple(skill_vocabulary()))
    tagged = {
        (tag.member_id, skill_id): tag
        for tags in tags_speaking_of(free_tag_holdings_of(chosen), spotter, order).values()
        for tag in reversed(tags)
        for text in tag.texts
        for skill_id in spotter.skills_in(text)
    }
    team = Team(uncovered=[skills[pk] for pk in uncovered], skills=[skills[pk] for pk in order])
    for member_id in chosen:
        covers = [skills[pk] for pk in order if (member_id, pk) in strength]
        reasons = []
        for skill in covers:
            kind = kinds.get((member_id, skill.pk))
            tag = tagged.get((member_id, skill.pk))
            if kind is None and not any(shown[(member_id, skill.pk)]) and tag is not None:
                worded = (
                    _("offers %(skill)s") if tag.kind == SkillKind.OFFER else _("knows %(skill)s")
                )
                reasons.append(worded % {"skill": tag.texts[0]})
                continue
            reasons.append(_skill_reason(skill, kind, *shown[(member_id, skill.pk)]))
        for other in [viewer.pk, *chosen]:
            if other == member_id:
                continue
            for tie in ties.between(member_id, other):
                name = viewer.display_name if other == viewer.pk else people[other].display_name
                reasons.append(_tie_reason(tie, name, is_asker=other == viewer.pk))
        team.members.append(TeamMember(people[member_id], covers, reasons))
    return team
