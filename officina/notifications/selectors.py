"""Reads of notifications: the unread count, a member's list, digest candidates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from officina.accounts.selectors import visible_members
from officina.notifications.kinds import DigestFrequency
from officina.notifications.models import DigestPreference, Notification

if TYPE_CHECKING:
    from officina.accounts.models import Member


def unread_count(member: Member) -> int:
    return Notification.objects.filter(recipient=member, read_at__isnull=True).count()


def notifications_for(member: Member) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=member).select_related("actor")


def digest_frequency_of(member: Member) -> str:
    preference = DigestPreference.objects.filter(member=member).first()
    return preference.frequency if preference else DigestFrequency.WEEKLY


def unread_since_each(since: Mapping[int, datetime | None], limit: int) -> QuerySet[Notification]:
    """The newest ``limit`` unread notifications of each member in ``since`` (by id) newer
    than that member's moment (all unread ones where it is None), newest first, in one
    statement: each member's branch reads ``notif_recipient_recent``."""
    if not since:
        return Notification.objects.none()
    newer = Q(recipient_id__in=[pk for pk, moment in since.items() if moment is None])
    for pk, moment in since.items():
        if moment is not None:
            newer |= Q(recipient_id=pk, created_at__gt=moment)
    newest_first = (F("created_at").desc(), F("id").desc())
    rank = Window(RowNumber(), partition_by=F("recipient_id"), order_by=newest_first)
    return (
        Notification.objects.filter(newer, read_at__isnull=True)
        .annotate(rank=rank)
        .filter(rank__lte=limit)
        .select_related("actor")
        .order_by("recipient_id", "-created_at", "-id")
    )


def members_due_for_digest(frequency: str, not_sent_since: datetime) -> QuerySet[Member]:
    """Active members on ``frequency`` with unread notifications and no digest since then.

    Members who never chose a frequency follow the default (weekly).
    """
    unread = Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
    members = visible_members().filter(Exists(unread))
    if frequency == DigestFrequency.WEEKLY:
        members = members.exclude(
            digest_preference__frequency__in=[DigestFrequency.NEVER, DigestFrequency.DAILY]
        )
    else:
        members = members.filter(digest_preference__frequency=frequency)
    members = members.exclude(digest_preference__last_sent_at__gte=not_sent_since)
    return members.order_by("pk")


def has_unread(recipient: Member, kind: str, url: str) -> bool:
    """Whether ``recipient`` still has an unread notification of ``kind`` for ``url``.

    Lets chatty sources (a conversation) notify once until the member looks.
    """
    return Notification.objects.filter(
        recipient=recipient, kind=kind, url=url, read_at__isnull=True
    ).exists()


def notification_by_id(notification_id: int) -> Notification | None:
    return Notification.objects.select_related("recipient").filter(pk=notification_id).first()
