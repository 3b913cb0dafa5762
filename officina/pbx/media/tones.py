"""Tones in and out: the DTMF detector for phones that send key presses as sound, and
the beep before recording, the ring tone while a call put through rings.

In-band detection (ITU-T Q.24 tones) runs the Goertzel algorithm on each 20 ms
packet for the eight DTMF frequencies, as one matrix product: the 8 x 160
cosine and sine tables are made once. A digit is a row tone and a column tone,
both well above the others and together most of the frame's energy, with the
twist (their level difference) within 8 dB; it must last two frames (40 ms,
Q.24 asks for at least 40) and is reported once until a frame without it.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.typing import NDArray

RATE = 8000
FRAME = 160  # samples in 20 ms
ROWS = (697.0, 770.0, 852.0, 941.0)
COLUMNS = (1209.0, 1336.0, 1477.0, 1633.0)
KEYS = ("123A", "456B", "789C", "*0#D")
# Keys a call remembers (the last ones, for the log and tests): a caller may press without
# end, so what is kept of it is bounded.
KEYS_KEPT = 32
_MIN_LEVEL = 3e5  # squared-magnitude floor: about -35 dBm0 over a 20 ms frame
_MAX_TWIST = 10 ** (8 / 10)  # 8 dB between the row and column tones
_TONE_SHARE = 0.6  # the two tones carry most of the frame's energy


@cache
def _bases(length: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    n = np.arange(length)
    frequencies = np.array(ROWS + COLUMNS)[:, None]
    angle = 2 * np.pi * frequencies * n / RATE
    return np.cos(angle), np.sin(angle)


def tone_powers(samples: NDArray[np.int16]) -> NDArray[np.float64]:
    """The energy at each DTMF frequency (rows then columns) in one frame."""
    cosines, sines = _bases(len(samples))
    values = samples.astype(np.float64)
    return (cosines @ values) ** 2 + (sines @ values) ** 2


def frame_digit(samples: NDArray[np.int16]) -> str | None:
    """The DTMF key sounding in this frame, if one clearly is."""
    if len(samples) < FRAME // 2:
        return None
    powers = tone_powers(samples)
    rows, columns = powers[:4], powers[4:]
    row, column = int(rows.argmax()), int(columns.argmax())
    low, high = rows[row], columns[column]
    if low < _MIN_LEVEL or high < _MIN_LEVEL:
        return None
    if max(low, high) > _MAX_TWIST * min(low, high):
        return None
    others = np.delete(rows, row).max(), np.delete(columns, column).max()
    if others[0] * 6 > low or others[1] * 6 > high:
        return None
    frame_energy = float(np.dot(samples.astype(np.float64), samples.astype(np.float64)))
    # A pure tone of amplitude A over N samples: Goertzel power (A N / 2)^2, energy A^2 N / 2.
    if (low + high) * 2 / len(samples) < _TONE_SHARE * frame_energy:
        return None
    return KEYS[row][column]


class InBandDtmf:
    """Key presses from a stream of frames: a digit heard in two frames in a row, once."""

    def __init__(self) -> None:
        self._candidate: str | None = None
        self._reported: str | None = None

    def feed(self, samples: NDArray[np.int16]) -> str | None:
        digit = frame_digit(samples)
        reported = None
        if digit is None:
            self._reported = None
        elif digit == self._candidate and digit != self._reported:
            reported = self._reported = digit
        self._candidate = digit
        return reported


def dtmf_tone(digit: str, seconds: float = 0.1, amplitude: int = 8000) -> NDArray[np.int16]:
    """The two-tone sound of a key (for tests and phones that need to hear one)."""
    found = [(r, keys.index(digit.upper())) for r, keys in enumerate(KEYS) if digit.upper() in keys]
    if len(digit) != 1 or not found:
        raise ValueError(f"not a DTMF digit: {digit!r}")
    row, column = found[0]
    t = np.arange(int(RATE * seconds)) / RATE
    wave = np.sin(2 * np.pi * ROWS[row] * t) + np.sin(2 * np.pi * COLUMNS[column] * t)
    return (wave * amplitude / 2).astype(np.int16)


def beep(seconds: float = 0.4, frequency: float = 1000.0) -> NDArray[np.int16]:
    """The tone after the greeting: record now."""
    t = np.arange(int(RATE * seconds)) / RATE
    ramp = np.minimum(1.0, np.minimum(t, seconds - t) / 0.01)  # no clicks at either end
    return (np.sin(2 * np.pi * frequency * t) * ramp * 10000).astype(np.int16)


# The ring tone a caller hears while the call they are put through rings: 425 Hz, one
# second on and four off (ITU-T E.180, as Italian and most European exchanges play it).
RINGBACK_HZ = 425.0
RINGBACK_ON, RINGBACK_OFF = 1.0, 4.0


def ringback() -> NDArray[np.int16]:
    """One cadence of the ring tone (five seconds), to be said again and again."""
    t = np.arange(int(RATE * RINGBACK_ON)) / RATE
    ramp = np.minimum(1.0, np.minimum(t, RINGBACK_ON - t) / 0.01)
    tone = (np.sin(2 * np.pi * RINGBACK_HZ * t) * ramp * 6000).astype(np.int16)
    return np.concatenate([tone, np.zeros(int(RATE * RINGBACK_OFF), dtype=np.int16)])


def rms(samples: NDArray[np.int16]) -> float:
    if len(samples) == 0:
        return 0.0
    values = samples.astype(np.float64)
    return float(np.sqrt(np.dot(values, values) / len(values)))
