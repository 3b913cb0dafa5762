"""When and where two introduced members could meet: now, when both are checked in at the
same space (and each may see the other there); else the first day both have bookings in
the same space, when the later of the two arrives."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from officina.bookings.selectors import member_bookings
from officina.presence.kinds import CheckInKind
from officina.presence.selectors import current_check_in, present_member_ids

if TYPE_CHECKING:
    from officina.accounts.models import Member, Space
    from officina.bookings.models import Booking

# "Now" is a quarter of an hour from now, on the quarter: time to finish a sentence.
NOW_MARGIN = timedelta(minutes=15)
QUARTER = 15
# Bookings this far ahead are read; a meeting weeks away is no suggestion.
LOOK_AHEAD = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class Slot:
    space: Space
    at: datetime


def _soon(now: datetime) -> datetime:
    soon = now + NOW_MARGIN
    hour = soon.replace(minute=0, second=0, microsecond=0)
    quarters = math.ceil((soon - hour) / timedelta(minutes=QUARTER))
    return hour + quarters * timedelta(minutes=QUARTER)


def _day(booking: Booking) -> date:
    # The day where the space is, not where the server is.
    return timezone.localtime(booking.starts_at, booking.resource.space.zone).date()


def meeting_slot(one: Member, other: Member, *, now: datetime | None = None) -> Slot | None:
    now = now or timezone.now()
    here = current_check_in(one, now=now)
    if (
        here is not None
        and here.kind == CheckInKind.ON_SITE
        and other.pk in present_member_ids(one, here.space, now=now)
        and one.pk in present_member_ids(other, here.space, now=now)
    ):
        there = current_check_in(other, now=now)
        if there is not None and there.kind == CheckInKind.ON_SITE:
            return Slot(here.space, _soon(now))
    until = now + LOOK_AHEAD
    days: dict[tuple[int, date], datetime] = {}
    for booking in member_bookings(one, now=now).filter(starts_at__lt=until):
        key = (booking.resource.space_id, _day(booking))
        days.setdefault(key, booking.starts_at)
    best: Slot | None = None
    for booking in member_bookings(other, now=now).filter(starts_at__lt=until):
        key = (booking.resource.space_id, _day(booking))
        if key in days:
            at = max(days[key], booking.starts_at, now)
            if best is None or at < best.at:
                best = Slot(booking.resource.space, at)
    return best
