"""Channels groups for direct messages: one group per member, joined by each open page."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def member_group(member_id: int) -> str:
    return f"messages.member.{member_id}"


def push_to_members(member_ids: list[int], payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    send = async_to_sync(layer.group_send)
    for member_id in member_ids:
        send(member_group(member_id), {"type": "message.push", "payload": payload})
