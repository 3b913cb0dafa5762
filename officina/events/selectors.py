"""Reads of events: upcoming lists, attendance, and what goes into calendar feeds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .access import visible_events
from .kinds import RSVPStatus
from .models import RSVP, Event

if TYPE_CHECKING:
    from officina.accounts.models import Member, Space


def upcoming_events(
    member: Member, *, space: Space | None = None, now: datetime | None = None
) -> QuerySet[Event]:
    """Events not yet over, with the number of people going (one query)."""
    now = now or timezone.now()
    events = visible_events(member).filter(ends_at__gte=now)
    if space is not None:
        events = events.filter(space=space)
    return (
        events.select_related("space", "organizer")
        .annotate(going_count=Count("rsvps", filter=Q(rsvps__status=RSVPStatus.GOING)))
        .order_by("starts_at", "id")
    )


def my_upcoming_events(
    member: Member, *, now: datetime | None = None, limit: int = 5
) -> list[Event]:
    """What the member said they go to (or might), soonest first."""
    now = now or timezone.now()
    return list(
        visible_events(member)
        .filter(
            ends_at__gte=now,
            rsvps__member=member,
            rsvps__status__in=[RSVPStatus.GOING, RSVPStatus.MAYBE],
        )
        .select_related("space")
        .order_by("starts_at", "id")[:limit]
    )


def going_count(event: Event) -> int:
    return RSVP.objects.filter(event=event, status=RSVPStatus.GOING).count()


def attendees(event: Event) -> dict[str, list[Member]]:
    result: dict[str, list[Member]] = {status: [] for status in RSVPStatus.values}
    for rsvp in (
        RSVP.objects.filter(event=event)
        .select_related("member")
        .order_by("member__first_name", "member__last_name")
    ):
        result[rsvp.status].append(rsvp.member)
    return result


def rsvp_status(member: Member, event: Event) -> str | None:
    return RSVP.objects.filter(event=event, member=member).values_list("status", flat=True).first()


def feed_events(
    member: Member, *, space: Space | None = None, now: datetime | None = None
) -> list[Event]:
    """What a calendar feed shows, from a month ago on: the member's own events (those
    they organise or go to, or may go to), or, for a ``space``, every event of it they
    may see."""
    now = now or timezone.now()
    events = visible_events(member).filter(ends_at__gte=now - timedelta(days=30))
    if space is not None:
        events = events.filter(space=space)
    else:
        answered = RSVP.objects.filter(
            member=member, status__in=[RSVPStatus.GOING, RSVPStatus.MAYBE]
        ).values("event_id")
        events = events.filter(Q(organizer=member) | Q(pk__in=answered))
    return list(events.select_related("space", "organizer").order_by("starts_at", "id")[:500])


def events_by_ids(event_ids: Sequence[int]) -> dict[int, Event]:
    """Events by id with their space, whoever may see them: for a caller that decided
    already who may (a project shows its linked events to its people)."""
    events = Event.objects.filter(pk__in=list(event_ids)).select_related("space")
    return {event.pk: event for event in events}
