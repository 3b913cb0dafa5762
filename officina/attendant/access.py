"""The one path to a company's auto-attendant menus: its people and its space's managers
see them, its owners set them up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from officina.accounts.access import access_company_workings_by_slug, is_company_owner
from officina.core.errors import ErrorCode, OfficinaError

from .selectors import menu_of_company

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member

    from .models import Menu


def _not_found() -> OfficinaError:
    return OfficinaError(_("Menu not found."), ErrorCode.NOT_FOUND)


def may_manage_menus(member: Member, company: Company) -> bool:
    return is_company_owner(member, company)


def access_menus_by_company_slug(member: Member, slug: str, *, to_manage: bool = False) -> Company:
    try:
        return access_company_workings_by_slug(member, slug, to_manage=to_manage)
    except OfficinaError:
        raise _not_found() from None


def access_menu_by_id(member: Member, slug: str, menu_id: int, *, to_manage: bool = False) -> Menu:
    company = access_menus_by_company_slug(member, slug, to_manage=to_manage)
    menu = menu_of_company(company, menu_id)
    if menu is None:
        raise _not_found()
    return menu
