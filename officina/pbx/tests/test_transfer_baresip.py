"""A blind transfer between three baresip phones through the proxy (REFER, RFC 3515).

Alice (201) calls Bob (202); Bob's phone answers by itself and Bob transfers her to
Carol (203) with baresip's ``transfer`` command. Bob's REFER travels in the call's
dialog through the proxy to Alice's phone, which calls Carol as an ordinary,
authenticated call; Carol's phone answers and decodes Alice's tone. The call
records tell the story: Alice's call to Bob was transferred to 203, her call to
Carol was placed by Bob's transfer.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, LivePbx, live_pbx, make_extensions, port_base
from officina.pbx.tests.test_baresip import (
    command,
    configure,
    loudness,
    running,
    tone,
    wait_for,
)

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which("baresip") is None or shutil.which("sox") is None,
        reason="baresip and sox are needed",
    ),
]

PASSWORDS = {"201": "alice-xfer-pw", "202": "bob-xfer-pw", "203": "carol-xfer-pw"}


@pytest.fixture
def pbx() -> Iterator[LivePbx]:
    make_extensions(PASSWORDS)
    # Phones on +1 to +39 above the PBX: inside this worker's block of 100 ports.
    with live_pbx(port_base() + 40) as running:
        yield running


def phone(tmp_path: Path, pbx: LivePbx, name: str, number: str, index: int) -> Path:
    home = tmp_path / name
    base = pbx.port
    # baresip listens for TLS on the port above its SIP port.
    sip_port, ctrl_port = base + 1 + 2 * index, base + 7 + index
    configure(home, "201", pbx, sip_port, ctrl_port, base + 10 + index * 10)
    (home / "accounts").write_text(
        f"<sip:{number}@{HOST}:{pbx.port}>;auth_pass={PASSWORDS[number]};regint=300;"
        "answermode=auto\n"
    )
    return home


def test_bob_transfers_alice_to_carol_and_they_talk(pbx, tmp_path):
    tone(tmp_path, 30)
    homes = {
        name: phone(tmp_path, pbx, name, number, index)
        for index, (name, number) in enumerate((("alice", "201"), ("bob", "202"), ("carol", "203")))
    }
    alice_ctrl, bob_ctrl = pbx.port + 7, pbx.port + 8
    with running(tmp_path, homes):
        assert wait_for(lambda: len(pbx.running.directory.bindings) == 3, 20), "all register"
        command(alice_ctrl, "dial", f"sip:202@{HOST}:{pbx.port}")
        assert wait_for(
            lambda: CallRecord.objects.filter(callee_number="202", outcome="answered").exists()
        ), "Bob answers"
        time.sleep(1)
        command(bob_ctrl, "transfer", f"sip:203@{HOST}:{pbx.port}")
        assert wait_for(
            lambda: CallRecord.objects.filter(callee_number="203", outcome="answered").exists(),
            20,
        ), (tmp_path / "alice.log").read_text(errors="replace")[-2000:]
        # Bob's leg ends once Alice's phone reports the new call answered.
        assert wait_for(
            lambda: CallRecord.objects.filter(callee_number="202", ended_at__isnull=False).exists(),
            15,
        ), (tmp_path / "bob.log").read_text(errors="replace")[-2000:]
        time.sleep(5)  # Alice's tone flows to Carol
        command(alice_ctrl, "hangup")
        assert wait_for(
            lambda: CallRecord.objects.filter(callee_number="203", ended_at__isnull=False).exists()
        )

    to_bob = CallRecord.objects.get(callee_number="202")
    assert (to_bob.caller_number, to_bob.outcome) == ("201", "answered")
    assert to_bob.transferred_to == "203"
    assert to_bob.transferred_by == ""
    to_carol = CallRecord.objects.get(callee_number="203")
    assert (to_carol.caller_number, to_carol.outcome) == ("201", "answered")
    assert to_carol.transferred_by == "202"
    assert to_carol.replaced_call_id == ""
    assert to_carol.duration is not None and to_carol.duration.total_seconds() >= 3
    (heard,) = (homes["carol"] / "received").glob("*-dec.wav")
    assert loudness(heard) > 1000, "Carol heard Alice"
