"""Three baresip phones dial one conference room and each hears the other two, not
itself.

Each phone sends an espeak-ng sentence (``aufile``) filtered into a band of its own:
Alice 1200-2000 Hz, Bob 2400-3400 Hz, Carol 150-450 Hz (the join and leave tones,
600 and 900 Hz, fall between). What each phone decoded must be loud in the other two
bands and nearly silent in its own: the PBX sends everyone the sum of the others.
Carol's room has a PIN, typed with the keys; Bob mutes himself with ``*`` and the
room's page (the database row the PBX keeps) says so. The rooms take what the phones
send through the jitter buffer, which must not count their key presses' sequence
numbers as lost audio (baresip sends its RFC 4733 packets between its audio packets).
"""

from __future__ import annotations

import shutil
import subprocess
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from officina.accounts.models import Company
from officina.conferences.actions import RoomInput, check_save_room
from officina.conferences.models import Participant
from officina.pbx.tests.livepbx import HOST, LivePbx, live_pbx, make_extensions, port_base
from officina.pbx.tests.test_baresip import command, configure, wait_for

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.timing,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in ("baresip", "sox", "espeak-ng")),
        reason="baresip, sox and espeak-ng are needed",
    ),
]

PASSWORDS = {"201": "alice-room-pw", "202": "bob-room-pw", "203": "carol-room-pw"}
PHONES = {
    # name: (number, offset of its ports from the PBX's, band of its sentence)
    "alice": ("201", 10, (1200, 2000)),
    "bob": ("202", 14, (2400, 3400)),
    "carol": ("203", 40, (150, 450)),
}
SENTENCES = {
    "alice": "Good morning everyone, this is Alice from the Milan office.",
    "bob": "Hello, Bob here, working from home today in Turin.",
    "carol": "Carol speaking, I am in the meeting room with the clients.",
}


def band_power(samples: np.ndarray, band: tuple[int, int]) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64))) ** 2
    frequencies = np.fft.rfftfreq(samples.size, 1 / 8000)
    inside = (frequencies >= band[0]) & (frequencies <= band[1])
    return float(spectrum[inside].sum() / samples.size)


def decoded(home: Path) -> np.ndarray:
    (path,) = (home / "received").glob("*-dec.wav")
    with wave.open(str(path)) as audio:
        assert audio.getframerate() == 8000
        return np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")


def make_phone(tmp_path: Path, name: str, pbx: LivePbx) -> Path:
    number, offset, band = PHONES[name]
    spoken, source = tmp_path / f"{name}-spoken.wav", tmp_path / f"{name}.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-w", str(spoken), SENTENCES[name]], check=True)
    subprocess.run(
        ["sox", str(spoken), "-r", "8000", "-c", "1", "-b", "16", str(source),
         "sinc", f"{band[0]}-{band[1]}", "norm", "-3", "repeat", "8"],
        check=True,
    )  # fmt: skip
    home = tmp_path / name
    base = pbx.port
    configure(home, "201", pbx, base + offset, base + offset + 2, base + offset + 10)
    config = (home / "config").read_text()
    start = config.index("audio_source aufile,")
    end = config.index("\n", start)
    (home / "config").write_text(config[:start] + f"audio_source aufile,{source}" + config[end:])
    (home / "accounts").write_text(
        f"<sip:{number}@{HOST}:{pbx.port}>;auth_pass={PASSWORDS[number]};regint=300;"
        "answermode=auto\n"
    )
    return home


@pytest.fixture
def pbx() -> Iterator[LivePbx]:
    make_extensions(PASSWORDS)
    company = Company.objects.create(name="Sala riunioni srl", slug="sala")
    check_save_room(company, RoomInput(name="Weekly", number="800", pin="4321", language="en"))
    with live_pbx(port_base() + 5) as running:
        conferences = running.running.media.conferences
        assert wait_for(lambda: "800" in conferences.plans and bool(conferences.prompts), 30)
        yield running


def test_three_baresips_in_a_room_each_hear_the_others_and_not_themselves(pbx, tmp_path):
    homes = {name: make_phone(tmp_path, name, pbx) for name in PHONES}
    phones = [
        subprocess.Popen(
            ["baresip", "-f", str(home), "-t", "90"],
            stdout=(tmp_path / f"{name}.log").open("w"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        for name, home in homes.items()
    ]
    room = pbx.running.media.conferences
    try:
        assert wait_for(lambda: len(pbx.running.directory.bindings) == 3, 20), "all register"
        for joined, name in enumerate(PHONES, start=1):
            ctrl = pbx.port + PHONES[name][1] + 2
            command(ctrl, "dial", f"sip:800@{HOST}:{pbx.port}")
            time.sleep(2.5)  # answered; "Enter the conference PIN" begins
            for key in "4321#":
                command(ctrl, "sndcode", key)
                time.sleep(0.3)
            assert wait_for(lambda: Participant.objects.count() == joined, 15), (  # noqa: B023
                tmp_path / f"{name}.log"
            ).read_text(errors="replace")[-1500:]
        (live,) = room.live.values()
        assert len(live.calls) == 3
        time.sleep(8)  # everyone talks
        command(pbx.port + PHONES["bob"][1] + 2, "sndcode", "*")
        assert wait_for(lambda: Participant.objects.get(number="202").muted_self, 10)
        assert any(call.self_muted for call in live.calls)
        for call in live.calls:
            # Their key presses (the PIN, the *) took sequence numbers between audio
            # packets: the jitter buffer must not take those for lost audio.
            session = call.session
            assert session.counters.digits >= 5
            assert session.stats.received > 500
            assert session.buffer.late_or_lost <= session.stats.received // 100
            assert session.stats.lost <= session.stats.received // 100
    finally:
        for phone in phones:
            phone.terminate()
        for phone in phones:
            try:
                phone.wait(5)
            except subprocess.TimeoutExpired:
                phone.kill()
    assert wait_for(lambda: not Participant.objects.exists(), 15), "the leaves are recorded"
    for name, home in homes.items():
        # The seconds when all three were in the room and nobody muted (before them,
        # the PIN prompt, which is heard in every band).
        heard = decoded(home)[-8 * 8000 : -int(2.5 * 8000)]
        assert np.sqrt(np.mean(heard.astype(np.float64) ** 2)) > 300, f"{name} heard speech"
        own = band_power(heard, PHONES[name][2])
        others = [band_power(heard, PHONES[other][2]) for other in PHONES if other != name]
        for other_power in others:
            assert other_power > 20 * own, (name, own, others)
