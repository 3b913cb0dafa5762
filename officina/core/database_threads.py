"""Threads for an event loop's blocking database work, each job giving its connection back.

Django's database connections belong to a thread, and a connection borrowed from
PostgreSQL's pool (``OPTIONS["pool"]``) goes back to the pool only when it is closed. A
plain ``ThreadPoolExecutor`` never closes anything: every thread of it keeps a
connection lent for as long as it lives, and once it is gone (a loop shut down, a
thread retired) the pool counts the connection as lent for ever. The PBX's default
executor has up to ``cpu + 4`` threads, so on a large machine its threads alone would
take every connection of the pool and the next request would wait for one in vain.

Here each job ends with Django's ``close_old_connections``, as a request does: with the
pool (or ``CONN_MAX_AGE=0``) the connection goes back at once; on SQLite, whose
connections are kept (``CONN_MAX_AGE``), it stays with its thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from django.db import close_old_connections

T = TypeVar("T")

# Enough for the PBX's periodic reads and writes to overlap a slow query or two, and well
# under the pool's size (DATABASE_POOL_SIZE, 20 by default) so that the process's other
# threads still find a connection.
DEFAULT_THREADS = 8


def _then_give_back(work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    try:
        return work(*args, **kwargs)
    finally:
        close_old_connections()


class DatabaseThreads(ThreadPoolExecutor):
    """A thread pool whose every job gives its thread's database connection back."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        return super().submit(_then_give_back, fn, *args, **kwargs)


def use_database_threads(
    loop: asyncio.AbstractEventLoop, threads: int = DEFAULT_THREADS
) -> DatabaseThreads:
    """Make ``loop``'s default executor (``run_in_executor(None, ...)``) database threads."""
    executor = DatabaseThreads(max_workers=threads, thread_name_prefix="database")
    loop.set_default_executor(executor)
    return executor
