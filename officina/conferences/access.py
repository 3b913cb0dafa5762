"""The one path to a company's conference rooms: its people (and its space's managers)
see them and who is in them; its owners set them up and mute callers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from officina.accounts.access import access_company_workings_by_slug, is_company_owner
from officina.core.errors import ErrorCode, OfficinaError

from .selectors import room_of_company

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member

    from .models import Room


def _not_found() -> OfficinaError:
    return OfficinaError(_("Conference room not found."), ErrorCode.NOT_FOUND)


def may_manage_rooms(member: Member, company: Company) -> bool:
    return is_company_owner(member, company)


def access_rooms_by_company_slug(member: Member, slug: str, *, to_manage: bool = False) -> Company:
    try:
        return access_company_workings_by_slug(member, slug, to_manage=to_manage)
    except OfficinaError:
        raise _not_found() from None


def access_room_by_id(member: Member, slug: str, room_id: int, *, to_manage: bool = False) -> Room:
    company = access_rooms_by_company_slug(member, slug, to_manage=to_manage)
    room = room_of_company(company, room_id)
    if room is None:
        raise _not_found()
    return room
