"""The live count of daily minutes for calls out, on a clock the test turns."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

from officina.pbx.outside_minutes import Charge, OutsideMinutes


class Timers:
    """The layer's call_later on a clock moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def call_later(self, delay: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._due, (self.now + delay, next(self._order), action))

    def run_until(self, moment: float) -> None:
        while self._due and self._due[0][0] <= moment:
            when, _order, action = heapq.heappop(self._due)
            self.now = when
            action()
        self.now = moment


def meter(finished: dict[int, float]) -> tuple[Timers, OutsideMinutes, list[str]]:
    timers = Timers()
    return (
        timers,
        OutsideMinutes(lambda: timers.now, timers.call_later, lambda e: finished.get(e, 0.0)),
        [],
    )


def test_two_live_calls_share_what_is_left_and_both_end_together():
    timers, minutes, hung_up = meter({7: 40.0})
    minutes.answered("a", Charge(7, 60), lambda: hung_up.append("a"))
    timers.run_until(4.0)
    minutes.answered("b", Charge(7, 60), lambda: hung_up.append("b"))
    assert minutes.left(7) == 16.0
    timers.run_until(11.9)
    assert hung_up == []
    timers.run_until(12.1)  # 40 + 12 + 8 = 60
    assert sorted(hung_up) == ["a", "b"]
    assert minutes.live_calls(7) == 0


def test_a_call_that_ends_gives_the_others_its_share_and_a_reread_takes_it_back():
    finished = {7: 40.0}
    timers, minutes, hung_up = meter(finished)
    minutes.answered("a", Charge(7, 60), lambda: hung_up.append("a"))
    minutes.answered("b", Charge(7, 60), lambda: hung_up.append("b"))
    timers.run_until(5.0)
    minutes.ended("a")  # talked 5 s; its record is not read yet
    timers.run_until(15.0)
    assert hung_up == []
    finished[7] = 45.0  # the records re-read: "a"'s 5 seconds are in
    minutes.replan()
    timers.run_until(15.1)  # 45 + 15 for "b" = 60
    assert hung_up == ["b"]


def test_other_members_and_calls_not_charged_are_apart():
    timers, minutes, hung_up = meter({})
    minutes.answered("a", Charge(7, 10), lambda: hung_up.append("a"))
    minutes.answered("b", Charge(8, 30), lambda: hung_up.append("b"))
    minutes.ended("not-charged")
    timers.run_until(10.1)
    assert hung_up == ["a"]
    assert minutes.left(8) is not None and 19 < minutes.left(8) < 20  # type: ignore[operator]
    assert minutes.left(7) is None
