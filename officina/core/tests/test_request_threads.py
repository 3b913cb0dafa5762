"""Pages served through the ASGI application reuse database connections.

Requests go through ``officina.asgi.application`` as a web worker runs it (Django's
ASGI handler, every middleware, a signed-in page that reads the database), several at
a time. Each connection Django opens is recorded: on SQLite the connection itself, on
PostgreSQL the server process behind it (psycopg's pool lends the same ones again).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections
from django.db.backends.signals import connection_created

from officina.asgi import application
from officina.core.request_threads import KeptRequestThreads

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = 30


async def _get(path: str, session: str) -> int:
    """One GET through the ASGI application; its status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"cookie", f"sessionid={session}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[dict[str, Any]] = []
    body_given = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if not body_given.is_set():
            body_given.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays connected
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await application(scope, receive, send)
    return int(next(m for m in sent if m["type"] == "http.response.start")["status"])


async def _serve(session: str, pages: int, at_once: int) -> list[int]:
    statuses: list[int] = []
    for _ in range(pages // at_once):
        statuses += await asyncio.gather(*(_get("/members/", session) for _ in range(at_once)))
    return statuses


@pytest.fixture
def database_sessions() -> Iterator[list[Any]]:
    """What identifies each connection opened while the test runs."""
    opened: list[Any] = []

    def record(sender: Any, connection: Any, **kwargs: Any) -> None:
        raw = connection.connection
        opened.append(raw.info.backend_pid if connection.vendor == "postgresql" else id(raw))

    connection_created.connect(record)
    yield opened
    connection_created.disconnect(record)


def _close_kept_connections() -> None:
    """Close what earlier tests left open on the kept threads (they outlive a test), so
    that this test sees every connection its pages need."""
    kept = application.application_mapping["http"]
    assert isinstance(kept, KeptRequestThreads)
    for executor in kept._executors:
        executor.submit(connections.close_all).result()


def test_pages_reuse_a_few_database_connections(client_for, giulia, database_sessions):
    session = client_for(giulia).cookies["sessionid"].value
    _close_kept_connections()
    pool = getattr(connection, "pool", None)
    made_before = pool.get_stats().get("connections_num", 0) if pool is not None else 0

    statuses = asyncio.run(_serve(session, PAGES, at_once=6))

    assert statuses == [200] * PAGES
    if pool is None:
        # One per kept thread at most, however many pages: not one per page.
        assert 1 <= len(set(database_sessions)) <= settings.WEB_REQUEST_THREADS
        assert len(database_sessions) <= settings.WEB_REQUEST_THREADS
    else:
        # Each page borrows a connection from the pool and gives it back: whichever idle
        # one it gets, no new server process per page. The pool started at most one per
        # kept thread (it may hold idle ones that earlier tests gave back).
        made = pool.get_stats().get("connections_num", 0) - made_before
        assert made <= settings.WEB_REQUEST_THREADS
        assert 1 <= len(set(database_sessions)) <= pool.max_size


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="psycopg's pool: PostgreSQL only",
)
def test_a_broken_pooled_connection_is_replaced_before_a_page_uses_it(
    client_for, giulia, database_sessions
):
    session = client_for(giulia).cookies["sessionid"].value
    assert asyncio.run(_serve(session, 6, at_once=3)) == [200] * 6
    lent = set(database_sessions) - {connection.connection.info.backend_pid}
    assert lent
    before = len(database_sessions)

    # The database server ends those connections (a restart, a failover, an idle timeout).
    with connection.cursor() as cursor:
        for pid in lent:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    # Without the pool's check the first pages would fail on a dead connection.
    assert asyncio.run(_serve(session, 12, at_once=3)) == [200] * 12
    assert not lent & set(database_sessions[before:])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE pid = ANY(%s)", [list(lent)])
        assert cursor.fetchall() == []
