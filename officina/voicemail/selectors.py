"""Reads of voicemail: a member's messages, and what the PBX needs to take a call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.contrib.auth.hashers import check_password, make_password
from django.db.models import Count, Q, QuerySet

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


@dataclass(frozen=True, slots=True)
class ListenItem:
    """A message as the PBX reads it out to its owner on the phone."""

    message_id: int
    audio: Path
    heard: bool


def listening_queue(extension_id: int) -> list[ListenItem]:
    """The box's messages in the order they are read out: new ones oldest first, then
    the saved ones newest first."""
    messages = list(
        VoicemailMessage.objects.filter(box__extension_id=extension_id).only(
            "id", "audio", "heard_at", "received_at"
        )
    )
    new = sorted((m for m in messages if m.heard_at is None), key=lambda m: (m.received_at, m.pk))
    saved = sorted(
        (m for m in messages if m.heard_at is not None), key=lambda m: (m.received_at, m.pk)
    )
    return [
        ListenItem(m.pk, Path(m.audio.path), m.heard_at is not None) for m in [*new, *saved[::-1]]
    ]


def extension_by_pin(number: str, pin: str) -> int | None:
    """The extension id of mailbox ``number`` when ``pin`` is its PIN (for listening from
    another phone); None otherwise, the same whether the box, the PIN or both are wrong."""
    box = VoicemailBox.objects.filter(extension__number=number, extension__is_active=True).first()
    if box is None or not box.pin_hash:
        make_password(pin)  # the same work as a real check: the timing tells nothing
        return None
    return box.extension_id if check_password(pin, box.pin_hash) else None


def unheard_counts(extension_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(new, saved) message counts of the given extensions' boxes."""
    counts: dict[int, tuple[int, int]] = dict.fromkeys(extension_ids, (0, 0))
    rows = (
        VoicemailMessage.objects.filter(box__extension_id__in=extension_ids)
        .values("box__extension_id")
        .annotate(
            new=Count("id", filter=Q(heard_at__isnull=True)),
            saved=Count("id", filter=Q(heard_at__isnull=False)),
        )
    )
    for row in rows:
        counts[row["box__extension_id"]] = (row["new"], row["saved"])
    return counts
