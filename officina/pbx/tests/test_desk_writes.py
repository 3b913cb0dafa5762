"""The media desk's writes of who is in a room: a write SQLite refuses as locked is
tried again, in the writer thread, so a join or a leave is late rather than lost."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import OperationalError

from officina.pbx.media.desk import LOCKED_WRITE_ATTEMPTS, _written


class Flaky:
    """A write that fails ``failures`` times with ``message`` before it succeeds."""

    def __init__(self, failures: int, message: str) -> None:
        self.failures, self.message, self.calls = failures, message, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise OperationalError(self.message)
        return "written"


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    return slept


def test_a_locked_database_is_waited_for_and_the_write_done(waits: list[float]) -> None:
    write = Flaky(2, "database table is locked")
    assert _written(write) == "written"
    assert write.calls == 3
    assert waits == [0.05, 0.1]


def test_a_database_locked_for_too_long_fails_the_write_after_every_try(
    waits: list[float],
) -> None:
    write = Flaky(LOCKED_WRITE_ATTEMPTS, "database is locked")
    with pytest.raises(OperationalError, match="locked"):
        _written(write)
    assert write.calls == LOCKED_WRITE_ATTEMPTS
    assert waits == [0.05, 0.1, 0.2, 0.4, 0.8]


def test_another_database_error_is_not_tried_again(waits: list[Any]) -> None:
    write = Flaky(1, "no such table: conferences_participant")
    with pytest.raises(OperationalError, match="no such table"):
        _written(write)
    assert write.calls == 1
    assert waits == []
