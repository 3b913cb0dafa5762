"""The one path to events: community events are open to every member, space events to the
space's members; organizers and the space's managers may change them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from officina.accounts.access import is_space_manager
from officina.accounts.selectors import may_see_members, member_space_ids_query
from officina.core.errors import ErrorCode, OfficinaError

from .kinds import EventVisibility
from .models import Event

if TYPE_CHECKING:
    from officina.accounts.models import Member


def visible_events(member: Member) -> QuerySet[Event]:
    if not may_see_members(member):
        return Event.objects.none()
    if member.is_superuser:
        return Event.objects.all()
    my_spaces = member_space_ids_query(member)
    return Event.objects.filter(Q(visibility=EventVisibility.COMMUNITY) | Q(space_id__in=my_spaces))


def can_edit_event(member: Member, event: Event) -> bool:
    return member.is_authenticated and (
        event.organizer_id == member.pk or is_space_manager(member, event.space)
    )


def access_event_by_id(member: Member, event_id: int, *, to_edit: bool = False) -> Event:
    event = visible_events(member).select_related("space", "organizer").filter(pk=event_id).first()
    if event is None or (to_edit and not can_edit_event(member, event)):
        raise OfficinaError(_("Event not found."), ErrorCode.NOT_FOUND)
    return event
