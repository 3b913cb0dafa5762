"""Sounds as voicemail stores them: 16-bit mono WAV at 8 kHz, the telephone's own rate.

Uploaded greetings (WAV or MP3, any rate and channel count) are read with
libsndfile (through soundfile) and brought to that shape by sox, whose
resampler filters properly; spoken greetings and prompts come from espeak-ng.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import soundfile
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from officina.core.errors import OfficinaError

from .kinds import SAMPLE_RATE

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile


class SoundError(Exception):
    """The input is not a sound we can read, or the tools failed."""


def wav_bytes(samples: np.ndarray) -> bytes:
    """16-bit mono samples at 8 kHz as a WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(SAMPLE_RATE)
        file.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()


def read_telephone_wav(data: bytes) -> np.ndarray:
    """The samples of a WAV this module wrote (8 kHz, mono, 16-bit)."""
    with wave.open(io.BytesIO(data)) as file:
        if (file.getnchannels(), file.getsampwidth(), file.getframerate()) != (1, 2, SAMPLE_RATE):
            raise SoundError("not an 8 kHz mono 16-bit WAV")
        return np.frombuffer(file.readframes(file.getnframes()), dtype="<i2").astype(np.int16)


def to_telephone(data: bytes) -> tuple[bytes, float]:
    """Any WAV or MP3 -> (8 kHz mono WAV, its duration in seconds). Raises SoundError."""
    try:
        with soundfile.SoundFile(io.BytesIO(data)) as source:
            if source.format not in ("WAV", "MP3", "WAVEX"):
                raise SoundError(f"format {source.format}")
            samples = source.read(dtype="int16", always_2d=True)
            rate = source.samplerate
    except (RuntimeError, soundfile.LibsndfileError, TypeError, ValueError) as error:
        raise SoundError(str(error)) from None
    if samples.size == 0:
        raise SoundError("no audio")
    with tempfile.TemporaryDirectory() as folder:
        source_path, target_path = Path(folder) / "in.wav", Path(folder) / "out.wav"
        soundfile.write(source_path, samples, rate, subtype="PCM_16")
        _run(
            [
                "sox",
                str(source_path),
                "-r",
                str(SAMPLE_RATE),
                "-c",
                "1",
                "-b",
                "16",
                str(target_path),
            ]
        )
        converted = target_path.read_bytes()
    return converted, len(read_telephone_wav(converted)) / SAMPLE_RATE


def uploaded_to_telephone(upload: UploadedFile, max_bytes: int) -> tuple[bytes, float]:
    """An uploaded WAV or MP3 (a greeting, hold music) as :func:`to_telephone` makes it,
    or an input error on the form's ``audio`` field: too large, or not playable sound."""
    if upload.size is None or upload.size > max_bytes:
        raise OfficinaError.invalid_input(
            _("The file is larger than %(megabytes)s MB.")
            % {"megabytes": max_bytes // (1024 * 1024)},
            field="audio",
        )
    try:
        return to_telephone(upload.read(max_bytes + 1))
    except SoundError:
        raise OfficinaError.invalid_input(
            _("This is not a WAV or MP3 file that can be played."), field="audio"
        ) from None


def speak(text: str, language: str) -> bytes:
    """``text`` spoken by espeak-ng in ``language`` ("it" or "en"), as an 8 kHz WAV."""
    with tempfile.TemporaryDirectory() as folder:
        spoken, converted = Path(folder) / "spoken.wav", Path(folder) / "out.wav"
        _run(["espeak-ng", "-v", language, "-s", "150", "-w", str(spoken), "--", text])
        _run(["sox", str(spoken), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(converted)])
        return converted.read_bytes()


def cached_speech(text: str, language: str) -> Path:
    """``speak`` once per text and language; later calls read the file made the first time."""
    key = hashlib.sha256(f"{language}\n{text}".encode()).hexdigest()[:24]
    path = Path(settings.VOICEMAIL_PROMPTS_DIR) / f"{language}-{key}.wav"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(speak(text, language))
        partial.replace(path)  # atomic: a reader never sees half a prompt
    return path


def _run(command: list[str]) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=60)  # noqa: S603
    except (OSError, subprocess.SubprocessError) as error:
        raise SoundError(f"{command[0]} failed: {error}") from None
