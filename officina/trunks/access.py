"""The one path to the trunks, numbers and outbound permissions of a company or a space.

A company's owners set them up; its people and the managers of its space see them. A
space's managers set up and see the space's own. Nobody sees a trunk's password, which
no page nor answer of the API shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from officina.accounts.access import (
    access_company_workings_by_slug,
    access_phone_owner_by_slug,
    may_manage_phone_owner,
)
from officina.core.errors import ErrorCode, OfficinaError

from .selectors import number_of_owner, trunk_of_owner

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member
    from officina.accounts.selectors import PhoneOwner

    from .models import PhoneNumber, Trunk


def _not_found() -> OfficinaError:
    return OfficinaError(_("Trunk or number not found."), ErrorCode.NOT_FOUND)


def may_manage_trunks(member: Member, owner: PhoneOwner) -> bool:
    return may_manage_phone_owner(member, owner)


def access_trunk_owner_by_slug(
    member: Member, slug: str, *, owner: str = "company", to_manage: bool = False
) -> PhoneOwner:
    """The company (``owner="company"``) or space (``"space"``) called ``slug``."""
    try:
        return access_phone_owner_by_slug(member, owner, slug, to_manage=to_manage)
    except OfficinaError:
        raise _not_found() from None


def access_trunks_by_company_slug(member: Member, slug: str, *, to_manage: bool = False) -> Company:
    try:
        return access_company_workings_by_slug(member, slug, to_manage=to_manage)
    except OfficinaError:
        raise _not_found() from None


def access_trunk_by_id(
    member: Member, slug: str, trunk_id: int, *, owner: str = "company", to_manage: bool = False
) -> Trunk:
    found = access_trunk_owner_by_slug(member, slug, owner=owner, to_manage=to_manage)
    trunk = trunk_of_owner(found, trunk_id)
    if trunk is None:
        raise _not_found()
    return trunk


def access_number_by_id(
    member: Member, slug: str, number_id: int, *, owner: str = "company", to_manage: bool = False
) -> PhoneNumber:
    found = access_trunk_owner_by_slug(member, slug, owner=owner, to_manage=to_manage)
    number = number_of_owner(found, number_id)
    if number is None:
        raise _not_found()
    return number
