"""Channels group names and pushes for live notification badges."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def member_group(member_id: int) -> str:
    return f"notifications.member.{member_id}"


def push_to_member(member_id: int, payload: dict[str, Any]) -> None:
    """Send ``payload`` to every open page of the member (called after commit)."""
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(
        member_group(member_id), {"type": "notification.push", "payload": payload}
    )
