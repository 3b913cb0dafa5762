"""The bookings fixtures (fixtures.py) and ``served``: ``officina serve`` on the test
database, for the tests through the real server."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from officina.bookings.tests.fixtures import buffered_room, room, tomorrow
from officina.bookings.tests.served import served_in_processes

__all__ = ["buffered_room", "room", "tomorrow"]

WORKERS = 3


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
def serve(asgi_live_server: Any) -> Callable[..., AbstractContextManager[str]]:
    """Starts ``officina serve`` when called (a context manager yielding its URL): after
    the test has written what the server's scheduler must find at its start. Its web
    workers are ``WORKERS`` processes unless ``workers`` says otherwise.

    Depends on ``asgi_live_server`` for what it brings: committed data and, on SQLite, a
    test database in a file that other processes can open."""
    if connection.vendor == "sqlite" and ":memory:" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs the test database in a file")

    def start(workers: int = WORKERS) -> AbstractContextManager[str]:
        return served_in_processes(
            database_url=_database_url(),
            var_dir=Path(tempfile.mkdtemp(prefix="officina-bookings-served-")),
            workers=workers,
            secret_key=settings.SECRET_KEY,
        )

    return start


@pytest.fixture
def served(serve: Callable[..., AbstractContextManager[str]]) -> Iterator[str]:
    """``officina serve`` running for the whole test; its URL."""
    with serve() as url:
        yield url
