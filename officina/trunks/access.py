"""The one path to a company's trunks, numbers and outbound permissions: its owners set
them up; its people and the managers of its space see them (never a trunk's password,
which no page nor answer of the API shows)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from officina.accounts.access import (
    access_company_workings_by_slug,
    is_company_owner,
    sees_company_workings,
)
from officina.core.errors import ErrorCode, OfficinaError

from .selectors import number_of_company, trunk_of_company

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member

    from .models import PhoneNumber, Trunk


def _not_found() -> OfficinaError:
    return OfficinaError(_("Trunk or number not found."), ErrorCode.NOT_FOUND)


def may_manage_trunks(member: Member, company: Company) -> bool:
    return is_company_owner(member, company)


def may_see_trunks(member: Member, company: Company) -> bool:
    return sees_company_workings(member, company)


def access_trunks_by_company_slug(member: Member, slug: str, *, to_manage: bool = False) -> Company:
    try:
        return access_company_workings_by_slug(member, slug, to_manage=to_manage)
    except OfficinaError:
        raise _not_found() from None


def access_trunk_by_id(
    member: Member, slug: str, trunk_id: int, *, to_manage: bool = False
) -> Trunk:
    company = access_trunks_by_company_slug(member, slug, to_manage=to_manage)
    trunk = trunk_of_company(company, trunk_id)
    if trunk is None:
        raise _not_found()
    return trunk


def access_number_by_id(
    member: Member, slug: str, number_id: int, *, to_manage: bool = False
) -> PhoneNumber:
    company = access_trunks_by_company_slug(member, slug, to_manage=to_manage)
    number = number_of_company(company, number_id)
    if number is None:
        raise _not_found()
    return number
