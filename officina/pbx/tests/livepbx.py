"""A real PBX on loopback for tests with real SIP peers (SIPp, baresip).

The PBX runs with its own event loop in a thread of the test process, on the
test database (use it from ``transactional_db`` tests so that the PBX's
worker threads see the rows the test made).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from officina.accounts.models import Member
from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.rtpengine import RtpEngine, RtpEngineError
from officina.pbx.runtime import RunningPbx, start_pbx

HOST = "127.0.0.1"


def port_base() -> int:
    """SIP ports from TEST_PORT_BASE (15200) on, a block of 100 per pytest-xdist worker.

    TEST_PORT_BASE keeps two test runs on one machine apart.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    return int(os.environ.get("TEST_PORT_BASE", "15200")) + 100 * (index % 8)


@dataclass
class LivePbx:
    port: int
    running: RunningPbx
    loop: asyncio.AbstractEventLoop


def make_extensions(passwords: dict[str, str]) -> dict[str, str]:
    """Members with extensions 201, 202, ... and the given passwords, in order."""
    numbers = {}
    for index, password in enumerate(passwords.values()):
        member = Member.objects.create_user(email=f"peer{index}@example.it", password="pw")
        extension = do_provision_extension(member)
        do_set_sip_password(extension, password)
        numbers[extension.number] = password
    return numbers


@contextmanager
def live_pbx(port: int, **start_options: Any) -> Iterator[LivePbx]:
    """``start_options`` go to :func:`start_pbx` (``tls=``, ``tls_port=``)."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, RunningPbx] = {}
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def main() -> None:
            try:
                holder["pbx"] = await start_pbx(HOST, port, advertised_host=HOST, **start_options)
            except BaseException as error:
                failure.append(error)
                raise
            finally:
                started.set()

        try:
            loop.run_until_complete(main())
        except BaseException:
            return
        loop.run_forever()

    thread = threading.Thread(target=run, name="live-pbx", daemon=True)
    thread.start()
    started.wait(30)
    if failure:
        raise failure[0]
    running = holder["pbx"]
    try:
        yield LivePbx(port, running, loop)
    finally:
        asyncio.run_coroutine_threadsafe(running.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@dataclass
class LiveOfficina:
    """The web server and the PBX in one event loop, as ``officina serve`` runs them."""

    url: str
    sip_port: int
    running: RunningPbx


@contextmanager
def live_officina(web_port: int, sip_port: int) -> Iterator[LiveOfficina]:
    """``officina serve`` in a thread: HTTP, WebSocket SIP at /sip/ws, SIP on UDP and TCP."""
    import uvicorn

    from officina.asgi import application

    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, object] = {}
    failure: list[BaseException] = []

    async def main() -> None:
        try:
            holder["pbx"] = await start_pbx(HOST, sip_port, advertised_host=HOST)
            config = uvicorn.Config(
                application, host=HOST, port=web_port, lifespan="off", log_level="warning",
                ws="websockets-sansio", access_log=False,
            )  # fmt: skip
            web = uvicorn.Server(config)
            holder["web"] = web
            holder["serving"] = loop.create_task(web.serve())
            while not web.started:
                if holder["serving"].done():  # type: ignore[attr-defined]
                    raise RuntimeError(f"the web server did not start on port {web_port}")
                await asyncio.sleep(0.02)
        except BaseException as error:
            failure.append(error)
        finally:
            started.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(main())
        if not failure:
            loop.run_forever()

    thread = threading.Thread(target=run, name="live-officina", daemon=True)
    thread.start()
    started.wait(30)
    if failure:
        raise failure[0]
    running = holder["pbx"]
    assert isinstance(running, RunningPbx)

    async def stop() -> None:
        web = holder["web"]
        web.should_exit = True  # type: ignore[attr-defined]
        await holder["serving"]  # type: ignore[misc]
        await running.stop()

    try:
        yield LiveOfficina(f"http://{HOST}:{web_port}", sip_port, running)
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def signed_in_context(browser: Any, officina: LiveOfficina, member: Member, **options: Any) -> Any:
    """A Playwright context on ``officina`` signed in as ``member`` (``options`` go to
    ``new_context``: a viewport, a locale...)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(member, backend="django.contrib.auth.backends.ModelBackend")
    context = browser.new_context(base_url=officina.url, **options)
    context.set_default_timeout(30_000)
    name = settings.SESSION_COOKIE_NAME
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": officina.url}])
    return context


@contextmanager
def running_rtpengine(
    ng_port: int, port_min: int, port_max: int, log: Path | None = None, *options: str
) -> Iterator[str]:
    """Debian's rtpengine in userspace on loopback; yields its NG address (its log goes
    to ``log``, when given; ``options`` are more of its command line)."""
    errors_to = log.open("wb") if log is not None else subprocess.PIPE
    process = subprocess.Popen(
        [
            "rtpengine", "--config-file=none", "--foreground", "--table=-1",
            f"--interface={HOST}",
            f"--listen-ng={HOST}:{ng_port}", f"--port-min={port_min}",
            f"--port-max={port_max}", "--log-stderr", f"--log-level={7 if log else 5}",
            *options,
        ],
        stdout=subprocess.DEVNULL, stderr=errors_to,
    )  # fmt: skip
    url = f"udp://{HOST}:{ng_port}"
    try:
        deadline = time.monotonic() + 10
        while not asyncio.run(_answers_ping(url)):
            if process.poll() is not None or time.monotonic() > deadline:
                errors = process.stderr.read() if process.stderr else b""
                raise RuntimeError(f"rtpengine did not start: {errors!r}")
        yield url
    finally:
        process.terminate()
        process.wait(10)
        if log is not None:
            errors_to.close()  # type: ignore[union-attr]


async def _answers_ping(url: str) -> bool:
    engine = RtpEngine(url)
    await engine.start()
    try:
        return await engine.ping()
    except RtpEngineError:
        return False
    finally:
        engine.close()
