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
from officina.skills.selectors import (
    attach_stated_evidence,
    evidence_of,
    member_free_tags,
    member_skills_with_counts,
)
from officina.social.access import access_profile_member_by_id
from officina.social.selectors import directory_page

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.skills.models import MemberFreeTag, MemberSkill

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
    id: int = Field(description="the listing, to endorse it (/api/skills/member-skills/{id})")
    skill: SkillOut
    kind: str
    level: int | None
    endorsements: int
    endorsed: bool = Field(description="whether you endorse it")
    evidence: int


class MemberFreeTagOut(Schema):
    id: int = Field(description="the listing, to endorse it (/api/skills/member-free-tags/{id})")
    text: str = Field(description="the free tag as its members wrote it")
    language: str = Field(description="the language it was written in")
    kind: str
    level: int | None
    endorsements: int
    endorsed: bool = Field(description="whether you endorse it")


class EvidenceOut(Schema):
    skill: SkillOut
    source: str
    url: str


class StatedEvidenceOut(Schema):
    skill: SkillOut | None = Field(description="the taxonomy skill it proves; null for a free tag")
    free_tag: str | None = Field(description="the free tag it proves, as written; null for a skill")
    url: str = Field(description="a link (http or https), or empty")
    text: str = Field(description="a short text, or empty")


class MemberDetail(MemberRef):
    headline: str
    bio: str
    companies: list[CompanyRef]
    skills: list[MemberSkillOut]
    free_tags: list[MemberFreeTagOut] = Field(
        description="what the member listed that the taxonomy lacks, in their words"
    )
    evidence: list[EvidenceOut]
    stated_evidence: list[StatedEvidenceOut] = Field(
        description="links and notes the member gave as evidence of their skills and free "
        "tags, as the profile shows them: of a skill, talent or offer they list"
    )


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
    rows = member_skills_with_counts(member, viewer)
    free_tags = member_free_tags(member, viewer)
    return MemberDetail(
        **member_ref(member).dict(),
        headline=profile.headline if profile else "",
        bio=profile.bio if profile else "",
        companies=[company_ref(each.company) for each in member_companies(member)],
        skills=[
            MemberSkillOut(
                id=row.pk,
                skill=skill_out(row.skill),
                kind=row.kind,
                level=row.level,
                endorsements=row.endorsement_count,  # type: ignore[attr-defined]
                endorsed=row.endorsed_by_viewer,  # type: ignore[attr-defined]
                evidence=row.evidence_count,  # type: ignore[attr-defined]
            )
            for row in rows
        ],
        free_tags=[
            MemberFreeTagOut(
                id=listing.pk,
                text=listing.tag.text,
                language=listing.tag.language,
                kind=listing.kind,
                level=listing.level,
                endorsements=listing.endorsement_count,  # type: ignore[attr-defined]
                endorsed=listing.endorsed_by_viewer,  # type: ignore[attr-defined]
            )
            for listing in free_tags
        ],
        evidence=_evidence_seen_by(viewer, member),
        stated_evidence=_stated_evidence(member, rows, free_tags),
    )


def _stated_evidence(
    member: Member, rows: list[MemberSkill], free_tags: list[MemberFreeTag]
) -> list[StatedEvidenceOut]:
    """What the member stated, as the profile shows it: beside the first listing of a
    giving kind of its skill or free tag (none for a skill only of interest or need, or
    no longer listed), in the order of the listings, oldest first."""
    attach_stated_evidence(member, rows, free_tags)
    shown = [
        StatedEvidenceOut(skill=skill_out(row.skill), free_tag=None, url=each.url, text=each.text)
        for row in rows
        for each in row.stated  # type: ignore[attr-defined]
    ]
    shown += [
        StatedEvidenceOut(skill=None, free_tag=listing.tag.text, url=each.url, text=each.text)
        for listing in free_tags
        for each in listing.stated  # type: ignore[attr-defined]
    ]
    return shown


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
