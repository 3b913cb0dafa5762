"""A baresip phone calls a member who has no phone registered and leaves a voicemail.

baresip sends a WAV through its ``aufile`` source: eight seconds of silence (the
greeting and the tone play meanwhile) and then a sentence spoken by espeak-ng.
The PBX records it, ends the call itself after five seconds of silence, and
stores the message: its duration must be the sentence's within 10%, and its
sound must be speech (loud, with the rise and fall of words, not a steady tone).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, LivePbx, live_pbx, make_extensions, port_base
from officina.pbx.tests.test_baresip import command, configure, wait_for
from officina.voicemail.models import VoicemailMessage
from officina.voicemail.sound import read_telephone_wav

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in ("baresip", "sox", "espeak-ng")),
        reason="baresip, sox and espeak-ng are needed",
    ),
]

PASSWORDS = {"201": "alice-baresip-pw", "202": "bob-baresip-pw"}
SENTENCE = "Hello Bob, this is Alice. The meeting room is booked for three o'clock tomorrow."
FRAME = 160


def read_telephone_wav_any(path: Path) -> np.ndarray:
    """The samples of a 16-bit mono WAV at any rate (baresip records at the call's)."""
    import wave

    with wave.open(str(path)) as audio:
        return np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")


def speech_span(samples: np.ndarray) -> float:
    """Seconds from the first to the last 20 ms frame loud enough to be speech."""
    frames = samples[: len(samples) // FRAME * FRAME].reshape(-1, FRAME).astype(np.float64)
    loud = np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) >= 300)
    return float((loud[-1] - loud[0] + 1) * FRAME / 8000)


def stop(phone: subprocess.Popen[bytes]) -> None:
    """baresip lingers on SIGTERM while it unsubscribes and unregisters: wait a little,
    then kill it, so that its ports are free for the next test."""
    phone.terminate()
    try:
        phone.wait(5)
    except subprocess.TimeoutExpired:
        phone.kill()
        phone.wait(5)


@pytest.fixture
def pbx() -> Iterator[LivePbx]:
    make_extensions(PASSWORDS)
    with live_pbx(port_base() + 70) as running:
        assert wait_for(lambda: len(running.running.media.sounds) >= 2, 30), "prompts ready"
        yield running


