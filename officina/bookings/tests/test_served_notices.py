"""Nobody but ``officina serve``'s scheduler and task worker reminds a member of a
booking starting soon, tells another that the time they asked for is free again, and
releases a desk nobody claimed by the space's release time."""

from __future__ import annotations

import time as clock
from datetime import time, timedelta

import pytest
from django.utils import timezone

from officina.bookings.actions import (
    check_book,
    check_cancel,
    check_create_resource,
    check_set_desk_release,
    check_watch_free_again,
)
from officina.bookings.kinds import BookingStatus
from officina.notifications.selectors import notifications_for

pytestmark = pytest.mark.slow


def test_the_run_command_sends_reminders_and_free_again_notices_by_itself(
    serve, giulia, marco, luca, navigli
):
    local_now = timezone.localtime(timezone.now(), navigli.zone)
    if local_now.time() > time(22, 30):
        pytest.skip("the bookings below must fit in today's opening hours")
    studio = check_create_resource(
        luca, navigli, name="Studio", kind="room",
        hours={weekday: (time(0, 0), time(23, 59)) for weekday in range(7)},
    )  # fmt: skip
    start = (local_now + timedelta(minutes=10)).replace(second=0, microsecond=0)
    check_book(giulia, studio, starts_at=start, ends_at=start + timedelta(minutes=30))
    later = start + timedelta(minutes=40)
    held = check_book(marco, studio, starts_at=later, ends_at=later + timedelta(minutes=20))
    check_watch_free_again(giulia, studio, starts_at=later, ends_at=later + timedelta(minutes=20))
    check_cancel(marco, held)

    # One web worker: the scheduler and the task worker do the work here.
    with serve(workers=1):
        deadline = clock.monotonic() + 90
        kinds: list[str] = []
        while clock.monotonic() < deadline and len(kinds) < 2:
            kinds = sorted(
                notifications_for(giulia)
                .filter(kind__startswith="bookings.")
                .values_list("kind", flat=True)
            )
            clock.sleep(0.5)
    assert kinds == ["bookings.free_again", "bookings.reminder"]
    assert not notifications_for(marco).filter(kind__startswith="bookings.").exists()


def test_the_run_command_releases_an_unclaimed_desk_by_itself(serve, giulia, luca, navigli):
    now = timezone.now()
    local_now = timezone.localtime(now, navigli.zone)
    if not time(0, 40) < local_now.time() < time(22, 30):
        pytest.skip("the desk below must be booked from earlier today to later today")
    desk = check_create_resource(
        luca, navigli, name="Desk 4", kind="desk", max_minutes=600,
        hours={weekday: (time(0, 0), time(23, 59)) for weekday in range(7)},
    )  # fmt: skip
    start = (local_now - timedelta(minutes=30)).replace(second=0, microsecond=0)
    booked = check_book(
        giulia, desk, starts_at=start, ends_at=start + timedelta(hours=2),
        now=now - timedelta(hours=1),
    )  # fmt: skip
    # The space releases desks not claimed by a minute ago: this one is due.
    check_set_desk_release(luca, navigli, unclaimed_by=(local_now - timedelta(minutes=1)).time())

    # One web worker: the scheduler and the task worker do the work here.
    with serve(workers=1):
        deadline = clock.monotonic() + 90
        while clock.monotonic() < deadline:
            booked.refresh_from_db()
            if booked.status == BookingStatus.RELEASED:
                break
            clock.sleep(0.5)
    assert booked.status == BookingStatus.RELEASED
    (told,) = notifications_for(giulia).filter(kind__startswith="bookings.")
    assert told.kind == "bookings.desk_released"
