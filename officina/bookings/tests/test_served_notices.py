"""Nobody but ``officina serve``'s scheduler and task worker reminds a member of a
booking starting soon, and tells another that the time they asked for is free again."""

from __future__ import annotations

import time as clock
from datetime import time, timedelta

import pytest
from django.utils import timezone

from officina.bookings.actions import (
    check_book,
    check_cancel,
    check_create_resource,
    check_watch_free_again,
)
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

    with serve():
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
