"""Two baresip softphones register through the PBX and call each other; audio flows.

Each baresip gets its own configuration directory: it sends a 440 Hz tone
made with sox (aufile source), plays what it receives nowhere (aubridge) and
dumps the decoded audio it received to a WAV file (sndfile filter). The
callee answers by itself; the caller is driven over ctrl_tcp.
"""

from __future__ import annotations

import array
import json
import math
import re
import shutil
import socket
import subprocess
import time
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from officina.pbx.models import CallRecord, Registration
from officina.pbx.tests.livepbx import HOST, LivePbx, live_pbx, make_extensions, port_base

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which("baresip") is None or shutil.which("sox") is None,
        reason="baresip and sox are needed",
    ),
]

PASSWORDS = {"201": "alice-baresip-pw", "202": "bob-baresip-pw"}
MODULES = Path("/usr/lib/baresip/modules")


@pytest.fixture
def pbx() -> Iterator[LivePbx]:
    make_extensions(PASSWORDS)
    with live_pbx(port_base() + 60) as running:
        yield running


def configure(
    home: Path,
    user: str,
    pbx: LivePbx,
    sip_port: int,
    ctrl_port: int,
    rtp: int,
    account_options: str = "",
) -> None:
    home.mkdir()
    (home / "received").mkdir()
    (home / "config").write_text(
        "\n".join(
            [
                "poll_method epoll",
                f"sip_listen {HOST}:{sip_port}",
                "sip_trans_def udp",
                f"net_interface {HOST}",
                f"rtp_ports {rtp}-{rtp + 9}",
                f"audio_player aubridge,nowhere{user}",
                f"audio_alert aubridge,alert{user}",
                f"audio_source aufile,{home.parent / 'tone.wav'}",
                f"module_path {MODULES}",
                "module g711.so",
                "module aufile.so",
                "module aubridge.so",
                "module sndfile.so",
                "module rtcpsummary.so",
                f"snd_path {home / 'received'}",
                "module_tmp uuid.so",  # the instance id SIP Outbound needs (RFC 5626 §4.1)
                "module_app account.so",
                "module_app menu.so",
                "module_app ctrl_tcp.so",
                f"ctrl_tcp_listen {HOST}:{ctrl_port}",
                "",
            ]
        )
    )
    (home / "accounts").write_text(
        f"<sip:{user}@{HOST}:{pbx.port}>;auth_pass={PASSWORDS[user]};regint=300;"
        f"answermode=auto{account_options}\n"
    )


def tone(folder: Path, seconds: int, volume: float = 0.5) -> None:
    """``tone.wav``, what every phone configured in ``folder`` sends (its aufile source):
    440 Hz, or silence at volume 0. baresip hangs up when the file ends."""
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(folder / "tone.wav"),
         "synth", str(seconds), "sine", "440", "vol", str(volume)],
        check=True,
    )  # fmt: skip


@contextmanager
def running(folder: Path, homes: dict[str, Path], seconds: int = 60) -> Iterator[None]:
    """baresip on each configuration in ``homes`` (by name), each logging to
    ``folder/<name>.log``, for at most ``seconds``; stopped on leaving."""
    logs = {name: (folder / f"{name}.log").open("w") for name in homes}
    phones = []
    try:
        for name, home in homes.items():
            phones.append(
                subprocess.Popen(
                    ["baresip", "-f", str(home), "-t", str(seconds)],
                    stdout=logs[name], stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                )
            )  # fmt: skip
        yield
    finally:
        for phone in phones:
            phone.terminate()
        for phone in phones:
            phone.wait(10)
        for log in logs.values():
            log.close()


def command(port: int, name: str, params: str = "") -> None:
    """Send one ctrl_tcp command (a netstring-framed JSON object)."""
    payload = json.dumps({"command": name, "params": params, "token": name}).encode()
    with socket.create_connection((HOST, port), timeout=5) as connection:
        connection.sendall(str(len(payload)).encode() + b":" + payload + b",")
        connection.recv(4096)


