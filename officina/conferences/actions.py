"""Writes of conference rooms: the owners' settings; the PBX's record of who joins, who
mutes themselves and who leaves; the owners' mute. Every change of who is in a room is
pushed to its live page once committed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from officina.attendant.selectors import number_is_a_menu
from officina.bookings.kinds import ResourceKind
from officina.core.errors import ErrorCode, OfficinaError
from officina.pbx.selectors import extension_number_exists
from officina.ringgroups.kinds import NUMBER_MAX_DIGITS, NUMBER_MIN_DIGITS
from officina.ringgroups.selectors import number_is_a_ring_group
from officina.voicemail.kinds import Language

from .kinds import NAME_MAX_LENGTH, PIN_DIGITS
from .live import broadcast_room
from .models import Participant, Room
from .selectors import meeting_room_line, number_is_a_room

if TYPE_CHECKING:
    from officina.accounts.models import Company
    from officina.bookings.models import Resource


@dataclass
class RoomInput:
    name: str
    number: str
    pin: str = ""
    language: str = Language.ITALIAN


def check_save_room(company: Company, data: RoomInput, room: Room | None = None) -> Room:
    """A company's conference room, new or changed."""
    return _check_save(data, room or Room(company=company))


def check_save_meeting_room_line(resource: Resource, data: RoomInput) -> Room:
    """A space's meeting room's own conference room (its line), new or changed: whoever
    may book the meeting room may join. The caller checked that the member manages the
    space (``bookings.access.access_resource_to_manage``)."""
    if resource.kind != ResourceKind.ROOM:
        raise OfficinaError.invalid_input(
            _("Only a meeting room can have a conference line."), field="number"
        )
    room = meeting_room_line(resource) or Room(resource=resource)
    return _check_save(data, room)


def check_remove_meeting_room_line(resource: Resource) -> Room:
    """Take a meeting room's conference line away: its number no longer answers. The
    caller checked that the member manages the space. The line removed (no longer
    stored); "not found" when it has none."""
    room = meeting_room_line(resource)
    if room is None:
        raise OfficinaError(_("This meeting room has no conference line."), ErrorCode.NOT_FOUND)
    room_id = room.pk
    with transaction.atomic():
        room.delete()
        # Whoever keeps its live page open sees the call empty.
        _announce(room_id)
    return room


def _check_save(data: RoomInput, room: Room) -> Room:
    name = " ".join(data.name.split())
    if not name or len(name) > NAME_MAX_LENGTH:
        raise OfficinaError.invalid_input(
            _("Give the room a name of at most %(limit)s characters.") % {"limit": NAME_MAX_LENGTH},
            field="name",
        )
    number = data.number.strip()
    if not (number.isascii() and number.isdigit()) or not (
        NUMBER_MIN_DIGITS <= len(number) <= NUMBER_MAX_DIGITS
    ):
        raise OfficinaError.invalid_input(
            _("The number is %(min)s to %(max)s digits.")
            % {"min": NUMBER_MIN_DIGITS, "max": NUMBER_MAX_DIGITS},
            field="number",
        )
    if (
        extension_number_exists(number)
        or number_is_a_ring_group(number)
        or number_is_a_room(number, except_room=room if room.pk else None)
        or number_is_a_menu(number)
    ):
        raise OfficinaError.invalid_input(
            _("%(number)s is already taken: choose another number.") % {"number": number},
            field="number",
        )
    pin = data.pin.strip()
    if pin and not (pin.isascii() and pin.isdigit() and PIN_DIGITS[0] <= len(pin) <= PIN_DIGITS[1]):
        raise OfficinaError.invalid_input(
            _("The PIN is %(min)s to %(max)s digits, or empty for none.")
            % {"min": PIN_DIGITS[0], "max": PIN_DIGITS[1]},
            field="pin",
        )
    if data.language not in Language.values:
        raise OfficinaError.invalid_input(_("Italian or English."), field="language")
    room.name, room.number, room.pin, room.language = name, number, pin, data.language
    try:
        with transaction.atomic():
            room.save()
    except IntegrityError:
        raise OfficinaError.invalid_input(
            _("%(number)s is already taken: choose another number.") % {"number": number},
            field="number",
        ) from None
    return room


def do_delete_room(room: Room) -> None:
    room.delete()


def _announce(room_id: int) -> None:
    transaction.on_commit(lambda: broadcast_room(room_id))


def do_join(room_id: int, call_id: str, number: str, name: str, joined_at: datetime) -> None:
    with transaction.atomic():
        Participant.objects.update_or_create(
            call_id=call_id[:200],
            defaults={
                "room_id": room_id,
                "number": number[:64],
                "name": name[:200],
                "joined_at": joined_at,
            },
        )
        _announce(room_id)


def do_leave(room_id: int, call_id: str) -> None:
    with transaction.atomic():
        Participant.objects.filter(call_id=call_id[:200]).delete()
        _announce(room_id)


def do_set_self_muted(room_id: int, call_id: str, *, muted: bool) -> None:
    with transaction.atomic():
        Participant.objects.filter(call_id=call_id[:200]).update(muted_self=muted)
        _announce(room_id)


def check_owner_mute(room: Room, participant_id: int, *, muted: bool) -> None:
    with transaction.atomic():
        changed = Participant.objects.filter(room=room, pk=participant_id).update(
            muted_by_owner=muted
        )
        if not changed:
            raise OfficinaError(_("This caller has left the room."), ErrorCode.NOT_FOUND)
        _announce(room.pk)


def do_clear_participants() -> None:
    """At the PBX's start: calls of a previous run are over."""
    room_ids = set(Participant.objects.values_list("room_id", flat=True))
    Participant.objects.all().delete()
    for room_id in room_ids:
        broadcast_room(room_id)
