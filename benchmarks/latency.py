"""Timing queries in process, for the benchmarks that run them: each run's wall-clock and
CPU milliseconds, and one line of percentiles.

On the shared, loaded machine the wall clock says what a reader waited, which the load
can double from one run to the next; the CPU time of the process says what the work
costs, and is what a change to the code moves.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Latencies:
    wall: list[float]
    cpu: list[float]


def measure(call: Callable[[int], object], runs: int, *, warmups: int = 1) -> Latencies:
    """``call(run)`` ``runs`` times after ``warmups`` untimed calls."""
    for warmup in range(warmups):
        call(warmup)
    wall, cpu = [], []
    for run in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        call(run)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return Latencies(wall, cpu)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def summary(label: str, spent: Latencies, *, target_p95_ms: float | None = None) -> str:
    """p50, p95 and max wall-clock ms, the CPU p50 and p95, and a flag when the wall-clock
    p95 misses ``target_p95_ms``."""
    flag = ""
    if target_p95_ms is not None and p95(spent.wall) >= target_p95_ms:
        flag = f"  <-- over the {target_p95_ms:.0f} ms target"
    return (
        f"{label:<42} p50 {statistics.median(spent.wall):6.2f} ms  p95 {p95(spent.wall):6.2f} ms"
        f"  max {max(spent.wall):6.2f} ms  CPU p50 {statistics.median(spent.cpu):6.2f} ms"
        f"  p95 {p95(spent.cpu):6.2f} ms{flag}"
    )
