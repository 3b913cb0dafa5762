"""Reads of voicemail: a member's messages, and what the PBX needs to take a call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from .kinds import RING_SECONDS_DEFAULT
from .models import VoicemailBox, VoicemailMessage

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.pbx.models import Extension


def box_of(extension: Extension) -> VoicemailBox | None:
    return VoicemailBox.objects.filter(extension=extension).first()


def member_messages(member: Member) -> QuerySet[VoicemailMessage]:
    """The messages in the member's box, newest first."""
    return VoicemailMessage.objects.filter(box__extension__member=member).order_by(
        "-received_at", "-id"
    )


def unheard_count(extension_id: int) -> int:
    return VoicemailMessage.objects.filter(
        box__extension_id=extension_id, heard_at__isnull=True
    ).count()


@dataclass(frozen=True, slots=True)
class BoxPlan:
    """How the PBX takes an unanswered call to one extension."""

    extension_id: int
    enabled: bool = True
    ring_seconds: int = RING_SECONDS_DEFAULT
    language: str = "it"
    greeting: Path | None = None  # None: the standard greeting in ``language``


def box_plans() -> dict[int, BoxPlan]:
    """The plan of every extension that has a box (the others have the defaults)."""
    plans = {}
    for box in VoicemailBox.objects.only(
        "extension_id", "enabled", "ring_seconds", "language", "greeting"
    ):
        greeting = Path(box.greeting.path) if box.greeting else None
        plans[box.extension_id] = BoxPlan(
            box.extension_id, box.enabled, box.ring_seconds, box.language, greeting
        )
    return plans
