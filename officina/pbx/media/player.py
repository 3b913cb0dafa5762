"""What a call the PBX answers says (a greeting, a tone, a menu, a prompt), frame by
frame in the session's codec, on the media clock.

The desk's clock ticks every 20 ms, but on a loaded machine a tick comes late, or is
skipped when the clock is far behind. Said one frame per tick, a four-second greeting
then lasted eight, and the caller, who waits as long as it lasts, spoke over it. So
what is said follows the time, not the number of ticks: ``FrameClock.frames_due``
gives every frame whose time has passed since the last tick, and the call sends at
most the last ``CATCH_UP_FRAMES`` of them, skipping older ones (still advancing past
them), so a prompt ends when it should and a late tick does not flood the phone.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from officina.pbx.media.g711 import Samples, encode
from officina.pbx.media.session import SAMPLES_PER_FRAME, MediaSession

FRAME_SECONDS = 0.02
# Frames sent at once after a late tick (100 ms, which a phone's jitter buffer takes);
# frames due longer ago are skipped rather than sent.
CATCH_UP_FRAMES = 5


class FrameClock:
    """When each frame a call says is due, counted from its first tick."""

    def __init__(self) -> None:
        self._next_frame_at: float | None = None

    def frames_due(self, now: float) -> Iterator[tuple[float, bool]]:
        """(the time the frame starts, whether to send it) for each frame due by
        ``now``, oldest first. A frame not taken stays due for the next tick: a caller
        that stops early (the call ended) leaves the clock where it stopped."""
        if self._next_frame_at is None:
            self._next_frame_at = now
        due = math.floor((now + FRAME_SECONDS / 2 - self._next_frame_at) / FRAME_SECONDS) + 1
        for index in range(max(due, 0)):
            frame_at = self._next_frame_at
            self._next_frame_at += FRAME_SECONDS
            yield frame_at, index >= due - CATCH_UP_FRAMES


class Player:
    """What a call says, frame by frame, in the session's codec."""

    def __init__(self, session: MediaSession) -> None:
        self.session = session
        self._samples: Samples = np.zeros(0, dtype=np.int16)
        self._encoded = b""
        self._position = 0

    def say(self, *parts: Samples) -> None:
        self._samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
        self._encoded = encode(self._samples, self.session.payload_type)
        self._position = 0

    def recodec(self) -> None:
        """The codec changed (a re-INVITE): re-encode what is left to say."""
        left = self._samples[self._position :]
        self._samples = left
        self._encoded = encode(left, self.session.payload_type)
        self._position = 0

    @property
    def saying(self) -> bool:
        return self._position < len(self._encoded)

    def next_frame(self) -> bytes:
        """The next frame of what is said; silence once it is said (which keeps the
        caller's NAT binding open)."""
        frame = self._encoded[self._position : self._position + SAMPLES_PER_FRAME]
        self._position += SAMPLES_PER_FRAME
        if len(frame) < SAMPLES_PER_FRAME:
            silence = encode(np.zeros(SAMPLES_PER_FRAME, dtype=np.int16), self.session.payload_type)
            frame += silence[len(frame) :]
        return frame
