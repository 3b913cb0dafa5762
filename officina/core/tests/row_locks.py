"""Two transactions meeting at a row lock, for the tests that show one waits for the
other (PostgreSQL: the wait is seen in ``pg_stat_activity``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from time import monotonic, sleep

from django.db import connection, transaction

from officina.core.errors import OfficinaError


def first_holds_then_second(
    first: Callable[[], object],
    second: Callable[[], object],
    *,
    first_then: Callable[[], object] | None = None,
) -> dict[str, object]:
    """``first`` runs in a transaction kept open until ``second``, in another thread,
    waits for a lock (or ends); then ``first_then``, if any, runs in the same
    transaction (the rest of a change checked by ``first``), ``first`` commits and
    ``second`` goes on. What each returned or raised, and whether ``second`` waited."""
    holding, let_go = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def run_first() -> None:
        try:
            with transaction.atomic():
                outcome["first"] = first()
                holding.set()
                let_go.wait(120)
                if first_then is not None:
                    first_then()
        except OfficinaError as error:
            outcome["first"] = error
            holding.set()
        finally:
            connection.close()

    def run_second() -> None:
        try:
            outcome["second"] = second()
        except OfficinaError as error:
            outcome["second"] = error
        finally:
            connection.close()

    holder = threading.Thread(target=run_first)
    holder.start()
    assert holding.wait(120)
    waiter = threading.Thread(target=run_second)
    waiter.start()
    deadline = monotonic() + 120
    while waiter.is_alive() and not someone_waits_for_a_lock():
        assert monotonic() < deadline, "neither waited nor finished"
        sleep(0.05)
    outcome["waited"] = waiter.is_alive()
    let_go.set()
    holder.join(120)
    waiter.join(120)
    return outcome


def someone_waits_for_a_lock() -> bool:
    return waiting_for_a_lock() > 0


def waiting_for_a_lock() -> int:
    """How many transactions of the test database wait for a lock now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])
