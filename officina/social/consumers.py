"""WebSocket /ws/messages/: a member's open pages receive their new direct messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone, translation

from officina.core.moments import shown_moment
from officina.notifications.consumers import MemberPushConsumer
from officina.social.live import member_group


class MessagesConsumer(MemberPushConsumer):
    def group_for(self, member_id: int) -> str:
        return member_group(member_id)

    async def message_push(self, event: dict[str, Any]) -> None:
        payload = dict(event["payload"])
        if "created_at" in payload:
            # Written here, in this page's language, as the page writes the older ones.
            with translation.override(self.language), timezone.override(self.zone):
                payload["created_at_shown"] = shown_moment(
                    datetime.fromisoformat(payload["created_at"])
                )
        await self.send_json(payload)
