"""The one path to a company's ring groups: its people see them (and say whether they are
available), its owners set them up, its space's managers see them too."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from officina.accounts.access import (
    access_company_workings_by_slug,
    is_company_owner,
    sees_company_workings,
)
from officina.core.errors import ErrorCode, OfficinaError

from .selectors import ring_group_of_company

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member

    from .models import RingGroup


def _not_found() -> OfficinaError:
    return OfficinaError(_("Ring group not found."), ErrorCode.NOT_FOUND)


def may_manage_ring_groups(member: Member, company: Company) -> bool:
    return is_company_owner(member, company)


def may_see_ring_groups(member: Member, company: Company) -> bool:
    return sees_company_workings(member, company)


def access_ring_groups_by_company_slug(
    member: Member, slug: str, *, to_manage: bool = False
) -> Company:
    try:
        return access_company_workings_by_slug(member, slug, to_manage=to_manage)
    except OfficinaError:
        raise _not_found() from None


def access_ring_group_by_id(
    member: Member, slug: str, group_id: int, *, to_manage: bool = False
) -> RingGroup:
    company = access_ring_groups_by_company_slug(member, slug, to_manage=to_manage)
    group = ring_group_of_company(company, group_id)
    if group is None:
        raise _not_found()
    return group
