"""/api/members: the directory, and one member with skills, companies and evidence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from officina.accounts.selectors import member_companies
from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import (
    COMMON_ERRORS,
    CompanyRef,
    ErrorOut,
    MemberRef,
    PageMeta,
    SkillOut,
    Text,
    company_ref,
    member_ref,
    skill_out,
)
from officina.api.schemas import translated_when_shown as _
from officina.knowledge.selectors import accepted_questions_seen_by
from officina.skills.kinds import EvidenceSource
from officina.skills.selectors import evidence_of, member_skills_with_counts
from officina.social.access import access_profile_member_by_id
from officina.social.selectors import directory_page

if TYPE_CHECKING:
    from officina.accounts.models import Member

router = Router(tags=["members"])


class MemberFilters(Schema):
    q: Text = Field("", max_length=200, description="words of the name or headline")
    skill: Text = Field(
        "", max_length=80, description="a skill slug, a skill's name or a free tag's text"
    )
    company: Text = Field("", max_length=140, description="a company slug or words of its name")
    page: int = Field(1, ge=1, le=100_000)


class MemberListItem(MemberRef):
    headline: str
    companies: list[CompanyRef]


class MemberList(Schema):
    meta: PageMeta
    members: list[MemberListItem]


class MemberSkillOut(Schema):
    skill: SkillOut
    kind: str
    level: int | None
    endorsements: int
    evidence: int


class EvidenceOut(Schema):
    skill: SkillOut
    source: str
    url: str


class MemberDetail(MemberRef):
    headline: str
    bio: str
    companies: list[CompanyRef]
    skills: list[MemberSkillOut]
    evidence: list[EvidenceOut]


def _headline(member: object) -> str:
    profile = getattr(member, "profile", None)
    return profile.headline if profile is not None else ""


@router.get("", response={200: MemberList, **COMMON_ERRORS}, summary=_("List and filter members"))
def list_members(request: HttpRequest, filters: Query[MemberFilters]) -> MemberList:
    page = directory_page(
        query=filters.q,
        skill=filters.skill,
        company=filters.company,
        page_number=filters.page,
    )
    return MemberList(
        meta=PageMeta(page=page.number, pages=page.paginator.num_pages, count=page.paginator.count),
        members=[
            MemberListItem(
                **member_ref(member).dict(),
                headline=_headline(member),
                companies=[company_ref(each.company) for each in member.companies_list],  # type: ignore[attr-defined]
            )
            for member in page
        ],
    )


@router.get(
    "/{member_id}",
    response={200: MemberDetail, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("A member with skills, companies and skill evidence"),
)
def get_member(request: HttpRequest, member_id: int) -> MemberDetail:
    viewer = signed_in_member(request)
    member = access_profile_member_by_id(viewer, member_id)
    profile = getattr(member, "profile", None)
    return MemberDetail(
        **member_ref(member).dict(),
        headline=profile.headline if profile else "",
        bio=profile.bio if profile else "",
        companies=[company_ref(each.company) for each in member_companies(member)],
        skills=[
            MemberSkillOut(
                skill=skill_out(row.skill),
                kind=row.kind,
                level=row.level,
                endorsements=row.endorsement_count,  # type: ignore[attr-defined]
                evidence=row.evidence_count,  # type: ignore[attr-defined]
            )
            for row in member_skills_with_counts(member, viewer)
        ],
        evidence=_evidence_seen_by(viewer, member),
    )


def _evidence_seen_by(viewer: Member, member: Member) -> list[EvidenceOut]:
    """The member's evidence, as the profile shows it: an accepted answer only when the
    viewer may read its question (a space's questions stay in the space)."""
    rows = evidence_of(member)
    answers = [row.source_id for row in rows if row.source_kind == EvidenceSource.ACCEPTED_ANSWER]
    seen = accepted_questions_seen_by(viewer, answers)
    return [
        EvidenceOut(skill=skill_out(row.skill), source=row.source_kind, url=row.url)
        for row in rows
        if row.source_kind != EvidenceSource.ACCEPTED_ANSWER or row.source_id in seen
    ]
