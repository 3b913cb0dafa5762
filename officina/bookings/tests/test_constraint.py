"""The database itself refuses overlapping active bookings on PostgreSQL, whatever path
writes them; on SQLite the booking actions' write lock is the guard (test_concurrency)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from officina.bookings.kinds import BookingStatus
from officina.bookings.models import Booking
from officina.bookings.tests.fixtures import at

pytestmark = pytest.mark.django_db


def raw_booking(
    resource: Any,
    member: Any,
    start: datetime,
    end: datetime,
    *,
    blocked_until: datetime | None = None,
    status: str = "confirmed",
) -> Booking:
    return Booking.objects.create(
        resource=resource,
        member=member,
        starts_at=start,
        ends_at=end,
        blocked_until=blocked_until or end,
        status=status,
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="an exclusion constraint")
def test_postgresql_refuses_an_overlap_written_past_the_actions(
    giulia, marco, room, buffered_room, navigli, tomorrow
):
    ten, eleven = at(navigli, tomorrow, 10), at(navigli, tomorrow, 11)
    raw_booking(room, giulia, ten, eleven)
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_booking(room, marco, ten + timedelta(minutes=30), eleven + timedelta(minutes=30))
    # Back to back is fine; a buffer's range counts; cancelled bookings hold nothing.
    raw_booking(room, marco, eleven, eleven + timedelta(hours=1))
    raw_booking(buffered_room, giulia, ten, eleven, blocked_until=eleven + timedelta(minutes=15))
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_booking(buffered_room, marco, eleven, eleven + timedelta(hours=1))
    raw_booking(room, marco, ten, eleven, status=BookingStatus.CANCELLED)
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 3


def test_the_sqlite_settings_take_the_write_lock_when_a_transaction_begins():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    # actions._hold relies on it: BEGIN IMMEDIATE before the overlap check reads.
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
