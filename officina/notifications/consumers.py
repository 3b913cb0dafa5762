"""WebSocket /ws/notifications/: each open page of a member receives new notifications."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from officina.notifications.live import member_group


class NotificationConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            # 4401: the page is not signed in; the client stops retrying after a reload.
            await self.close(code=4401)
            return
        self.group = member_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The channel is one-way: the page never has anything to tell us here.
        return

    async def notification_push(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "notification", **event["payload"]})
