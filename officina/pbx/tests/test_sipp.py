"""The PBX against SIPp, a real SIP peer: registration, calls, forking, CANCEL, bad input."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from officina.pbx.models import CallRecord, Registration
from officina.pbx.tests.livepbx import HOST, LivePbx, live_pbx, make_extensions, port_base

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed"),
]

SCENARIOS = Path(__file__).parent / "sipp"
PASSWORDS = {"201": "caller-secret-1", "202": "callee-secret-2"}


@pytest.fixture
def pbx() -> Iterator[LivePbx]:
    make_extensions(PASSWORDS)
    with live_pbx(port_base()) as running:
        yield running


def credentials(user: str, extra: str = "") -> str:
    row = f"{user};[authentication username={user} password={PASSWORDS[user]}]"
    return f"{row};{extra}" if extra else row


def sipp(
    tmp_path: Path,
    scenario: str,
    pbx: LivePbx,
    local_port: int,
    *args: str,
    rows: list[str] | None = None,
    background: bool = False,
) -> subprocess.Popen[bytes]:
    command = ["sipp", "-sf", str(SCENARIOS / scenario), "-i", HOST, "-p", str(local_port)]
    command += ["-nostdin", "-trace_err", "-timeout", "30s", "-timeout_error"]
    if rows is not None:
        injection = tmp_path / f"{scenario}-{local_port}.csv"
        injection.write_text("SEQUENTIAL\n" + "\n".join(rows) + "\n")
        command += ["-inf", str(injection)]
    if not background:
        command.insert(1, f"{HOST}:{pbx.port}")
    command += list(args)
    return subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def finished(process: subprocess.Popen[bytes], tmp_path: Path) -> int:
    try:
        code = process.wait(45)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        code = -1
    if code != 0:
        errors = "\n".join(p.read_text()[:3000] for p in tmp_path.glob("*errors.log"))
        print(errors)  # noqa: T201 - shown by pytest when the test fails
    return code


def register(tmp_path: Path, pbx: LivePbx, user: str, contact_port: int, local_port: int) -> int:
    process = sipp(
        tmp_path, "register.xml", pbx, local_port, "-m", "1",
        "-key", "contact_host", HOST, "-key", "contact_port", str(contact_port),
        "-key", "expires", "300", rows=[credentials(user)],
    )  # fmt: skip
    return finished(process, tmp_path)


def eventually(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def test_register_with_digest_auth(pbx, tmp_path):
    base = pbx.port
    assert register(tmp_path, pbx, "202", base + 10, base + 11) == 0
    assert eventually(lambda: Registration.objects.filter(extension__number="202").exists())
    registration = Registration.objects.get()
    assert registration.contact_uri == f"sip:202@{HOST}:{base + 10};transport=UDP"
    assert registration.user_agent == "SIPp register"


def test_call_between_two_extensions(pbx, tmp_path):
    base = pbx.port
    callee = sipp(tmp_path, "uas_answer.xml", pbx, base + 20, "-m", "3", background=True)
    assert register(tmp_path, pbx, "202", base + 20, base + 21) == 0
    caller = sipp(
        tmp_path, "uac_call.xml", pbx, base + 22, "-m", "3", "-r", "3", "-d", "200",
        rows=[credentials("201", "202")],
    )  # fmt: skip
    assert finished(caller, tmp_path) == 0
    assert finished(callee, tmp_path) == 0
    assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).count() == 3)
    record = CallRecord.objects.first()
    assert record is not None
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.duration is not None and record.duration.total_seconds() >= 0.15


def test_forking_to_two_devices(pbx, tmp_path):
    base = pbx.port
    answering = sipp(tmp_path, "uas_answer.xml", pbx, base + 30, "-m", "1", background=True)
    ringing = sipp(
        tmp_path, "uas_ring_answered_elsewhere.xml", pbx, base + 31, "-m", "1", background=True
    )
    assert register(tmp_path, pbx, "202", base + 30, base + 32) == 0
    assert register(tmp_path, pbx, "202", base + 31, base + 33) == 0
    caller = sipp(
        tmp_path, "uac_call.xml", pbx, base + 34, "-m", "1", "-d", "200",
        rows=[credentials("201", "202")],
    )  # fmt: skip
    assert finished(caller, tmp_path) == 0
    assert finished(answering, tmp_path) == 0
    assert finished(ringing, tmp_path) == 0  # got CANCEL with "Reason: SIP;cause=200"
    assert eventually(lambda: CallRecord.objects.filter(ended_at__isnull=False).exists())
    record = CallRecord.objects.get()
    assert len(record.devices_rung) == 2


def test_caller_cancels(pbx, tmp_path):
    base = pbx.port
    ringing = sipp(
        tmp_path, "uas_ring_until_cancel.xml", pbx, base + 40, "-m", "1", background=True
    )
    assert register(tmp_path, pbx, "202", base + 40, base + 41) == 0
    caller = sipp(
        tmp_path, "uac_cancel.xml", pbx, base + 42, "-m", "1", "-d", "300",
        rows=[credentials("201", "202")],
    )  # fmt: skip
    assert finished(caller, tmp_path) == 0
    assert finished(ringing, tmp_path) == 0
    assert eventually(lambda: CallRecord.objects.exists())
    assert CallRecord.objects.get().outcome == CallRecord.Outcome.CANCELLED


def test_malformed_messages_and_the_server_keeps_serving(pbx, tmp_path):
    base = pbx.port
    probe = sipp(tmp_path, "malformed.xml", pbx, base + 50, "-m", "1")
    assert finished(probe, tmp_path) == 0
    assert register(tmp_path, pbx, "202", base + 51, base + 52) == 0
