"""WebSocket /ws/conferences/<company>/<room>/: who is in a conference room, live.

Only those who may see the room's page may listen; each message is the room's whole
list of callers."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from officina.core.errors import OfficinaError

from .access import access_room_by_id
from .live import room_group


@database_sync_to_async  # type: ignore[untyped-decorator]
def _room_id(user: Any, slug: str, room_id: int) -> int | None:
    try:
        return access_room_by_id(user, slug, room_id).pk
    except OfficinaError:
        return None


class RoomConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        kwargs = self.scope["url_route"]["kwargs"]
        room_id = await _room_id(user, kwargs["slug"], int(kwargs["room_id"]))
        if room_id is None:
            await self.close(code=4404)  # the same for "no such room" and "not yours"
            return
        self.group = room_group(room_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        return  # one-way: muting goes through the page's forms

    async def room_event(self, event: dict[str, Any]) -> None:
        await self.send_json({"participants": event["participants"]})
