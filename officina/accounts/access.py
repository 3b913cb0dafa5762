"""The one path to companies and spaces that a member wants to read or change.

Every helper raises the same ``NOT_FOUND`` error for "no such thing" and for
"not yours to see or change", so that callers cannot probe for slugs.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from officina.core.errors import ErrorCode, OfficinaError

from .kinds import CompanyRole, SpaceRole
from .models import (
    Company,
    CompanyJoinRequest,
    CompanyMembership,
    Member,
    Space,
    SpaceJoinRequest,
    SpaceMembership,
)
from .selectors import may_see_members


def _company_not_found() -> OfficinaError:
    return OfficinaError(_("Company not found."), ErrorCode.NOT_FOUND)


def _space_not_found() -> OfficinaError:
    return OfficinaError(_("Space not found."), ErrorCode.NOT_FOUND)


def is_company_owner(member: Member, company: Company) -> bool:
    if not may_see_members(member):
        return False
    if member.is_superuser:
        return True
    return CompanyMembership.objects.filter(
        member=member, company=company, role=CompanyRole.OWNER
    ).exists()


def sees_company_workings(member: Member, company: Company) -> bool:
    """Whether ``member`` sees what a company keeps for its own people (its address book,
    its ring groups): its owners and people, and the managers of the space it is based at.
    Changing them is for owners (:func:`is_company_owner`)."""
    if is_company_owner(member, company):
        return True
    if CompanyMembership.objects.filter(member_id=member.pk, company=company).exists():
        return True
    return company.space is not None and is_space_manager(member, company.space)


def access_company_by_slug(member: Member, slug: str, *, to_manage: bool = False) -> Company:
    """A company every signed-in member may read; only its owners may manage it."""
    if not may_see_members(member):
        raise _company_not_found()
    company = Company.objects.select_related("space").filter(slug=slug).first()
    if company is None:
        raise _company_not_found()
    if to_manage and not is_company_owner(member, company):
        raise _company_not_found()
    return company


def access_company_workings_by_slug(
    member: Member, slug: str, *, to_manage: bool = False
) -> Company:
    """The company whose own workings (address book, ring groups) ``member`` may see
    (:func:`sees_company_workings`) or, ``to_manage``, change (its owners)."""
    company = access_company_by_slug(member, slug)
    allowed = is_company_owner if to_manage else sees_company_workings
    if not allowed(member, company):
        raise _company_not_found()
    return company


def access_phone_owner_by_slug(
    member: Member, owner_field: str, slug: str, *, to_manage: bool = False
) -> Company | Space:
    """The company or the space (``owner_field``, as ``selectors.owner_field`` names it)
    whose phone system (trunks, numbers, ring groups, business hours) ``member`` may see
    or, ``to_manage``, change: a company's as :func:`access_company_workings_by_slug`
    says; a space's for its managers alone, to see and to change."""
    if owner_field == "space":
        return access_space_by_slug(member, slug, to_manage=True)
    return access_company_workings_by_slug(member, slug, to_manage=to_manage)


def may_manage_phone_owner(member: Member, owner: Company | Space) -> bool:
    """Whether ``member`` changes the phone system of ``owner``: a company's owners, a
    space's managers."""
    if isinstance(owner, Space):
        return is_space_manager(member, owner)
    return is_company_owner(member, owner)


def space_role(member: Member, space: Space) -> str | None:
    """The member's role in the space, or None when they do not belong to it."""
    if not may_see_members(member):
        return None
    if member.is_superuser:
        return SpaceRole.MANAGER
    return (
        SpaceMembership.objects.filter(member=member, space=space)
        .values_list("role", flat=True)
        .first()
    )


def is_space_manager(member: Member, space: Space) -> bool:
    return space_role(member, space) == SpaceRole.MANAGER


def is_space_member(member: Member, space: Space) -> bool:
    return space_role(member, space) is not None


def access_space_by_slug(
    member: Member, slug: str, *, as_member: bool = False, to_manage: bool = False
) -> Space:
    """A space: every signed-in member sees that it exists and may join it;
    ``as_member`` requires belonging to it (to see who is there), ``to_manage``
    requires being one of its managers."""
    if not may_see_members(member):
        raise _space_not_found()
    space = Space.objects.filter(slug=slug).first()
    if space is None:
        raise _space_not_found()
    if to_manage and not is_space_manager(member, space):
        raise _space_not_found()
    if as_member and not is_space_member(member, space):
        raise _space_not_found()
    return space


def access_space_by_id(
    member: Member, space_id: int, *, as_member: bool = False, to_manage: bool = False
) -> Space:
    space = Space.objects.filter(pk=space_id).only("slug").first()
    if space is None:
        raise _space_not_found()
    return access_space_by_slug(member, space.slug, as_member=as_member, to_manage=to_manage)


def access_join_request_by_id(manager: Member, space: Space, request_id: int) -> SpaceJoinRequest:
    """A pending request to a space ``manager`` manages; anything else is "not found"."""
    request = (
        SpaceJoinRequest.objects.select_related("member", "space")
        .filter(pk=request_id, space=space)
        .first()
    )
    if request is None or not is_space_manager(manager, space):
        raise OfficinaError(_("This request is no longer pending."), ErrorCode.NOT_FOUND)
    return request


def access_company_join_request_by_id(
    owner: Member, company: Company, request_id: int
) -> CompanyJoinRequest:
    """A pending request to a company ``owner`` owns; anything else is "not found"."""
    request = (
        CompanyJoinRequest.objects.select_related("member", "company")
        .filter(pk=request_id, company=company)
        .first()
    )
    if request is None or not is_company_owner(owner, company):
        raise OfficinaError(_("This request is no longer pending."), ErrorCode.NOT_FOUND)
    return request
