"""The one path to a member skill row for writes (endorse, remove)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from officina.accounts.selectors import may_see_members, visible_members_q
from officina.core.errors import ErrorCode, OfficinaError
from officina.skills.models import MemberSkill, Skill

if TYPE_CHECKING:
    from officina.accounts.models import Member


def access_member_skill_by_id(member: Member, member_skill_id: int) -> MemberSkill:
    """Any active member may see (and endorse) another active member's skills."""
    member_skill = (
        MemberSkill.objects.select_related("skill", "member")
        .filter(visible_members_q("member"), pk=member_skill_id)
        .first()
    )
    if member_skill is None or not may_see_members(member):
        raise OfficinaError(_("Skill not found."), ErrorCode.NOT_FOUND)
    return member_skill


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
