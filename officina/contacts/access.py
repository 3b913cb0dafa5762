"""The one path to a company's address book.

Its people read it (their phones name callers from it), its owners keep it, and
the manager of the space the company is based at sees it as well. Everyone else
gets the same "not found" as for a company that does not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from officina.accounts.access import (
    access_company_workings_by_slug,
    is_company_owner,
    sees_company_workings,
)
from officina.core.errors import ErrorCode, OfficinaError

from .selectors import contact_of_company

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member

    from .models import Contact


def _not_found() -> OfficinaError:
    return OfficinaError(_("Address book not found."), ErrorCode.NOT_FOUND)


def may_manage_contacts(member: Member, company: Company) -> bool:
    return is_company_owner(member, company)


def may_read_contacts(member: Member, company: Company) -> bool:
    return sees_company_workings(member, company)


def access_contacts_by_company_slug(
    member: Member, slug: str, *, to_manage: bool = False
) -> Company:
    """The company whose address book ``member`` may read (or, ``to_manage``, change)."""
    try:
        return access_company_workings_by_slug(member, slug, to_manage=to_manage)
    except OfficinaError:
        raise _not_found() from None


def access_contact_by_id(
    member: Member, slug: str, contact_id: int, *, to_manage: bool = False
) -> Contact:
    company = access_contacts_by_company_slug(member, slug, to_manage=to_manage)
    contact = contact_of_company(company, contact_id)
    if contact is None:
        raise OfficinaError(_("Contact not found."), ErrorCode.NOT_FOUND)
    return contact
