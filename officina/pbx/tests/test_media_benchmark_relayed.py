"""The relayed calls of ``benchmarks/media.py`` against the PBX and a real rtpengine: its
two generator processes register, call and answer as phones do, and a call counts as
relayed only when each side was given rtpengine's address, not the other phone's."""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from officina.pbx.tests.livepbx import HOST, live_pbx, make_extensions, port_base, running_rtpengine

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("rtpengine") is None, reason="rtpengine is needed"),
]

SIP_PORT, NG_PORT = port_base() + 50, port_base() + 52
# Four ports a call: the two calls of a step, and room for the one before it.
ENGINE_PORTS = range(port_base() + 60, port_base() + 80)


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    # Imported by its own name, from its folder: the generator's child processes are
    # spawned and find its functions the same way.
    folder = str(Path(__file__).resolve().parents[3] / "benchmarks")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module("media")


@pytest.mark.parametrize(("anchoring", "relayed"), [("always", 2), ("never", 0)])
def test_a_call_counts_as_relayed_only_when_both_phones_were_sent_to_rtpengine(
    bench, settings, anchoring, relayed
):
    settings.SIP_DOMAIN = bench.DOMAIN
    settings.MEDIA_ANCHORING = anchoring
    make_extensions({"201": bench.PASSWORD, "202": bench.PASSWORD})
    with running_rtpengine(NG_PORT, ENGINE_PORTS.start, ENGINE_PORTS.stop - 1) as url:
        settings.RTPENGINE_URL = url
        with live_pbx(SIP_PORT):
            row = bench.relayed_step(2, 1.5, (HOST, SIP_PORT), ENGINE_PORTS, [os.getpid()])
    assert row["answered"] == 2, row["failures"]
    assert row["relayed"] == relayed
    # Media flowed both ways, through rtpengine or straight: 75 frames each way per call.
    assert row["received"] >= 2 * 2 * 60, row
    assert row["lost"] == 0
    assert row["ok"] is (relayed == 2 and row["p99_ms"] < 20)
