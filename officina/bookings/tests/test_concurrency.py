"""No double booking, ever: concurrent requests at the real server, in several processes.

The server here is uvicorn on the project's ASGI app with several worker processes, so
requests really run at the same time (one process runs Django's sync views one at a
time). It shares the test database: a file on SQLite, the test database on PostgreSQL.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
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
    """The ASGI app in ``WORKERS`` processes on a free port; yields its base URL.

    Depends on ``asgi_live_server`` for what it brings: committed data and, on SQLite,
    a test database in a file that other processes can open."""
    if connection.vendor == "sqlite" and ":memory:" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs the test database in a file")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    var_dir = tempfile.mkdtemp(prefix="officina-bookings-served-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "officina.settings.test",
        "DATABASE_URL": _database_url(),
        "OFFICINA_VAR_DIR": var_dir,
    }
    log = Path(var_dir) / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "officina.asgi:application",
                "--fd", str(sock.fileno()), "--workers", str(WORKERS),
                "--lifespan", "off", "--log-level", "warning", "--no-access-log",
            ],
            env=env,
            pass_fds=[sock.fileno()],
            stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/openapi.json", timeout=5):  # noqa: S310
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"the server did not start: {log.read_text()}") from None
                time.sleep(0.2)
        # Every worker imports Django on its first request: warm them all up.
        for _ in range(WORKERS * 3):
            urllib.request.urlopen(f"{url}/api/openapi.json", timeout=30).close()  # noqa: S310
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        sock.close()


def post_all(url: str, token: str, payloads: list[dict[str, Any]]) -> list[int]:
    """POST every payload to /api/bookings at the same moment; the answers' statuses."""
    barrier = threading.Barrier(len(payloads))

    def post(payload: dict[str, Any]) -> int:
        request = urllib.request.Request(  # noqa: S310
            f"{url}/api/bookings",
            data=json.dumps(payload).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as error:
            body = json.loads(error.read())
            assert body["code"] == "CONFLICT", body
            return error.code

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
