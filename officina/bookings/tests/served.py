"""The project's ASGI app served by uvicorn in several worker processes, and booking
through it: for the concurrency tests and for benchmarks/bookings.py.

One process runs Django's sync views one at a time; several processes make requests
really run at the same time against one database.
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def served_in_processes(
    *, database_url: str, var_dir: Path, workers: int, settings: str
) -> Iterator[str]:
    """Serve on a free port of 127.0.0.1 until the block ends; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    sock.set_inheritable(True)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "DATABASE_URL": database_url,
        "OFFICINA_VAR_DIR": str(var_dir),
    }
    log = var_dir / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "officina.asgi:application",
                "--fd", str(sock.fileno()), "--workers", str(workers),
                "--lifespan", "off", "--log-level", "warning", "--no-access-log",
            ],
            env=env,
            pass_fds=[sock.fileno()],
            stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/openapi.json", timeout=5).close()  # noqa: S310
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"the server did not start: {log.read_text()}") from None
                time.sleep(0.2)
        # Each worker imports Django on its first request: warm them all up.
        for _ in range(workers * 3):
            urllib.request.urlopen(f"{url}/api/openapi.json", timeout=30).close()  # noqa: S310
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        sock.close()


def post_booking(url: str, token: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST /api/bookings with a bearer token; the status and the JSON answer."""
    request = urllib.request.Request(  # noqa: S310
        f"{url}/api/bookings",
        data=json.dumps(payload).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
