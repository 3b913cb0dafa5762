"""``officina serve`` as a deployment runs it: real processes on the test database.

- the run command itself (web workers, SIP process, background process): a digest
  e-mail lands in the file backend with nobody but the server's scheduler and worker
  to send it, and a browser's SIP WebSocket is relayed from a web worker to the SIP
  process;
- two web worker processes sharing the channel hub, as the run command's workers do:
  a check-in posted to one is pushed to a "who's here" WebSocket held by the other.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from websockets.sync.client import connect

from officina.api.actions import check_create_api_token
from officina.core.channel_hub import HUB_SOCKET_ENV, ChannelHub
from officina.notifications.actions import do_notify
from officina.pbx.rtpengine import RtpEngine, RtpEngineError
from officina.pbx.tests.livepbx import port_base

pytestmark = pytest.mark.slow

STARTUP_SECONDS = 90


def _database_url() -> str:
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    return (
        f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/openapi.json", timeout=10).close()  # noqa: S310
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the server did not start: {log.read_text()}") from None
            time.sleep(0.3)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def shared_database(asgi_live_server: Any) -> str:
    """``asgi_live_server`` brings committed data and, on SQLite, a test database in a file
    that other processes can open."""
    if connection.vendor == "sqlite" and ":memory:" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs the test database in a file")
    return _database_url()


def _environment(var_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    return {
        **{name: value for name, value in os.environ.items() if name != HUB_SOCKET_ENV},
        # The run command's own settings: production-shaped, mail in files under var/.
        "DJANGO_SETTINGS_MODULE": "officina.settings.dev",
        "DATABASE_URL": database_url,
        "OFFICINA_VAR_DIR": str(var_dir),
        # Sessions made here are signed with this key (and checked with it there).
        "SECRET_KEY": settings.SECRET_KEY,
        **extra,
    }


def test_the_run_command_sends_digests_by_itself_and_relays_sip_websockets(
    shared_database, giulia, luca
):
    do_notify(giulia, "social.follow", actor=luca, text="Luca follows you")
    var_dir = Path(tempfile.mkdtemp(prefix="officina-serve-"))
    port, sip_port = _free_port(), port_base() + 97
    log = var_dir / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "officina.cli", "serve", "--port", str(port),
                "--sip-host", "127.0.0.1", "--sip-port", str(sip_port), "--workers", "2",
                "--no-rtpengine",
            ],
            env=_environment(var_dir, shared_database),
            stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_for(f"http://127.0.0.1:{port}", server, log)

        # Nobody asks for the digest: the scheduler queues it at start, the worker sends it.
        deadline = time.monotonic() + 60
        mails: list[str] = []
        while time.monotonic() < deadline and not mails:
            mails = [
                text
                for path in (var_dir / "mail").glob("*.log")
                if giulia.email in (text := path.read_text())
            ]
            time.sleep(0.3)
        assert mails, f"no digest for giulia in var/mail: {log.read_text()}"
        assert "Luca follows you" in mails[0]
        assert luca.email not in "".join(mails)  # luca has nothing unread

        # A browser's SIP connection reaches the SIP process through a web worker: an
        # unauthenticated REGISTER is challenged by the registrar there.
        with connect(f"ws://127.0.0.1:{port}/sip/ws", subprotocols=["sip"]) as sip:  # type: ignore[list-item]
            sip.send(
                "REGISTER sip:officina.local SIP/2.0\r\n"
                "Via: SIP/2.0/WS browser.invalid;branch=z9hG4bK-serve-1\r\n"
                "From: <sip:201@officina.local>;tag=a1\r\nTo: <sip:201@officina.local>\r\n"
                "Call-ID: serve-relay-1\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\n"
                "Contact: <sip:x@browser.invalid;transport=ws>\r\nContent-Length: 0\r\n\r\n"
            )
            answer = str(sip.recv(timeout=15))
        assert answer.startswith("SIP/2.0 401"), answer
        assert "Call-ID: serve-relay-1" in answer
    finally:
        _stop(server)
    assert server.returncode == 0, log.read_text()


@pytest.mark.skipif(shutil.which("rtpengine") is None, reason="rtpengine is not installed")
def test_the_run_command_starts_rtpengine_for_the_sip_server_and_stops_it(shared_database):
    """Without RTPENGINE_URL, ``officina serve`` runs rtpengine itself: the SIP process
    finds it answering, and it ends with the server."""
    var_dir = Path(tempfile.mkdtemp(prefix="officina-serve-"))
    port, sip_port = _free_port(), port_base() + 97
    log = var_dir / "serve.log"
    environment = _environment(
        var_dir, shared_database,
        RTPENGINE_PORT_MIN=str(port_base() + 82), RTPENGINE_PORT_MAX=str(port_base() + 99),
    )  # fmt: skip
    environment.pop("RTPENGINE_URL", None)
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "officina.cli", "serve", "--port", str(port),
                "--sip-host", "127.0.0.1", "--sip-port", str(sip_port), "--workers", "1",
                "--no-background",
            ],
            env=environment, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_for(f"http://127.0.0.1:{port}", server, log)
        found = None
        deadline = time.monotonic() + 30
        while found is None and time.monotonic() < deadline:
            found = re.search(r"media through rtpengine at 127\.0\.0\.1:(\d+)", log.read_text())
            time.sleep(0.3)
        assert found, log.read_text()
        url = f"udp://127.0.0.1:{found.group(1)}"
        assert asyncio.run(_pings(url)), "rtpengine answers its NG port"
    finally:
        _stop(server)
    assert server.returncode == 0, log.read_text()
    assert not asyncio.run(_pings(url)), "rtpengine stopped with the server"


async def _pings(url: str) -> bool:
    engine = RtpEngine(url)
    await engine.start()
    try:
        return await engine.ping()
    except RtpEngineError:
        return False
    finally:
        engine.close()


class _Hub:
    """The channel hub on a loop of its own, as ``officina serve``'s parent runs it."""

    def __init__(self, path: str) -> None:
        self.hub = ChannelHub(path)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.hub.start(), self.loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.hub.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def two_workers(shared_database: str) -> Iterator[tuple[str, str]]:
    """Two web worker processes sharing one channel hub; their base URLs."""
    private = tempfile.mkdtemp(prefix="officina-hub-")
    hub = _Hub(os.path.join(private, "channels.sock"))
    var_dir = Path(private)
    environment = _environment(
        var_dir, shared_database, **{HUB_SOCKET_ENV: os.path.join(private, "channels.sock")}
    )
    servers, urls = [], []
    try:
        for index in range(2):
            port = _free_port()
            log = var_dir / f"worker-{index}.log"
            command = [
                sys.executable, "-m", "uvicorn", "officina.asgi:application",
                "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off",
            ]  # fmt: skip
            with log.open("wb") as output:
                servers.append(
                    subprocess.Popen(
                        command, env=environment, stdout=output, stderr=subprocess.STDOUT
                    )
                )
            urls.append(f"http://127.0.0.1:{port}")
            _wait_for(urls[-1], servers[-1], log)
        yield urls[0], urls[1]
    finally:
        for server in servers:
            _stop(server)
        hub.stop()


def test_a_check_in_posted_to_one_worker_is_pushed_to_a_page_on_another(
    two_workers, client_for, giulia, luca, navigli
):
    first, second = two_workers
    _token, plain = check_create_api_token(luca, "check in")
    # giulia's "who's here" page holds its WebSocket on the second worker.
    giulia_session = client_for(giulia).cookies["sessionid"].value
    with connect(
        second.replace("http", "ws") + f"/ws/presence/{navigli.slug}/",
        additional_headers={"Cookie": f"sessionid={giulia_session}", "Origin": second},
    ) as page:
        time.sleep(0.5)  # the worker subscribes to the hub once the page joins its group
        request = urllib.request.Request(  # noqa: S310
            f"{first}/api/spaces/{navigli.slug}/check-in",
            data=json.dumps({"note": "at the big table"}).encode(),
            headers={"Authorization": f"Bearer {plain}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            assert answer.status == 201
        pushed = json.loads(page.recv(timeout=15))
    assert pushed["member"]["name"] == luca.display_name, pushed
    assert pushed["member"]["note"] == "at the big table"
