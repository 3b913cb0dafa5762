"""Live "who is in the conference": one Channels group per room; each change sends the
whole list (a room holds a handful of callers), and the page redraws it."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from .selectors import room_participants


def room_group(room_id: int) -> str:
    return f"conferences.room.{room_id}"


def participants_payload(room_id: int) -> list[dict[str, Any]]:
    return [
        {
            "id": person.pk,
            "number": person.number,
            "name": person.name,
            "since": person.joined_at.isoformat(),
            "muted_self": person.muted_self,
            "muted_by_owner": person.muted_by_owner,
        }
        for person in room_participants(room_id)
    ]


def broadcast_room(room_id: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(
        room_group(room_id),
        {"type": "room.event", "participants": participants_payload(room_id)},
    )