def wait_for(check: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def loudness(path: Path) -> float:
    """Root mean square of a 16-bit mono WAV (0 for silence)."""
    with wave.open(str(path)) as audio:
        samples = array.array("h", audio.readframes(audio.getnframes()))
    if not samples:
        return 0.0
    return math.sqrt(sum(sample * sample for sample in samples) / len(samples))


def test_two_baresips_call_each_other_with_audio(pbx, tmp_path):
    tone(tmp_path, 10)
    base = pbx.port
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    configure(alice, "201", pbx, base + 10, base + 12, base + 20)
    configure(bob, "202", pbx, base + 14, base + 16, base + 30)
    with running(tmp_path, {"bob": bob, "alice": alice}, seconds=40):
        assert wait_for(lambda: Registration.objects.count() == 2), "both phones register"
        command(base + 12, "dial", f"sip:202@{HOST}:{pbx.port}")
        assert wait_for(lambda: CallRecord.objects.filter(outcome="answered").exists())
        time.sleep(8)  # let the tone flow (and RTCP report it: every 5 s)
        command(base + 12, "hangup")
        assert wait_for(lambda: CallRecord.objects.filter(ended_at__isnull=False).exists()), (
            "the hang-up passed through the proxy"
        )
        assert CallRecord.objects.get().ended_by == CallRecord.EndedBy.CALLER, "Alice hung up"

    for home, name in ((bob, "bob"), (alice, "alice")):
        log = (tmp_path / f"{name}.log").read_text(errors="replace")
        received = re.search(r"PR=(\d+);", log)
        assert received and int(received.group(1)) > 100, f"{name} received RTP: {log[-800:]}"
        (decoded,) = (home / "received").glob("*-dec.wav")
        assert loudness(decoded) > 1000, f"{name} heard the tone"
    record = CallRecord.objects.get()
    assert record.caller_number == "201" and record.callee_number == "202"
    assert record.duration is not None and record.duration.total_seconds() >= 3


def test_an_outbound_baresip_keeps_its_flow_with_stun_on_the_sip_port(pbx, tmp_path):
    """SIP Outbound over UDP (RFC 5626): told its flow is kept, the phone sends STUN
    Binding requests to the SIP port at once (to learn its address) and then every
    keep-alive interval; each gets an answer and never counts as a failure."""
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(tmp_path / "tone.wav"),
         "synth", "1", "sine", "440"],
        check=True,
    )  # fmt: skip
    base = pbx.port
    home = tmp_path / "carla"
    configure(
        home,
        "201",
        pbx,
        # Inside this worker's block of ports (the PBX is at its 60th, the block has
        # 100): the phones of the call test have gone, so their ports are free again.
        base + 18,
        base + 19,
        base + 30,
        # Outbound flows are per outbound proxy: this phone's one is the PBX itself.
        f';sipnat=outbound;outbound="sip:{HOST}:{pbx.port}"',
    )
    with (tmp_path / "carla.log").open("w") as log:
        phone = subprocess.Popen(
            ["baresip", "-f", str(home), "-t", "20"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            assert wait_for(lambda: Registration.objects.filter(reg_id=1).exists()), (
                "the phone registers with a reg-id"
            )
            server = pbx.running.server
            assert wait_for(lambda: server.stats["keepalives"] >= 1, 10), "a STUN keep-alive"
            time.sleep(1.0)  # a failed flow would show as a new REGISTER about now
        finally:
            phone.terminate()
            phone.wait(10)
    registration = Registration.objects.get()
    assert registration.instance_id, "registered as an Outbound instance"
    assert pbx.running.server.limiter.blocked(HOST, pbx.running.server.clock()) is False
    # A keep-alive without an answer, or with another address, means a failed flow,
    # which the phone mends by registering again: it registered once.
    log_text = (tmp_path / "carla.log").read_text(errors="replace")
    assert log_text.count("200 OK") == 1, log_text
