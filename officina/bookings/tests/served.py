"""``officina serve``, as the run command starts it, on a database of the caller's, and
booking through it: for the concurrency tests and for benchmarks/bookings.py.

Its web workers are processes of their own: requests really run at the same time against
one database, as they do in a deployment.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

STARTUP_SECONDS = 90


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served_in_processes(
    *, database_url: str, var_dir: Path, workers: int, secret_key: str | None = None
) -> Iterator[str]:
    """``officina serve`` with the run command's settings on a free port of 127.0.0.1,
    its task worker and scheduler included (no SIP server: nothing here calls), until
    the block ends; yields the base URL. Sessions signed with ``secret_key`` are valid
    there."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "officina.settings.dev",
        "DATABASE_URL": database_url,
        "OFFICINA_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
        **({"SECRET_KEY": secret_key} if secret_key else {}),
    }
    log = var_dir / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "officina.cli", "serve", "--port", str(port),
                "--workers", str(workers), "--no-sip",
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                urllib.request.urlopen(f"{url}/login/", timeout=5).close()  # noqa: S310
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"the server did not start: {log.read_text()}") from None
                time.sleep(0.3)
        # Each worker imports Django on its first request: warm them all up.
        for _ in range(workers * 3):
            urllib.request.urlopen(f"{url}/login/", timeout=30).close()  # noqa: S310
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def token_headers(token: str) -> dict[str, str]:
    """An API token's credentials."""
    return {"Authorization": f"Bearer {token}"}


# Any 32 letters do: Django compares the header with the cookie.
_CSRF = "BookingsConcurrencyCsrfToken0000"


def session_headers(session_key: str) -> dict[str, str]:
    """A signed-in browser's credentials: its session cookie, and the CSRF token that
    every write with a session needs."""
    return {"Cookie": f"sessionid={session_key}; csrftoken={_CSRF}", "X-CSRFToken": _CSRF}


def post_booking(
    url: str, credentials: Mapping[str, str], payload: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """POST /api/bookings as whoever ``credentials`` sign in; the status and the answer."""
    request = urllib.request.Request(  # noqa: S310
        f"{url}/api/bookings",
        data=json.dumps(payload).encode(),
        headers={**credentials, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body)
        except ValueError:  # not the API's answer: a server error page, say
            return error.code, {"body": body.decode(errors="replace")[:2000]}
