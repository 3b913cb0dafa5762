"""Feature codes from a real baresip phone: ``*72202`` forwards every call of 201 to
202, ``*73`` stops it; the phone is told with 480 "Forwarding On"/"Forwarding Off"."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from officina.pbx.models import Forwarding, Registration
from officina.pbx.tests.livepbx import HOST
from officina.pbx.tests.test_baresip import command, configure, pbx, wait_for  # noqa: F401

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("baresip") is None, reason="baresip is needed"),
]


def forwarded_always() -> str | None:
    forwarding = Forwarding.objects.filter(extension__number="201").first()
    return forwarding.always if forwarding is not None else None


def test_feature_codes_from_baresip_turn_forwarding_on_and_off(pbx, tmp_path):  # noqa: F811
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(tmp_path / "tone.wav"),
         "synth", "1", "sine", "440"],
        check=True,
    )  # fmt: skip
    base = pbx.port
    alice = tmp_path / "alice"
    configure(alice, "201", pbx, base + 10, base + 12, base + 20)
    log_path = tmp_path / "alice.log"
    with log_path.open("w") as log:
        phone = subprocess.Popen(
            ["baresip", "-f", str(alice), "-t", "40"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            assert wait_for(lambda: Registration.objects.count() == 1), "the phone registers"
            command(base + 12, "dial", f"sip:*72202@{HOST}:{pbx.port}")
            assert wait_for(lambda: forwarded_always() == "202")
            assert wait_for(lambda: "Forwarding On" in log_path.read_text(errors="replace"))
            command(base + 12, "dial", f"sip:*73@{HOST}:{pbx.port}")
            assert wait_for(lambda: forwarded_always() == "")
            assert wait_for(lambda: "Forwarding Off" in log_path.read_text(errors="replace"))
            rules = pbx.running.server.proxy.forwarding.rules
            assert not rules  # nothing forwarded any more, in memory too
        finally:
            phone.terminate()
            phone.wait(10)
