"""No double booking, ever: concurrent requests at the real server, in several processes
(see served.py), sharing the test database: a file on SQLite, the test database on
PostgreSQL."""

from __future__ import annotations

import itertools
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from officina.api.actions import check_create_api_token
from officina.bookings.models import Booking
from officina.bookings.tests.fixtures import at
from officina.bookings.tests.served import post_booking, served_in_processes

WORKERS = 3
CONCURRENT_REQUESTS = 50


def _database_url() -> str:
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    return (
        f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


@pytest.fixture
def served(asgi_live_server: Any) -> Iterator[str]:
    """Depends on ``asgi_live_server`` for what it brings: committed data and, on SQLite,
    a test database in a file that other processes can open."""
    if connection.vendor == "sqlite" and ":memory:" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs the test database in a file")
    with served_in_processes(
        database_url=_database_url(),
        var_dir=Path(tempfile.mkdtemp(prefix="officina-bookings-served-")),
        workers=WORKERS,
        settings="officina.settings.test",
    ) as url:
        yield url


def post_all(url: str, token: str, payloads: list[dict[str, Any]]) -> list[int]:
    """POST every payload to /api/bookings at the same moment; the answers' statuses."""
    barrier = threading.Barrier(len(payloads))

    def post(payload: dict[str, Any]) -> int:
        barrier.wait()
        status, body = post_booking(url, token, payload)
        assert status in {201, 409}, body
        return status

    with ThreadPoolExecutor(len(payloads)) as pool:
        return list(pool.map(post, payloads))


def payload(resource: Any, starts_at: datetime, ends_at: datetime) -> dict[str, Any]:
    return {
        "resource": resource.pk,
        "starts_at": starts_at.isoformat(),
        "ends_at": ends_at.isoformat(),
    }


@pytest.mark.slow
def test_fifty_concurrent_overlapping_requests_make_one_booking(
    served, giulia, room, navigli, tomorrow
):
    _token, plain = check_create_api_token(giulia, "concurrency")
    ten = at(navigli, tomorrow, 10)
    # Each request starts a minute after the previous one: every pair overlaps.
    payloads = [
        payload(room, ten + timedelta(minutes=i), ten + timedelta(minutes=60 + i))
        for i in range(CONCURRENT_REQUESTS)
    ]
    statuses = post_all(served, plain, payloads)
    assert Counter(statuses) == {201: 1, 409: CONCURRENT_REQUESTS - 1}
    assert Booking.objects.filter(resource=room).count() == 1


@pytest.mark.slow
def test_concurrent_back_to_back_bookings_all_fit_and_buffers_hold(
    served, giulia, room, buffered_room, navigli, tomorrow
):
    _token, plain = check_create_api_token(giulia, "concurrency")
    hours = [(at(navigli, tomorrow, h), at(navigli, tomorrow, h + 1)) for h in range(8, 20)]
    statuses = post_all(served, plain, [payload(room, start, end) for start, end in hours])
    assert statuses == [201] * len(hours)
    assert Booking.objects.filter(resource=room).count() == len(hours)

    # With 15 minutes kept free after each booking, back-to-back hours alternate: of two
    # neighbours at most one fits, and the even hours, two hours apart, all fit.
    even = [payload(buffered_room, start, end) for start, end in hours[::2]]
    odd = [payload(buffered_room, start, end) for start, end in hours[1::2]]
    assert post_all(served, plain, even) == [201] * len(even)
    assert post_all(served, plain, odd) == [409] * len(odd)
    kept = list(Booking.objects.filter(resource=buffered_room).order_by("starts_at"))
    assert len(kept) == len(even)
    for before, after in itertools.pairwise(kept):
        assert after.starts_at - before.ends_at >= timedelta(minutes=15)
