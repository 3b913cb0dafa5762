"""Create, change and cancel events; answer invitations within the event's capacity."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from officina.accounts.access import is_space_member
from officina.accounts.selectors import visible_members
from officina.core.errors import ErrorCode, OfficinaError

from .access import can_edit_event
from .kinds import EventVisibility, RSVPStatus
from .models import RSVP, CalendarFeedToken, Event

if TYPE_CHECKING:
    from officina.accounts.models import Member, Space

MAX_EVENT_LENGTH = timedelta(days=14)


def _validate(
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int | None,
    visibility: str,
) -> str:
    title = title.strip()
    if not title:
        raise OfficinaError.invalid_input(_("An event needs a title."), field="title")
    if len(title) > 160:
        raise OfficinaError.invalid_input(
            _("The title is too long (160 characters at most)."), field="title"
        )
    if ends_at <= starts_at:
        raise OfficinaError.invalid_input(_("The event must end after it starts."), field="ends_at")
    if ends_at - starts_at > MAX_EVENT_LENGTH:
        raise OfficinaError.invalid_input(_("An event lasts two weeks at most."), field="ends_at")
    if capacity is not None and capacity < 1:
        raise OfficinaError.invalid_input(_("The capacity must be at least 1."), field="capacity")
    if visibility not in EventVisibility.values:
        raise OfficinaError.invalid_input(_("Unknown visibility."), field="visibility")
    return title


def check_create_event(
    organizer: Member,
    space: Space,
    *,
    title: str,
    description: str = "",
    starts_at: datetime,
    ends_at: datetime,
    capacity: int | None = None,
    visibility: str = EventVisibility.COMMUNITY,
    now: datetime | None = None,
) -> Event:
    """Members of a space organize events there; the organizer is going."""
    now = now or timezone.now()
    if not is_space_member(organizer, space):
        raise OfficinaError(_("Space not found."), ErrorCode.NOT_FOUND)
    title = _validate(
        title=title, starts_at=starts_at, ends_at=ends_at, capacity=capacity, visibility=visibility
    )
    if starts_at < now:
        raise OfficinaError.invalid_input(_("That time has already passed."), field="starts_at")
    with transaction.atomic():
        event = Event.objects.create(
            space=space,
            title=title,
            description=description.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            organizer=organizer,
            capacity=capacity,
            visibility=visibility,
        )
        RSVP.objects.create(event=event, member=organizer, status=RSVPStatus.GOING)
    return event


def check_update_event(
    actor: Member,
    event: Event,
    *,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int | None,
    visibility: str,
) -> Event:
    if not can_edit_event(actor, event):
        raise OfficinaError(_("Event not found."), ErrorCode.NOT_FOUND)
    event.title = _validate(
        title=title, starts_at=starts_at, ends_at=ends_at, capacity=capacity, visibility=visibility
    )
    with transaction.atomic():
        going = RSVP.objects.filter(event=event, status=RSVPStatus.GOING).count()
        if capacity is not None and capacity < going:
            raise OfficinaError.invalid_input(
                _("%(count)s people are already going: the capacity cannot be lower.")
                % {"count": going},
                field="capacity",
            )
        moved = (starts_at, ends_at) != (event.starts_at, event.ends_at)
        event.description = description.strip()
        event.starts_at, event.ends_at = starts_at, ends_at
        event.capacity, event.visibility = capacity, visibility
        event.save()
        if moved:
            _tell_attendees(
                event,
                actor,
                "events.moved",
                gettext_noop("“%(title)s” has moved to %(when)s."),
                reverse("events:detail", args=[event.pk]),
            )
    return event


def _tell_attendees(event: Event, actor: Member, kind: str, message: str, url: str) -> None:
    """Notify those going or maybe going; each reads it in their own language."""
    from officina.notifications.actions import do_notify

    attendees = (
        visible_members()
        .filter(rsvps__event=event, rsvps__status__in=[RSVPStatus.GOING, RSVPStatus.MAYBE])
        .exclude(pk=actor.pk)
    )
    params: dict[str, str | datetime] = {
        "title": event.title,
        "when": timezone.localtime(event.starts_at, event.space.zone),
    }
    for attendee in attendees:
        do_notify(attendee, kind, actor=actor, text=message, url=url, params=params)


def check_cancel_event(actor: Member, event: Event) -> None:
    """Cancel an event; whoever was going (or maybe) hears about it."""
    if not can_edit_event(actor, event):
        raise OfficinaError(_("Event not found."), ErrorCode.NOT_FOUND)
    with transaction.atomic():
        if event.ends_at > timezone.now():
            _tell_attendees(
                event,
                actor,
                "events.cancelled",
                gettext_noop("“%(title)s” (%(when)s) is cancelled."),
                reverse("events:list"),
            )
        event.delete()


def check_rsvp(member: Member, event: Event, status: str, *, now: datetime | None = None) -> RSVP:
    """Answer an event. "Going" counts against the capacity under a row lock on the event,
    so two people cannot take the last place at once."""
    now = now or timezone.now()
    if status not in RSVPStatus.values:
        raise OfficinaError.invalid_input(_("Unknown answer."), field="status")
    if event.ends_at < now:
        raise OfficinaError(_("This event is over."), ErrorCode.CONFLICT)
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        existing = RSVP.objects.filter(event=locked, member=member).first()
        if (
            status == RSVPStatus.GOING
            and locked.capacity is not None
            and (existing is None or existing.status != RSVPStatus.GOING)
        ):
            going = RSVP.objects.filter(event=locked, status=RSVPStatus.GOING).count()
            if going >= locked.capacity:
                raise OfficinaError(_("Sorry, the event is full."), ErrorCode.CONFLICT)
        if existing is None:
            return RSVP.objects.create(event=locked, member=member, status=status)
        existing.status = status
        existing.save(update_fields=["status", "updated_at"])
        return existing


def feed_token(member: Member) -> str:
    """The member's events calendar secret, made on first use."""
    return CalendarFeedToken.secret_of(member)


def do_regenerate_feed_token(member: Member) -> str:
    """A new secret; the old events calendar address stops working at once."""
    return CalendarFeedToken.regenerate(member)
