"""Bookings as an iCalendar feed (RFC 5545), in the spaces' time zones: a member's own,
or a resource's.

A feed is fetched without a session from a secret address, so it says no more than its
reader needs: no organiser, no e-mail address of anyone. A member's feed names each
booking by its title; a resource's feed, read by anyone who may book the resource, names
each by its booker's shown name, as the resource's day page does, and never its title."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import icalendar
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from officina.core.calendar_feeds import new_calendar

from .kinds import BookingStatus
from .models import Booking, Resource


def own_summary(booking: Booking) -> str:
    """What a member's own calendar calls their booking."""
    return booking.title or booking.resource.name


def booker_summary(booking: Booking) -> str:
    """What a resource's calendar calls a booking: who holds it (``member`` read with it)."""
    return booking.member.display_name


def bookings_calendar(
    bookings: Iterable[Booking],
    *,
    name: str,
    base_url: str,
    summary: Callable[[Booking], str] = own_summary,
    now: datetime | None = None,
) -> bytes:
    now = now or timezone.now()
    bookings = list(bookings)
    calendar = new_calendar(product="Bookings", name=name)
    for booking in bookings:
        resource, space = booking.resource, booking.resource.space
        entry = icalendar.Event()
        entry.add("uid", f"booking-{booking.pk}@officina")
        entry.add("dtstamp", now)
        entry.add("summary", summary(booking))
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


def resource_feed_address(request: HttpRequest, resource: Resource) -> str:
    """The full address of the resource's calendar, secret included: for those who may
    book it only."""
    return request.build_absolute_uri(reverse("bookings:resource_feed", args=[resource.feed_token]))
