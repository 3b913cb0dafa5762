"""Reads of conference rooms: a company's rooms, who is in one, and the rooms as the PBX
answers them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from officina.bookings.access import member_ids_who_may_book

from .models import Participant, Room

if TYPE_CHECKING:
    from officina.accounts.models import Company
    from officina.bookings.models import Resource


def company_rooms(company: Company) -> QuerySet[Room]:
    return Room.objects.filter(company=company).prefetch_related("participants")


def room_of_company(company: Company, room_id: int) -> Room | None:
    return company_rooms(company).filter(pk=room_id).first()


def room_numbered(number: str) -> Room | None:
    """The conference room whose extension is ``number`` (its meeting room read too), if any."""
    return Room.objects.filter(number=number).select_related("resource").first()


def number_is_a_room(number: str, *, except_room: Room | None = None) -> bool:
    rooms = Room.objects.filter(number=number)
    if except_room is not None:
        rooms = rooms.exclude(pk=except_room.pk)
    return rooms.exists()


def room_participants(room_id: int) -> list[Participant]:
    return list(Participant.objects.filter(room_id=room_id))


def meeting_room_line(resource: Resource) -> Room | None:
    """The conference room of a space's meeting room, if it has one."""
    return meeting_room_lines([resource.pk]).get(resource.pk)


def meeting_room_lines(resource_ids: Iterable[int]) -> dict[int, Room]:
    """resource id → its conference room, for those of ``resource_ids`` that have one."""
    rooms = Room.objects.filter(resource_id__in=list(resource_ids))
    return {room.resource_id: room for room in rooms if room.resource_id is not None}


@dataclass(frozen=True, slots=True)
class RoomPlan:
    room_id: int
    number: str
    pin: str
    language: str
    # Member ids who may join: a meeting room's line takes whoever may book the meeting
    # room. None: a company's room, which anyone of the community may dial (its PIN
    # is what keeps it private).
    may_join: frozenset[int] | None = None


def room_plans() -> dict[str, RoomPlan]:
    """Every room by its number: one query, and a few for each meeting room's line."""
    plans = {}
    for room in Room.objects.select_related("resource").prefetch_related(
        "resource__only_companies"
    ):
        may_join = None if room.resource is None else member_ids_who_may_book(room.resource)
        plans[room.number] = RoomPlan(room.pk, room.number, room.pin, room.language, may_join)
    return plans


def owner_muted_call_ids() -> frozenset[str]:
    return frozenset(
        Participant.objects.filter(muted_by_owner=True).values_list("call_id", flat=True)
    )
