"""iCalendar feeds (RFC 5545) of events, with the spaces' time zones included."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import icalendar
from django.urls import reverse
from django.utils import timezone

from officina.core.calendar_feeds import new_calendar

from .models import Event


def build_calendar(
    events: Iterable[Event], *, name: str, base_url: str, now: datetime | None = None
) -> bytes:
    now = now or timezone.now()
    events = list(events)
    calendar = new_calendar(product="Community events", name=name)
    zones = sorted({event.space.time_zone for event in events})
    if zones:
        calendar.add("x-wr-timezone", zones[0])
    for event in events:
        zone = event.space.zone
        entry = icalendar.Event()
        entry.add("uid", f"event-{event.pk}@officina")
        entry.add("dtstamp", now)
        entry.add("summary", event.title)
        # Local times with TZID, so that calendars keep "18:30 in Milano" across DST changes.
        entry.add("dtstart", event.starts_at.astimezone(zone))
        entry.add("dtend", event.ends_at.astimezone(zone))
        entry.add("last-modified", event.updated_at)
        location = ", ".join(
            part for part in (event.space.name, event.space.address, event.space.city) if part
        )
        entry.add("location", location)
        if event.description:
            entry.add("description", event.description)
        entry.add("url", f"{base_url}/events/{event.pk}/")
        if event.organizer is not None:
            # The organiser's profile, not their e-mail address: a feed is fetched by
            # calendar services and shared along with calendars, far beyond the community.
            profile = reverse("social:profile", args=[event.organizer.pk])
            organizer = icalendar.vCalAddress(f"{base_url}{profile}")
            organizer.params["cn"] = icalendar.vText(event.organizer.display_name)
            entry.add("organizer", organizer)
        calendar.add_component(entry)
    # VTIMEZONE components for every TZID used, as RFC 5545 requires, spanning only the
    # years the feed covers (the default span since 1970 makes every fetch heavy).
    if events:
        first = min(event.starts_at for event in events).date().replace(month=1, day=1)
        last = max(event.ends_at for event in events).date().replace(month=12, day=31)
        calendar.add_missing_timezones(first_date=first, last_date=last + timedelta(days=1))
    return bytes(calendar.to_ical())
