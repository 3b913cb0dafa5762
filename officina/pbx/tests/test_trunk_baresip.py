"""A call in through a trunk answered by a real phone: SIPp as the provider sends an
INVITE to the company's number (as a peer trunk, from 127.0.0.2); Marco's baresip,
registered to his extension, answers it by itself; the provider acknowledges, talks a
moment and hangs up, and baresip sees the call established and closed."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from officina.pbx.models import CallRecord, Registration
from officina.pbx.tests.livepbx import HOST
from officina.pbx.tests.sipp_provider import COMPANY_NUMBER
from officina.pbx.tests.test_baresip import configure, wait_for
from officina.pbx.tests.test_sipp import eventually, finished

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which("baresip") is None or shutil.which("sipp") is None,
        reason="baresip and SIPp are needed",
    ),
]


def test_a_baresip_phone_answers_a_call_in_from_the_provider(tmp_path, phones, marco, sipp_trunk):
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(tmp_path / "tone.wav"),
         "synth", "5", "sine", "440", "vol", "0.5"],
        check=True,
    )  # fmt: skip
    number, password = phones["Marco"]
    pbx, base = sipp_trunk.pbx, sipp_trunk.base
    sipp_trunk.add_number(number)
    home = tmp_path / "marco"
    configure(home, "201", pbx, base + 10, base + 12, base + 40)
    (home / "accounts").write_text(
        f"<sip:{number}@{HOST}:{pbx.port}>;auth_pass={password};regint=300;answermode=auto\n"
    )
    log_path = tmp_path / "marco.log"
    with log_path.open("w") as log:
        phone = subprocess.Popen(
            ["baresip", "-f", str(home), "-t", "40"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            assert wait_for(lambda: Registration.objects.count() == 1), "baresip registers"
            the_provider = sipp_trunk.calling(
                tmp_path / "provider",
                "-key", "did", COMPANY_NUMBER, "-key", "caller", "+393331234567", "-d", "2000",
            )  # fmt: skip
            # 200 from baresip through the PBX, the provider's ACK, BYE and its 200.
            assert finished(the_provider, tmp_path / "provider") == 0
            assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).exists())
            assert wait_for(lambda: "terminated" in log_path.read_text(errors="replace"))
        finally:
            phone.terminate()
            phone.wait(10)
    sipp_trunk.stop()  # and its records written
    shown = log_path.read_text(errors="replace")
    assert "Call established" in shown or "call established" in shown, shown[-1500:]
    record = CallRecord.objects.get()
    assert record.direction == CallRecord.Direction.INBOUND
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert "baresip" in record.answered_by.lower()
    assert record.callee is not None and record.callee.member == marco
    assert record.duration is not None and record.duration.total_seconds() >= 1.5
