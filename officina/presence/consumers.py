"""WebSocket /ws/presence/<slug>/: arrivals and departures of one space, live.

Only members of the space may listen; the page applies each event to its list.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from officina.accounts.access import access_space_by_slug
from officina.core.errors import OfficinaError

from .live import space_group


@database_sync_to_async  # type: ignore[untyped-decorator]
def _space_id_for(user: Any, slug: str) -> int | None:
    try:
        return access_space_by_slug(user, slug, as_member=True).pk
    except OfficinaError:
        return None


class SpacePresenceConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        space_id = await _space_id_for(user, self.scope["url_route"]["kwargs"]["slug"])
        if space_id is None:
            # Same answer for "no such space" and "not a member of it".
            await self.close(code=4404)
            return
        self.group = space_group(space_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # One-way channel: check-ins go through the page's forms, never this socket.
        return

    async def presence_event(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])
