"""Background jobs of bookings, run by the scheduler (``settings.PERIODIC_TASKS``)."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from .actions import (
    do_release_unclaimed_desks,
    do_send_booking_reminders,
    do_tell_who_searched,
    do_tell_who_waits_for_free_times,
)
from .invitations import send_invitations, send_removal


@task()
def send_booking_reminders() -> int:
    """Remind members of their bookings starting soon."""
    return do_send_booking_reminders()


@task()
def tell_who_waits_for_free_times() -> int:
    """Tell members that a time they were refused is free again, or that a slot fitting
    a search that found nothing is free."""
    return do_tell_who_waits_for_free_times() + do_tell_who_searched()


@task()
def release_unclaimed_desks() -> int:
    """Give back the desks booked for today and not claimed by the space's release time."""
    return do_release_unclaimed_desks()


@task()
def mail_booking_invitations(
    booking_id: int,
    guest_ids: list[int] | None,
    method: str,
    sequence: int,
    freed_day: str | None = None,
) -> int:
    """Send a booking's guests its invitation, update or cancellation (invitations.py);
    ``freed_day`` (ISO date): the update is that this day of it was freed."""
    freed = date.fromisoformat(freed_day) if freed_day else None
    return send_invitations(booking_id, guest_ids, method, sequence, freed_day=freed)


@task()
def mail_guest_removal(
    booking_id: int, email: str, name: str, member_id: int | None, sequence: int
) -> int:
    """Send a guest taken off a booking its cancellation (invitations.py)."""
    return send_removal(booking_id, email, name, member_id, sequence)
