"""Background jobs of bookings, run by the scheduler (``settings.PERIODIC_TASKS``)."""

from __future__ import annotations

from django_tasks import task

from .actions import (
    do_release_unclaimed_desks,
    do_send_booking_reminders,
    do_tell_who_waits_for_free_times,
)


@task()
def send_booking_reminders() -> int:
    """Remind members of their bookings starting soon."""
    return do_send_booking_reminders()


@task()
def tell_who_waits_for_free_times() -> int:
    """Tell members that a time they were refused is free again."""
    return do_tell_who_waits_for_free_times()


@task()
def release_unclaimed_desks() -> int:
    """Give back the desks booked for today and not claimed by the space's release time."""
    return do_release_unclaimed_desks()
