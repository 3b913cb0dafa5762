from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _live_server_helper() -> Iterator[None]:
    """Stand in for pytest-django's helper of the same name.

    That helper expects pytest-django's own ``live_server`` and fails on the ASGI
    ``live_server`` of officina/conftest.py (uvicorn, HTTP and WebSocket), which
    needs no settings change: it serves on 127.0.0.1, already an allowed host.
    """
    yield