def test_a_baresip_leaves_a_voicemail_for_an_absent_member(pbx, tmp_path):
    spoken = tmp_path / "spoken.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-w", str(spoken), SENTENCE], check=True)
    subprocess.run(
        ["sox", str(spoken), "-r", "8000", "-c", "1", "-b", "16", str(tmp_path / "sentence.wav"),
         "pad", "8", "0"],
        check=True,
    )  # fmt: skip
    # aufile plays tmp_path/tone.wav (the name the shared configuration uses).
    (tmp_path / "sentence.wav").rename(tmp_path / "tone.wav")
    sentence = read_telephone_wav(
        subprocess.run(
            ["sox", str(spoken), "-r", "8000", "-c", "1", "-b", "16", "-t", "wav", "-"],
            check=True, capture_output=True,
        ).stdout
    )  # fmt: skip
    expected = speech_span(sentence) + 0.5  # the PBX keeps 0.25 s either side of the speech

    base = pbx.port
    alice = tmp_path / "alice"
    configure(alice, "201", pbx, base + 10, base + 12, base + 20)
    with (tmp_path / "alice.log").open("w") as log:
        phone = subprocess.Popen(
            ["baresip", "-f", str(alice), "-t", "60"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            assert wait_for(lambda: pbx.running.directory.bindings, 15), "alice registers"
            started = time.monotonic()
            command(base + 12, "dial", f"sip:202@{HOST}:{pbx.port}")
            assert wait_for(lambda: VoicemailMessage.objects.exists(), 45), (
                tmp_path / "alice.log"
            ).read_text()[-1500:]
            elapsed = time.monotonic() - started
        finally:
            stop(phone)

    message = VoicemailMessage.objects.get()
    assert message.caller_number == "201"
    assert message.box.extension.number == "202"
    audio = read_telephone_wav(message.audio.read())
    assert len(audio) / 8000 == pytest.approx(message.duration, abs=0.02)
    assert message.duration == pytest.approx(expected, rel=0.10), (message.duration, expected)
    frames = audio[: len(audio) // FRAME * FRAME].reshape(-1, FRAME).astype(np.float64)
    levels = np.sqrt((frames**2).mean(axis=1))
    assert levels.mean() > 500, "loud enough to be a voice"
    # Speech rises and falls (syllables, pauses); a tone or noise would be steady.
    assert levels.std() / levels.mean() > 0.4
    assert 0.3 < (levels >= 300).mean() < 0.98
    # The PBX hung up itself after the silence (well before baresip's own timeout).
    assert elapsed < 40
    record = CallRecord.objects.get()
    assert record.outcome == "unregistered"
    assert pbx.running.media.dialogs == {}
    # And the caller heard the greeting and the tone: what baresip decoded is loud.
    (decoded,) = (alice / "received").glob("*-dec.wav")
    heard = read_telephone_wav_any(decoded)
    assert np.sqrt(np.mean(heard[: 8000 * 6].astype(np.float64) ** 2)) > 1000


def stored_message(number: str, seconds: float) -> VoicemailMessage:
    from datetime import UTC, datetime

    from officina.pbx.models import Extension
    from officina.voicemail.actions import NewMessage, do_store_message
    from officina.voicemail.sound import wav_bytes

    t = np.arange(int(8000 * seconds)) / 8000
    samples = (np.sin(2 * np.pi * 350 * t) * 5000).astype(np.int16)
    extension = Extension.objects.get(number=number)
    row = do_store_message(
        NewMessage(extension.pk, "202", "", datetime.now(UTC), wav_bytes(samples), seconds)
    )
    assert row is not None
    return row


def the_listening_call(pbx: LivePbx) -> object:
    dialogs = list(pbx.running.media.dialogs.values())
    return dialogs[0].call if dialogs else None


def test_a_baresip_hears_its_voicemail_and_deletes_with_keys(pbx, tmp_path):
    first = stored_message("201", 2.0)
    second = stored_message("201", 2.0)
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(tmp_path / "tone.wav"),
         "trim", "0", "30"],
        check=True,
    )  # fmt: skip
    base = pbx.port
    alice = tmp_path / "alice"
    configure(alice, "201", pbx, base + 10, base + 12, base + 20)
    with (tmp_path / "alice.log").open("w") as log:
        phone = subprocess.Popen(
            ["baresip", "-f", str(alice), "-t", "60"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            assert wait_for(lambda: pbx.running.directory.bindings, 15), "alice registers"
            command(base + 12, "dial", f"sip:*97@{HOST}:{pbx.port}")
            # The summary is said first; the first message (oldest new one) follows.
            assert wait_for(lambda: getattr(the_listening_call(pbx), "current", -1) == 0, 20)
            command(base + 12, "sndcode", "7")  # delete it
            assert wait_for(lambda: getattr(the_listening_call(pbx), "current", -1) == 1, 10)
            command(base + 12, "sndcode", "#")  # keep the second, heard
            # "No more messages. Goodbye." and the PBX hangs up.
            assert wait_for(lambda: not pbx.running.media.dialogs, 20), (
                tmp_path / "alice.log"
            ).read_text()[-1500:]
            assert wait_for(lambda: not VoicemailMessage.objects.filter(pk=first.pk).exists(), 5)
            assert wait_for(
                lambda: VoicemailMessage.objects.get(pk=second.pk).heard_at is not None, 5
            )
        finally:
            stop(phone)
    log_text = (tmp_path / "alice.log").read_text(errors="replace")
    assert "send DTMF digit: '7'" in log_text
