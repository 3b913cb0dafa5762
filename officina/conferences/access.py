"""The one path to conference rooms. A company's: its people (and its space's managers)
see them and who is in them; its owners set them up and mute callers. A meeting room's
line: whoever may book the meeting room sees who is in it; the space's managers mute
callers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from officina.accounts.access import access_company_workings_by_slug, is_company_owner
from officina.bookings.access import access_resource_by_id, access_resource_to_manage
from officina.core.errors import ErrorCode, OfficinaError

from .selectors import meeting_room_line, room_of_company

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member
    from officina.bookings.models import Resource

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


def access_meeting_room_line(
    member: Member, resource_id: int, *, to_manage: bool = False
) -> tuple[Resource, Room]:
    """A meeting room and its conference line: for whoever may book the meeting room,
    or, ``to_manage``, for the managers of its space. A meeting room without a line is
    "not found" like one the member may not book."""
    try:
        resource = (
            access_resource_to_manage(member, resource_id)
            if to_manage
            else access_resource_by_id(member, resource_id, to_book=True)
        )
    except OfficinaError:
        raise _not_found() from None
    room = meeting_room_line(resource)
    if room is None:
        raise _not_found()
    return resource, room
