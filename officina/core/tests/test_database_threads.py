"""Blocking database work off an event loop gives its connection back after each job."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from django.db import connection

from officina.core.database_threads import DatabaseThreads, use_database_threads

T = TypeVar("T")


def _pool_or_skip() -> object:
    connection.ensure_connection()
    pool = getattr(connection, "pool", None)
    if pool is None:
        pytest.skip("PostgreSQL's connection pool only")
    return pool


def _lent(pool: object, waiting_for: int = 0) -> int:
    """Connections the pool has lent; with ``waiting_for``, once no more than that are
    (those on their way back take a moment), or after 5 s."""
    deadline = time.monotonic() + 5
    while True:
        stats = pool.get_stats()  # type: ignore[attr-defined]
        lent = int(stats["pool_size"] - stats["pool_available"])
        if lent <= waiting_for or not waiting_for or time.monotonic() > deadline:
            return lent
        time.sleep(0.05)


def _query() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return int(cursor.fetchone()[0])


def _run_on_distinct_threads(
    executor: ThreadPoolExecutor, jobs: int, work: Callable[[], T]
) -> list[T]:
    """``work`` ``jobs`` times, each on a thread of its own (they all start together)."""
    together = threading.Barrier(jobs, timeout=30)

    def job() -> T:
        together.wait()
        return work()

    futures = [executor.submit(job) for _ in range(jobs)]
    return [future.result(timeout=60) for future in futures]


@pytest.mark.django_db(transaction=True)
def test_more_threads_than_the_pool_lends_all_get_a_connection() -> None:
    pool = _pool_or_skip()
    jobs = pool.max_size + 5  # type: ignore[attr-defined]
    with DatabaseThreads(max_workers=jobs) as executor:
        assert _run_on_distinct_threads(executor, jobs, _query) == [1] * jobs
        # Only the test's own connection is still lent; the threads, still alive, hold none.
        assert _lent(pool, waiting_for=1) <= 1


@pytest.mark.django_db(transaction=True)
def test_a_plain_thread_pool_would_keep_them() -> None:
    """What the executor is for: a plain pool's live threads keep every connection."""
    pool = _pool_or_skip()
    jobs = 5
    with ThreadPoolExecutor(max_workers=jobs) as executor:
        _run_on_distinct_threads(executor, jobs, _query)
        assert _lent(pool) >= jobs
        # Each thread gives its own back, or the pool would count them lent for ever.
        _run_on_distinct_threads(executor, jobs, lambda: connection.close())


async def test_a_loop_made_to_use_them_runs_its_default_work_there() -> None:
    loop = asyncio.get_running_loop()
    use_database_threads(loop, threads=2)
    name = await loop.run_in_executor(None, lambda: threading.current_thread().name)
    assert name.startswith("database")
