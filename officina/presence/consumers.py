"""WebSocket /ws/presence/<slug>/: arrivals and departures of one space, live.

Only members of the space may listen, and each listener hears about a member only
when that member lets them see their presence (``selectors.shown_to``, the rule of
the page). The consumer remembers whom it has shown, so a departure reaches only
those who saw the arrival, and a member who hides mid-session is dropped.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from officina.accounts.access import access_space_by_slug
from officina.accounts.selectors import presence_shown_to
from officina.core.errors import OfficinaError

from .live import space_group
from .selectors import present_member_ids


@database_sync_to_async  # type: ignore[untyped-decorator]
def _space_and_shown(user: Any, slug: str) -> tuple[int, set[int]] | None:
    try:
        space = access_space_by_slug(user, slug, as_member=True)
    except OfficinaError:
        return None
    return space.pk, present_member_ids(user, space)


@database_sync_to_async  # type: ignore[untyped-decorator]
def _may_see(user: Any, slug: str, member_id: int) -> bool:
    """Asked again for each arrival: the listener may have left the space since."""
    try:
        access_space_by_slug(user, slug, as_member=True)
    except OfficinaError:
        return False
    return presence_shown_to(user, member_id)


class SpacePresenceConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.slug = self.scope["url_route"]["kwargs"]["slug"]
        found = await _space_and_shown(user, self.slug)
        if found is None:
            # Same answer for "no such space" and "not a member of it".
            await self.close(code=4404)
            return
        space_id, self.shown = found
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
        member_id: int = event["member_id"]
        arrival = event["arrival"]
        if arrival is not None and await _may_see(self.scope["user"], self.slug, member_id):
            self.shown.add(member_id)
            await self.send_json({"event": "arrival", "member": arrival})
        elif member_id in self.shown:
            self.shown.discard(member_id)
            await self.send_json({"event": "departure", "member_id": member_id})

    async def presence_phone(self, event: dict[str, Any]) -> None:
        """A member went on a call or off it: told only to listeners the member lets
        see their presence (asked again: they may have hidden since)."""
        member_id: int = event["member_id"]
        if member_id in self.shown and await _may_see(self.scope["user"], self.slug, member_id):
            await self.send_json(
                {"event": "phone", "member_id": member_id, "on_call": bool(event["on_call"])}
            )
