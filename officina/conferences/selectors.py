"""Reads of conference rooms: a company's rooms, who is in one, and the rooms as the PBX
answers them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from .models import Participant, Room

if TYPE_CHECKING:
    from officina.accounts.models import Company


def company_rooms(company: Company) -> QuerySet[Room]:
    return Room.objects.filter(company=company).prefetch_related("participants")


def room_of_company(company: Company, room_id: int) -> Room | None:
    return company_rooms(company).filter(pk=room_id).first()


def number_is_a_room(number: str, *, except_room: Room | None = None) -> bool:
    rooms = Room.objects.filter(number=number)
    if except_room is not None:
        rooms = rooms.exclude(pk=except_room.pk)
    return rooms.exists()


def room_participants(room_id: int) -> list[Participant]:
    return list(Participant.objects.filter(room_id=room_id))


@dataclass(frozen=True, slots=True)
class RoomPlan:
    room_id: int
    number: str
    pin: str
    language: str


def room_plans() -> dict[str, RoomPlan]:
    """Every room by its number. One query."""
    return {
        room.number: RoomPlan(room.pk, room.number, room.pin, room.language)
        for room in Room.objects.all()
    }


def owner_muted_call_ids() -> frozenset[str]:
    return frozenset(
        Participant.objects.filter(muted_by_owner=True).values_list("call_id", flat=True)
    )
