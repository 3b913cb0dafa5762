"""WebSocket /ws/messages/: a member's open pages receive their new direct messages."""

from __future__ import annotations

from typing import Any

from officina.notifications.consumers import MemberPushConsumer
from officina.social.live import member_group


class MessagesConsumer(MemberPushConsumer):
    def group_for(self, member_id: int) -> str:
        return member_group(member_id)

    async def message_push(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])
