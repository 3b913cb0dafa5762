"""WebSocket /ws/conferences/<company>/<room>/ (a company's room) and
/ws/meeting-rooms/<resource>/call/ (a meeting room's line): who is in the call, live.

Only those who may see the room's page may listen; each message is the room's whole
list of callers, the first one sent as soon as the listener is connected."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from officina.core.errors import OfficinaError

from .access import access_meeting_room_line, access_room_by_id
from .live import participants_payload, room_group

_payload = database_sync_to_async(participants_payload)


@database_sync_to_async  # type: ignore[untyped-decorator]
def _company_room_id(user: Any, kwargs: dict[str, Any]) -> int | None:
    try:
        return access_room_by_id(user, kwargs["slug"], int(kwargs["room_id"])).pk
    except OfficinaError:
        return None


@database_sync_to_async  # type: ignore[untyped-decorator]
def _meeting_room_line_id(user: Any, kwargs: dict[str, Any]) -> int | None:
    try:
        _resource, room = access_meeting_room_line(user, int(kwargs["resource_id"]))
    except OfficinaError:
        return None
    return room.pk


class RoomConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """A company's room; ``MeetingRoomConsumer`` a meeting room's line."""

    group: str | None = None

    async def room_id(self, user: Any, kwargs: dict[str, Any]) -> int | None:
        """The room the address names, if this user may see it."""
        return await _company_room_id(user, kwargs)  # type: ignore[no-any-return]

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        room_id = await self.room_id(user, self.scope["url_route"]["kwargs"])
        if room_id is None:
            await self.close(code=4404)  # the same for "no such room" and "not yours"
            return
        self.group = room_group(room_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        # Who is in the call now: whoever joined or left between the page's rendering
        # and this connection (or during a reconnection) would be missed otherwise.
        await self.send_json({"participants": await _payload(room_id)})

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        return  # one-way: muting goes through the page's forms

    async def room_event(self, event: dict[str, Any]) -> None:
        await self.send_json({"participants": event["participants"]})


class MeetingRoomConsumer(RoomConsumer):
    """A meeting room's line: whoever may book the meeting room listens."""

    async def room_id(self, user: Any, kwargs: dict[str, Any]) -> int | None:
        return await _meeting_room_line_id(user, kwargs)  # type: ignore[no-any-return]
