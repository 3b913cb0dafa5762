"""The one path to the auto-attendant menus of a company or a space: a company's people
and its space's managers see a company's, its owners set them up; a space's managers
alone see and set up the space's own (anyone else: not found)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from officina.accounts.access import access_phone_owner_by_slug, may_manage_phone_owner
from officina.core.errors import ErrorCode, OfficinaError

from .selectors import menu_of_owner

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.accounts.selectors import PhoneOwner

    from .models import Menu


def _not_found() -> OfficinaError:
    return OfficinaError(_("Menu not found."), ErrorCode.NOT_FOUND)


def may_manage_menus(member: Member, owner: PhoneOwner) -> bool:
    return may_manage_phone_owner(member, owner)


def access_menu_owner_by_slug(
    member: Member, slug: str, *, owner: str = "company", to_manage: bool = False
) -> PhoneOwner:
    """The company (``owner="company"``) or space (``"space"``) called ``slug``."""
    try:
        return access_phone_owner_by_slug(member, owner, slug, to_manage=to_manage)
    except OfficinaError:
        raise _not_found() from None


def access_menu_by_id(
    member: Member, slug: str, menu_id: int, *, owner: str = "company", to_manage: bool = False
) -> Menu:
    found = access_menu_owner_by_slug(member, slug, owner=owner, to_manage=to_manage)
    menu = menu_of_owner(found, menu_id)
    if menu is None:
        raise _not_found()
    return menu
