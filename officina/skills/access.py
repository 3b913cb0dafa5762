"""The one path to a member's skill or free tag row for writes (endorse, remove)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from officina.accounts.kinds import SpaceRole
from officina.accounts.selectors import may_see_members, member_space_roles, visible_members_q
from officina.core.errors import ErrorCode, OfficinaError
from officina.skills.models import FreeTag, MemberFreeTag, MemberSkill, Skill, StatedEvidence

if TYPE_CHECKING:
    from officina.accounts.models import Member


def access_member_skill_by_id(member: Member, member_skill_id: int) -> MemberSkill:
    """Any active member may see (and endorse) another active member's skills."""
    rows = MemberSkill.objects.select_related("skill", "member")
    return _visible_listing(member, rows, member_skill_id)


def access_member_free_tag_by_id(member: Member, listing_id: int) -> MemberFreeTag:
    """A member's free tag, seen (and endorsed) as their skills are."""
    rows = MemberFreeTag.objects.select_related("tag", "member")
    return _visible_listing(member, rows, listing_id)


Listings = TypeVar("Listings", MemberSkill, MemberFreeTag)


def _visible_listing(member: Member, rows: QuerySet[Listings], listing_id: int) -> Listings:
    listing = rows.filter(visible_members_q("member"), pk=listing_id).first()
    if listing is None or not may_see_members(member):
        raise OfficinaError(_("Skill not found."), ErrorCode.NOT_FOUND)
    return listing


def access_own_member_skill_by_id(member: Member, member_skill_id: int) -> MemberSkill:
    member_skill = MemberSkill.objects.filter(pk=member_skill_id, member=member).first()
    if member_skill is None:
        raise OfficinaError(_("Skill not found."), ErrorCode.NOT_FOUND)
    return member_skill


def access_skill_by_slug(slug: str) -> Skill:
    skill = Skill.objects.filter(slug=slug).first()
    if skill is None:
        raise OfficinaError(_("Skill not found."), ErrorCode.NOT_FOUND)
    return skill


def may_curate_free_tags(member: Member) -> bool:
    """The taxonomy is the community's: the managers of any of its spaces (and the
    site's administrators) merge and rename the free tags members add."""
    if not member.is_authenticated:
        return False
    return member.is_superuser or SpaceRole.MANAGER in member_space_roles(member).values()


def access_free_tag_by_id(member: Member, tag_id: int) -> FreeTag:
    tag = FreeTag.objects.filter(pk=tag_id).first()
    if tag is None or not may_curate_free_tags(member):
        raise OfficinaError(_("Free tag not found."), ErrorCode.NOT_FOUND)
    return tag


def access_own_free_tag_by_id(member: Member, listing_id: int) -> MemberFreeTag:
    listing = MemberFreeTag.objects.filter(pk=listing_id, member=member).first()
    if listing is None:
        raise OfficinaError(_("Free tag not found."), ErrorCode.NOT_FOUND)
    return listing


def access_own_stated_evidence_by_id(member: Member, evidence_id: int) -> StatedEvidence:
    evidence = StatedEvidence.objects.filter(pk=evidence_id, member=member).first()
    if evidence is None:
        raise OfficinaError(_("Evidence not found."), ErrorCode.NOT_FOUND)
    return evidence
