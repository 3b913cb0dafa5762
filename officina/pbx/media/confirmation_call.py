"""A call the PBX answers only to say one thing (a feature code's confirmation, say),
then hangs up.

What is said follows the media clock (``player.py``); after it, a moment of silence lets
the phone's jitter buffer play the last words out before the BYE. Keys are ignored, and
what the caller sends is read and dropped (its buffer must not grow).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from officina.pbx.media.g711 import Samples
from officina.pbx.media.player import FrameClock, Player
from officina.pbx.media.session import MediaSession

# Silence said after the words, before hanging up (a jitter buffer holds ~100-200 ms).
TAIL_SECONDS = 0.4


class ConfirmationCall:
    def __init__(
        self,
        session: MediaSession,
        words: Samples,
        on_done: Callable[[ConfirmationCall], None],
    ) -> None:
        self.session = session
        self.on_done = on_done
        self.ended_by = ""
        self.clock = FrameClock()
        self.player = Player(session)
        tail = np.zeros(int(TAIL_SECONDS * 8000), dtype=np.int16)
        self.player.say(words, tail)
        self._done = False

    def tick(self, now: float) -> None:
        if self._done:
            return
        self.session.report(now)
        self.session.buffer.pop(now)
        for _frame_at, sent in self.clock.frames_due(now):
            if not self.player.saying:
                self.finish("said")
                return
            frame = self.player.next_frame()
            if sent:
                self.session.send(frame)

    @property
    def finished(self) -> bool:
        return self._done

    def digit(self, digit: str) -> None:
        """Keys change nothing: the words end the call."""

    def recodec(self) -> None:
        self.player.recodec()

    def hung_up(self) -> None:
        self.finish("caller hung up")

    def finish(self, reason: str) -> None:
        if self._done:
            return
        self._done = True
        self.ended_by = reason
        self.on_done(self)
