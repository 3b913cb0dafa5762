"""Each HTTP request's Django code on one of a few kept threads, not a new thread each.

Django's ASGI handler runs a request's sync code (middleware, view, template) in a
thread of its own: a new ``ThreadSensitiveContext`` per request, so a new thread per
request, and Django's database connections belong to a thread. A new thread is a new
connection: on SQLite a connection opened, its pragmas run and the whole schema parsed
again (about 3 ms of CPU with our schema), then every page read again into an empty page
cache; on PostgreSQL a new server process each time. Persistent connections
(``CONN_MAX_AGE``) cannot help while the threads themselves are new.

Here each request is given one of ``threads`` single-thread executors for its whole
life (asgiref's ``ThreadSensitiveContext(executor=...)``): the thread, and with it the
connection, serve request after request; Django still closes a connection that is too
old or broken at the start and end of each request (``close_old_connections``). A
request that finds every thread busy waits for the next free one: a worker process runs
Python on one core at a time, so a few threads are enough to keep it busy while others
wait on the database, and more would only contend for the interpreter.

WebSockets keep Channels' own path (``database_sync_to_async``).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext

Scope = dict[str, Any]


class KeptRequestThreads:
    """An ASGI application: ``application`` with each request on one of the kept threads."""

    def __init__(self, application: Any, threads: int) -> None:
        if threads < 1:
            raise ValueError("at least one thread")
        self.application = application
        self.threads = threads
        self._executors = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"request-{index}")
            for index in range(threads)
        ]
        # Made on first use: a queue belongs to the event loop that serves the requests (a
        # worker has one; tests may run one loop after another).
        self._idle: asyncio.Queue[ThreadPoolExecutor] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _idle_executors(self) -> asyncio.Queue[ThreadPoolExecutor]:
        loop = asyncio.get_running_loop()
        if self._idle is None or self._loop is not loop:
            self._idle, self._loop = asyncio.Queue(), loop
            for executor in self._executors:
                self._idle.put_nowait(executor)
        return self._idle

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        idle = self._idle_executors()
        executor = await idle.get()
        try:
            # Django's handler enters a ThreadSensitiveContext of its own; inside this one,
            # which names its executor, that one changes nothing.
            async with ThreadSensitiveContext(executor=executor):
                await self.application(scope, receive, send)
        finally:
            idle.put_nowait(executor)
