"""The SIP benchmark's verdict on a step: the rate SIPp achieved, from its one-line-a-second
statistics, must be within 5% of the rate offered (and at most 1% may fail)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    path = Path(__file__).resolve().parents[3] / "benchmarks" / "sip.py"
    spec = importlib.util.spec_from_file_location("benchmark_sip", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["benchmark_sip"] = module
    spec.loader.exec_module(module)
    return module


def test_the_moment_all_attempts_started_is_interpolated_between_two_lines(bench):
    # 1000 attempts at 200/s: 800 started after 4 s, 1000 after 5.0 s of the 6.0 s line.
    samples = [(1.0, 200), (2.0, 400), (3.0, 600), (4.0, 800), (6.0, 1000)]
    assert bench._time_all_started(samples, 1000, 9.0) == pytest.approx(6.0)
    samples = [(4.0, 800), (5.0, 1100)]
    assert bench._time_all_started(samples, 1000, 9.0) == pytest.approx(4 + 200 / 300)
    assert bench._time_all_started([(1.0, 10)], 1000, 9.0) == 9.0  # never all started


@pytest.mark.parametrize(
    ("started_in", "failed", "ok"),
    [
        (5.0, 0, True),  # 1000 attempts at 200/s: 199.8/s achieved
        (5.2, 10, True),  # 192/s, 96%; 1% failed
        (5.3, 0, False),  # 188/s, 94%
        (6.6, 0, False),  # 151/s, about the 75% the old verdict let through
        (5.0, 11, False),  # 1.1% failed
    ],
)
def test_a_step_passes_within_five_percent_of_the_offered_rate(bench, started_in, failed, ok):
    step = bench.Step(offered=200.0, started_in=started_in, total=1000, failed=failed)
    assert step.ok is ok


def test_a_single_attempt_passes_on_its_outcome_alone(bench):
    assert bench.Step(offered=1.0, started_in=0.0, total=1, failed=0).ok
    assert not bench.Step(offered=1.0, started_in=0.0, total=1, failed=1).ok
