"""WebSocket /ws/notifications/: each open page of a member receives new notifications."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from officina.notifications.live import member_group


class MemberPushConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """A one-way channel to every open page of the signed-in member.

    Subclasses say which channel-layer group carries a member's events; the
    handlers for those events forward them to the page.
    """

    group: str | None = None

    def group_for(self, member_id: int) -> str:
        raise NotImplementedError

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            # 4401: the page is not signed in; the client stops retrying after a reload.
            await self.close(code=4401)
            return
        self.group = self.group_for(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The page never writes here: changes go through authenticated, CSRF-checked POSTs.
        return


class NotificationConsumer(MemberPushConsumer):
    def group_for(self, member_id: int) -> str:
        return member_group(member_id)

    async def notification_push(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "notification", **event["payload"]})
