"""No double booking, ever: concurrent requests from signed-in members at ``officina
serve`` itself, its web workers in several processes (see served.py), sharing the test
database: a file on SQLite, the test database on PostgreSQL."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest

from officina.accounts.actions import do_join_space
from officina.bookings.models import Booking
from officina.bookings.tests.fixtures import at
from officina.bookings.tests.served import post_booking, session_headers

CONCURRENT_REQUESTS = 50


@pytest.fixture
def signed_in(
    make_member: Any, client_for: Any, navigli: Any, giulia: Any, marco: Any
) -> list[dict[str, str]]:
    """Ten members of Navigli signed in, each with a browser session of their own."""
    members = [giulia, marco]
    for _ in range(8):
        member = make_member()
        do_join_space(member, navigli)
        members.append(member)
    return [session_headers(client_for(member).cookies["sessionid"].value) for member in members]


def post_all(url: str, callers: list[dict[str, str]], payloads: list[dict[str, Any]]) -> list[int]:
    """POST every payload to /api/bookings at the same moment, each as the next of the
    signed-in ``callers`` in turn; the answers' statuses."""
    barrier = threading.Barrier(len(payloads))

    def post(numbered: tuple[int, dict[str, Any]]) -> int:
        number, payload = numbered
        barrier.wait()
        status, body = post_booking(url, callers[number % len(callers)], payload)
        assert status in {201, 409}, body
        return status

    with ThreadPoolExecutor(len(payloads)) as pool:
        return list(pool.map(post, enumerate(payloads)))


def payload(resource: Any, starts_at: datetime, ends_at: datetime) -> dict[str, Any]:
    return {
        "resource": resource.pk,
        "starts_at": starts_at.isoformat(),
        "ends_at": ends_at.isoformat(),
    }


@pytest.mark.slow
def test_fifty_concurrent_overlapping_requests_make_one_booking(
    served, signed_in, room, navigli, tomorrow
):
    ten = at(navigli, tomorrow, 10)
    # Each request starts a minute after the previous one: every pair overlaps.
    payloads = [
        payload(room, ten + timedelta(minutes=i), ten + timedelta(minutes=60 + i))
        for i in range(CONCURRENT_REQUESTS)
    ]
    statuses = post_all(served, signed_in, payloads)
    assert Counter(statuses) == {201: 1, 409: CONCURRENT_REQUESTS - 1}
    assert Booking.objects.count() == 1


@pytest.mark.slow
def test_concurrent_back_to_back_bookings_all_fit_and_buffers_hold(
    served, signed_in, room, buffered_room, navigli, tomorrow
):
    hours = [(at(navigli, tomorrow, h), at(navigli, tomorrow, h + 1)) for h in range(8, 20)]
    statuses = post_all(served, signed_in, [payload(room, start, end) for start, end in hours])
    assert statuses == [201] * len(hours)
    assert Booking.objects.filter(resource=room).count() == len(hours)

    # With 15 minutes kept free after each booking, back-to-back hours alternate: of two
    # neighbours at most one fits, and the even hours, two hours apart, all fit.
    even = [payload(buffered_room, start, end) for start, end in hours[::2]]
    odd = [payload(buffered_room, start, end) for start, end in hours[1::2]]
    assert post_all(served, signed_in, even) == [201] * len(even)
    assert post_all(served, signed_in, odd) == [409] * len(odd)
    kept = list(Booking.objects.filter(resource=buffered_room).order_by("starts_at"))
    assert len(kept) == len(even)
    for before, after in itertools.pairwise(kept):
        assert after.starts_at - before.ends_at >= timedelta(minutes=15)
