"""A member's bookings as an iCalendar feed (RFC 5545), in the spaces' time zones.

The feed is fetched without a session from a secret address, so it says no more than
the member needs in their own calendar: no organiser, no e-mail address of anyone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import icalendar
from django.utils import timezone

from officina.core.calendar_feeds import new_calendar

from .kinds import BookingStatus
from .models import Booking


def bookings_calendar(
    bookings: Iterable[Booking], *, name: str, base_url: str, now: datetime | None = None
) -> bytes:
    now = now or timezone.now()
    bookings = list(bookings)
    calendar = new_calendar(product="Bookings", name=name)
    for booking in bookings:
        resource, space = booking.resource, booking.resource.space
        entry = icalendar.Event()
        entry.add("uid", f"booking-{booking.pk}@officina")
        entry.add("dtstamp", now)
        entry.add("summary", booking.title or resource.name)
        # Local times with TZID: "10:00 in Milano" stays 10:00 across DST changes.
        entry.add("dtstart", booking.starts_at.astimezone(space.zone))
        entry.add("dtend", booking.ends_at.astimezone(space.zone))
        entry.add("last-modified", booking.updated_at)
        entry.add("location", ", ".join(p for p in (resource.name, space.name, space.address) if p))
        entry.add("status", "TENTATIVE" if booking.status == BookingStatus.PENDING else "CONFIRMED")
        entry.add("url", f"{base_url}/bookings/resources/{resource.pk}/")
        calendar.add_component(entry)
    if bookings:
        first = min(b.starts_at for b in bookings).date().replace(month=1, day=1)
        last = max(b.ends_at for b in bookings).date().replace(month=12, day=31)
        calendar.add_missing_timezones(first_date=first, last_date=last + timedelta(days=1))
    return bytes(calendar.to_ical())
