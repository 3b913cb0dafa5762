"""How a member is named where others see them, from the columns alone: for readers that
take plain rows rather than ``Member`` instances (a space's day names hundreds)."""

from __future__ import annotations


def shown_name(first_name: str, last_name: str, email: str) -> str:
    """Their full name, else the part of their address before the @."""
    return f"{first_name} {last_name}".strip() or email.split("@", 1)[0]
