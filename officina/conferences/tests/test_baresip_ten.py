"""Ten baresip phones in one conference room: each hears the other nine, without gaps;
and three, one of them sending 30 ms packets, the others 20 ms.

Each phone sends a steady tone of its own (``aufile``; 350 to 2250 Hz, each a multiple
of 50 Hz, so that every 20 ms frame of 160 samples holds a whole number of its cycles
and its power falls in one bin of the frame's spectrum; none near the join and leave
tones' 600 and 900 Hz). While all ten are in the room, every 20 ms frame each phone
decoded must hold the nine other tones: a frame where one of them is missing is a gap
(a frame of that caller the PBX did not mix in, or a frame the PBX did not send). The
test counts them per participant, with what the PBX's side counted (frames its jitter
buffer gave up, ticks a caller had no frame for the mix).

Phones are often set to 30 ms of audio a packet: the PBX cuts what such a phone sends
into its 20 ms frames and sends it 30 ms packets (the ``a=ptime`` of its offer), and
the room sounds the same to everyone.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from officina.accounts.models import Company
from officina.conferences.actions import RoomInput, check_save_room
from officina.conferences.models import Participant
from officina.pbx.media.conference import ConferenceCall
from officina.pbx.media.session import RtpSession
from officina.pbx.tests.livepbx import HOST, LivePbx, live_pbx, make_extensions, port_base
from officina.pbx.tests.test_baresip import command, configure, wait_for

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.timing,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in ("baresip", "sox")),
        reason="baresip and sox are needed",
    ),
]

TONES = [350, 500, 750, 1050, 1250, 1450, 1650, 1850, 2050, 2250]
NUMBERS = [str(201 + index) for index in range(len(TONES))]
PASSWORDS = {number: f"ten-room-{number}-pw" for number in NUMBERS}
FRAME = 160
TOGETHER_SECONDS = 8
# Frames of what each phone decoded that are measured: the seconds before the
# phones hang up, leaving out the last one (the phones do not all stop at once).
MEASURED = slice(-7 * 8000, -1 * 8000)


def phone_ports(base: int, index: int) -> tuple[int, int, int]:
    """SIP (and TLS on the next), control and first RTP port of the index-th phone: eight
    ports each."""
    sip = base + 20 + 8 * index
    return sip, sip + 2, sip + 4


def make_phone(tmp_path: Path, index: int, pbx: LivePbx, account_options: str = "") -> Path:
    number, frequency = NUMBERS[index], TONES[index]
    source = tmp_path / f"tone-{frequency}.wav"
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(source),
         "synth", "60", "sine", str(frequency), "vol", "0.09"],
        check=True,
    )  # fmt: skip
    home = tmp_path / f"phone-{number}"
    sip, ctrl, rtp = phone_ports(port_base(), index)
    configure(home, "201", pbx, sip, ctrl, rtp)
    config = (home / "config").read_text()
    config = config.replace(f"rtp_ports {rtp}-{rtp + 9}", f"rtp_ports {rtp}-{rtp + 3}")
    start = config.index("audio_source aufile,")
    end = config.index("\n", start)
    (home / "config").write_text(config[:start] + f"audio_source aufile,{source}" + config[end:])
    (home / "accounts").write_text(
        f"<sip:{number}@{HOST}:{pbx.port}>;auth_pass={PASSWORDS[number]};regint=300;"
        f"answermode=auto{account_options}\n"
    )
    return home


def decoded(home: Path) -> np.ndarray:
    (path,) = (home / "received").glob("*-dec.wav")
    with wave.open(str(path)) as audio:
        assert audio.getframerate() == 8000
        return np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")


def tone_levels(samples: np.ndarray) -> np.ndarray:
    """(frames, tones): each tone's amplitude in each 20 ms frame."""
    frames = samples[: samples.size // FRAME * FRAME].reshape(-1, FRAME).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(frames, axis=1)) * 2 / FRAME
    return spectrum[:, [frequency // 50 for frequency in TONES]]


@pytest.fixture
def pbx() -> Iterator[LivePbx]:
    make_extensions(PASSWORDS)
    company = Company.objects.create(name="Dieci srl", slug="dieci")
    check_save_room(company, RoomInput(name="All hands", number="810", language="en"))
    with live_pbx(port_base() + 5) as running:
        conferences = running.running.media.conferences
        assert wait_for(lambda: "810" in conferences.plans, 30)
        yield running


@dataclass
class RoomHeard:
    """What a room of baresips heard: for each phone (its number), the 20 ms frames it
    decoded missing another's tone; the PBX's side (frames the mix had none of the caller,
    frames its jitter buffer gave up, RTP packets lost; by number); the packets the PBX
    sent each phone and received from it while all were in, and the packet time agreed
    (by number)."""

    gaps: dict[str, int]
    pbx_side: dict[str, tuple[int, int, int]]
    sent: dict[str, int]
    received: dict[str, int]
    ptime: dict[str, int]
    passed_over: int  # frames of the room's mix passed over at ticks over 100 ms late


def rtp_session(call: ConferenceCall) -> RtpSession:
    """A phone's session in the room (plain RTP: no browser here)."""
    assert isinstance(call.session, RtpSession)
    return call.session


def phones_in_a_room(
    pbx: LivePbx, tmp_path: Path, count: int, account_options: dict[int, str]
) -> RoomHeard:
    """The first ``count`` phones (``account_options`` added to some's account) dial room
    810 and stay TOGETHER_SECONDS; then each one's decoded audio is checked."""
    homes = [
        make_phone(tmp_path, index, pbx, account_options.get(index, "")) for index in range(count)
    ]
    phones = [
        subprocess.Popen(
            ["baresip", "-f", str(home), "-t", "60"],
            stdout=(tmp_path / f"{home.name}.log").open("w"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        for home in homes
    ]
    room = pbx.running.media.conferences
    try:
        assert wait_for(lambda: len(pbx.running.directory.bindings) == count, 20)
        for index in range(count):
            command(phone_ports(port_base(), index)[1], "dial", f"sip:810@{HOST}:{pbx.port}")
            time.sleep(0.2)
        assert wait_for(lambda: Participant.objects.count() == count, 20)
        (live,) = room.live.values()
        calls = {call.session.local_port: (call, rtp_session(call)) for call in live.calls}
        before = {
            port: (call.frames_missing, session.counters.sent, session.stats.received)
            for port, (call, session) in calls.items()
        }
        passed_over_before = live.frames_passed_over
        time.sleep(TOGETHER_SECONDS)
        dialogs = pbx.running.media.dialogs
        caller = {port: dialogs[call.call_id].caller_number for port, (call, _s) in calls.items()}
        pbx_side = {
            caller[port]: (
                call.frames_missing - before[port][0],
                session.buffer.late_or_lost,
                session.stats.lost,
            )
            for port, (call, session) in calls.items()
        }
        sent = {
            caller[port]: session.counters.sent - before[port][1]
            for port, (_call, session) in calls.items()
        }
        received = {
            caller[port]: session.stats.received - before[port][2]
            for port, (_call, session) in calls.items()
        }
        ptime = {caller[port]: session.agreement.ptime for port, (_c, session) in calls.items()}
        passed_over = live.frames_passed_over - passed_over_before
    finally:
        for phone in phones:
            phone.terminate()
        for phone in phones:
            try:
                phone.wait(5)
            except subprocess.TimeoutExpired:
                phone.kill()
    assert wait_for(lambda: not Participant.objects.exists(), 15), "the leaves are recorded"

    gaps = {}
    for index, home in enumerate(homes):
        levels = tone_levels(decoded(home)[MEASURED])[:, :count]
        others = [other for other in range(count) if other != index]
        heard = levels[:, others]
        # A tone present is about 2950 (0.09 of full scale); a missing one is noise.
        missing = heard < 1000
        gaps[NUMBERS[index]] = int(missing.sum())
        assert np.median(heard) > 2000, (NUMBERS[index], np.median(heard, axis=0))
        assert np.median(levels[:, index]) < 300, "nobody hears themselves"
    print("frames missing per participant (of 300 x others):", gaps)  # noqa: T201 - with -s
    print("PBX side (mix had no frame, buffer lost, RTP lost):", pbx_side)  # noqa: T201
    print("packets sent, received, packet time:", sent, received, ptime)  # noqa: T201
    print("frames of the mix passed over (ticks over 100 ms late):", passed_over)  # noqa: T201
    return RoomHeard(gaps, pbx_side, sent, received, ptime, passed_over)


def test_ten_baresips_in_a_room_each_hear_the_other_nine_without_gaps(pbx, tmp_path):
    heard = phones_in_a_room(pbx, tmp_path, len(TONES), {})
    frames = 6 * 50 * (len(TONES) - 1)
    for number, missing_frames in heard.gaps.items():
        assert missing_frames <= frames // 100, (number, heard.gaps, heard.pbx_side)


def test_a_phone_sending_30_ms_packets_hears_and_is_heard_without_gaps(pbx, tmp_path):
    heard = phones_in_a_room(pbx, tmp_path, 3, {0: ";ptime=30"})
    # The PBX sends each phone the packet time its offer asked for: 30 ms packets to the
    # first (33 a second), 20 ms to the others (50); and the first sends 30 ms packets.
    assert heard.ptime == {"201": 30, "202": 20, "203": 20}
    for number, ptime in heard.ptime.items():
        expected = TOGETHER_SECONDS * 1000 / ptime
        for packets in (heard.sent[number], heard.received[number]):
            assert 0.9 * expected <= packets <= 1.1 * expected, (number, heard)
    frames = 6 * 50 * 2
    for number, missing_frames in heard.gaps.items():
        assert missing_frames <= frames // 100, (number, heard.gaps, heard.pbx_side)
    # What the 30 ms phone said was cut into the room's frames: the frames its jitter
    # buffer gave up are those its lost packets spanned (two each), and 1% at most.
    _mix_missing, buffer_lost, rtp_lost = heard.pbx_side["201"]
    assert buffer_lost <= 2 * rtp_lost + frames // 100, heard.pbx_side
