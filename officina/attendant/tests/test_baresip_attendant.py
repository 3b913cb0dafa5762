"""A baresip phone calls a company's auto-attendant, presses keys and is put through.

The menu's greeting is typed and spoken by espeak-ng. Alice's baresip sends an
espeak-ng sentence (``aufile``); she dials the menu, presses a key that is not on
it (and hears why), then the key of Bob's extension: the PBX sends her phone a
REFER, her phone calls Bob through the proxy, Bob's baresip answers, and Bob hears
Alice's sentence. The attendant's own leg is hung up once the new call is answered.
A second call goes through a submenu to Bob's voicemail and leaves a message there.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from officina.attendant.actions import MenuInput
from officina.attendant.tests.test_sipp_attendant import front_desk
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, LivePbx, live_pbx, port_base
from officina.pbx.tests.test_baresip import command, configure, wait_for
from officina.voicemail.models import VoicemailMessage

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in ("baresip", "sox", "espeak-ng")),
        reason="baresip, sox and espeak-ng are needed",
    ),
]

PASSWORDS = {"201": "alice-ivr-pw", "202": "bob-ivr-pw"}
SENTENCE = "Hello Bob, this is Alice calling through the front desk menu."


def rms(path: Path) -> float:
    import wave

    with wave.open(str(path)) as audio:
        samples = np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if samples.size else 0.0


def phone_home(tmp_path: Path, name: str, number: str, pbx: LivePbx, offset: int) -> Path:
    home = tmp_path / name
    base = pbx.port
    configure(home, "201", pbx, base + 10 + offset, base + 12 + offset, base + 20 + offset * 3)
    (home / "accounts").write_text(
        f"<sip:{number}@{HOST}:{pbx.port}>;auth_pass={PASSWORDS[number]};regint=300;"
        "answermode=auto\n"
    )
    return home


def start(home: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["baresip", "-f", str(home), "-t", "90"],
        stdout=log.open("w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def stop(phone: subprocess.Popen[bytes]) -> None:
    phone.terminate()
    try:
        phone.wait(5)
    except subprocess.TimeoutExpired:
        phone.kill()
        phone.wait(5)


@pytest.fixture
def pbx(tmp_path: Path) -> Iterator[LivePbx]:
    front_desk(
        MenuInput(
            name="Support",
            number="510",
            language="en",
            greeting_text="Support. Press 3 to leave Bob a message.",
            options={"3": ("voicemail", "202")},
        ),
        MenuInput(
            name="Front desk",
            number="500",
            language="en",
            greeting_text="Welcome. Press 2 for Bob, or 5 for support.",
            timeout_seconds=4,
            options={"2": ("extension", "202"), "5": ("menu", "510")},
        ),
        passwords=PASSWORDS,
    )
    spoken = tmp_path / "spoken.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-w", str(spoken), SENTENCE], check=True)
    subprocess.run(
        ["sox", str(spoken), "-r", "8000", "-c", "1", "-b", "16", str(tmp_path / "tone.wav"),
         "pad", "1", "0", "repeat", "6"],
        check=True,
    )  # fmt: skip
    # Its phones use +60 to +91: inside this worker's block of 100 ports.
    with live_pbx(port_base() + 50) as running:
        menus = running.running.media.menus
        assert wait_for(lambda: len(menus.plans) == 2 and len(menus.sounds) == 2, 30)
        assert wait_for(lambda: len(running.running.media.sounds) >= 2, 30), "voicemail ready"
        yield running


def attendant_call(pbx: LivePbx) -> Any:
    dialogs = list(pbx.running.media.dialogs.values())
    return dialogs[0].call if dialogs else None


def test_a_baresip_navigates_the_menu_and_is_put_through_to_bob(pbx, tmp_path):
    alice = phone_home(tmp_path, "alice", "201", pbx, 0)
    bob = phone_home(tmp_path, "bob", "202", pbx, 4)
    phones = [start(bob, tmp_path / "bob.log"), start(alice, tmp_path / "alice.log")]
    media = pbx.running.media
    try:
        assert wait_for(lambda: len(pbx.running.directory.bindings) == 2, 20), "both register"
        command(pbx.port + 12, "dial", f"sip:500@{HOST}:{pbx.port}")
        assert wait_for(lambda: getattr(attendant_call(pbx), "stage", None) is not None, 15)
        call = attendant_call(pbx)
        command(pbx.port + 12, "sndcode", "9")  # not on the menu
        assert wait_for(lambda: "9" in call.keys, 10)
        assert call.rounds == 2, "a wrong key: the reason, then the greeting again"
        command(pbx.port + 12, "sndcode", "2")
        # The PBX hands Alice's phone over with a REFER; her phone calls Bob; once Bob
        # answers, the attendant's leg is hung up.
        assert wait_for(lambda: media.stats["transferred"] == 1, 30), (
            tmp_path / "alice.log"
        ).read_text(errors="replace")[-2000:]
        assert wait_for(lambda: not media.dialogs, 10)
        assert wait_for(
            lambda: CallRecord.objects.filter(
                caller_number="201", callee_number="202", outcome="answered"
            ).exists(),
            10,
        )
        time.sleep(6)  # Alice's sentence flows to Bob
    finally:
        for phone in phones:
            stop(phone)
    assert list(call.keys)[:2] == ["9", "2"]
    assert call.ended_by == "transferred"
    (heard,) = (bob / "received").glob("*-dec.wav")
    assert rms(heard) > 500, "Bob heard Alice"
    menu_call = CallRecord.objects.get(callee_number="500")
    assert menu_call.caller_number == "201"


def test_a_submenu_leads_to_a_voicemail(pbx, tmp_path):
    alice = phone_home(tmp_path, "alice", "201", pbx, 0)
    phone = start(alice, tmp_path / "alice.log")
    try:
        assert wait_for(lambda: len(pbx.running.directory.bindings) == 1, 20), "alice registers"
        command(pbx.port + 12, "dial", f"sip:500@{HOST}:{pbx.port}")
        assert wait_for(lambda: getattr(attendant_call(pbx), "stage", None) is not None, 15)
        call = attendant_call(pbx)
        command(pbx.port + 12, "sndcode", "5")
        assert wait_for(lambda: call.menu.number == "510", 10), "the submenu answers"
        command(pbx.port + 12, "sndcode", "3")
        # The same call now leaves Bob a message: greeting, tone, Alice's sentence,
        # and it ends by itself after five seconds of silence or the maximum.
        assert wait_for(lambda: VoicemailMessage.objects.exists(), 60), (
            tmp_path / "alice.log"
        ).read_text(errors="replace")[-1500:]
    finally:
        stop(phone)
    message = VoicemailMessage.objects.get()
    assert message.box.extension.number == "202"
    assert message.caller_number == "201"
    assert message.duration > 1.0
