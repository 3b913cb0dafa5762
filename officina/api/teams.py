"""/api/team: a small team covering a set of skills (matchmaking's team suggestion)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Query, Router, Schema
from pydantic import Field

from officina.accounts.selectors import may_see_members
from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import (
    COMMON_ERRORS,
    ErrorOut,
    MemberRef,
    SkillOut,
    Text,
    member_ref,
    skill_out,
    translated_when_shown,
)
from officina.core.errors import ErrorCode, OfficinaError
from officina.matchmaking.teams import MAX_REQUIRED_SKILLS, suggest_team
from officina.skills.selectors import skills_by_slugs

router = Router(tags=["matchmaking"])


class TeamFilters(Schema):
    skills: list[Text] = Field(
        min_length=1,
        max_length=MAX_REQUIRED_SKILLS,
        description="skill slugs, the parameter repeated: ?skills=tax&skills=django",
    )


class TeamMemberOut(Schema):
    member: MemberRef
    covers: list[SkillOut] = Field(description="the required skills this member covers")
    reasons: list[str] = Field(description="why, in the reader's language")


class TeamOut(Schema):
    members: list[TeamMemberOut]
    uncovered: list[SkillOut] = Field(description="required skills nobody visible holds")
    skills: list[SkillOut] = Field(description="the required skills, rarest first")


@router.get(
    "",
    response={200: TeamOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=translated_when_shown(
        gettext_noop("A small team covering the skills, with why each member is in it")
    ),
)
def team(request: HttpRequest, filters: Query[TeamFilters]) -> TeamOut:
    member = signed_in_member(request)
    if not may_see_members(member):
        raise OfficinaError(_("Not found."), ErrorCode.NOT_FOUND)
    slugs = list(dict.fromkeys(slug.strip() for slug in filters.skills))
    skills = skills_by_slugs(slugs)
    if len(skills) != len(slugs):
        known = {skill.slug for skill in skills}
        raise OfficinaError.invalid_input(
            _("Unknown skill: %(slugs)s") % {"slugs": next(s for s in slugs if s not in known)}
        )
    suggestion = suggest_team(member, [skill.pk for skill in skills])
    return TeamOut(
        members=[
            TeamMemberOut(
                member=member_ref(each.member),
                covers=[skill_out(skill) for skill in each.covers],
                reasons=each.reasons,
            )
            for each in suggestion.members
        ],
        uncovered=[skill_out(skill) for skill in suggestion.uncovered],
        skills=[skill_out(skill) for skill in suggestion.skills],
    )
