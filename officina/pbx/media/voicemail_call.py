"""Leaving a voicemail: the greeting, the tone, the recording, the message stored.

    GREETING --(played, or any key)--> TONE --(played)--> RECORDING --> DONE
                                                            | '#', silence, maximum length,
                                                            | or the caller's BYE

The call is driven by the media clock every 20 ms (``tick``): it plays the frames
of what it is saying whose time has come (or silence, which keeps the caller's NAT
binding open; on a loaded machine a tick comes late and then sends the frames it
owes, so a greeting lasts its length in time, not in ticks: ``player.py``), and takes the frames
the jitter buffer releases (a packet lost between two that came is silence). When
to stop is read on the clock, what is kept is what arrived. The recording keeps
what lies between the first and the last frame loud enough to be speech, with
a little margin: a message starts when the caller speaks, and the seconds of
silence that ended it are not part of it.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from officina.pbx.media.g711 import Samples, decode
from officina.pbx.media.player import FRAME_SECONDS, FrameClock, Player
from officina.pbx.media.session import SAMPLES_PER_FRAME, MediaSession
from officina.pbx.media.tones import KEYS_KEPT, InBandDtmf, beep, rms

SPEECH_LEVEL = 300.0  # RMS of a frame above which someone is speaking (full scale 32767)
SILENCE_ENDS_AFTER = 5.0  # seconds of silence after speech that end a message
NOTHING_SAID_ENDS_AFTER = 10.0  # seconds without any speech after the tone
KEPT_AROUND_SPEECH = 0.25  # seconds kept before the first and after the last loud frame
MIN_MESSAGE_SECONDS = 0.5  # anything shorter was a click or a breath, not a message


class Stage(enum.Enum):
    GREETING = "greeting"
    TONE = "tone"
    RECORDING = "recording"
    DONE = "done"


@dataclass(slots=True)
class Recording:
    frames: list[Samples] = field(default_factory=list)
    first_speech: int | None = None
    last_speech: int | None = None

    def add(self, samples: Samples) -> None:
        if rms(samples) >= SPEECH_LEVEL:
            index = len(self.frames)
            if self.first_speech is None:
                self.first_speech = index
            self.last_speech = index
        self.frames.append(samples)

    def seconds_since_speech(self) -> float:
        last = self.last_speech if self.last_speech is not None else -1
        return (len(self.frames) - 1 - last) * FRAME_SECONDS

    def message(self) -> Samples | None:
        """The speech with its margin, or None when nothing worth keeping was said."""
        if self.first_speech is None or self.last_speech is None:
            return None
        margin = int(KEPT_AROUND_SPEECH / FRAME_SECONDS)
        start = max(self.first_speech - margin, 0)
        end = min(self.last_speech + 1 + margin, len(self.frames))
        if (end - start) * FRAME_SECONDS < MIN_MESSAGE_SECONDS:
            return None
        return np.concatenate(self.frames[start:end]).astype(np.int16)


class VoicemailCall:
    def __init__(
        self,
        session: MediaSession,
        greeting: Samples,
        max_seconds: float,
        inband_dtmf: bool,
        on_done: Callable[[VoicemailCall], None],
    ) -> None:
        self.session = session
        self.max_seconds = max_seconds
        self.on_done = on_done
        self.stage = Stage.GREETING
        self.recording = Recording()
        self.inband = InBandDtmf() if inband_dtmf else None
        # The last keys pressed; bounded, as a caller may press without end.
        self.digits: deque[str] = deque(maxlen=KEYS_KEPT)
        self.ended_by = ""
        self._recording_since = 0.0
        self._last_speech_at: float | None = None
        self.clock = FrameClock()
        self.player = Player(session)
        self.player.say(greeting)

    def recodec(self) -> None:
        """The codec changed (a re-INVITE): re-encode what is being said from here on."""
        self.player.recodec()

    # ------------------------------------------------------------------ the clock
    def tick(self, now: float) -> None:
        if self.stage is Stage.DONE:
            return
        session = self.session
        session.report(now)
        for frame in session.buffer.pop(now):
            samples = self._samples(frame)
            if self.inband is not None:
                digit = self.inband.feed(samples)
                if digit is not None:
                    self.digit(digit)
            if self.stage is Stage.RECORDING:
                self.recording.add(samples)
                if self.recording.last_speech == len(self.recording.frames) - 1:
                    self._last_speech_at = now
        if self.finished:
            return
        # On the clock (player.py): the greeting and the tone end when they should and
        # the recording starts on time, not while the caller, who waited as long as the
        # greeting lasts, is talking.
        for frame_at, sent in self.clock.frames_due(now):
            frame = self._advance(frame_at)
            if sent:
                session.send(frame)
        if self.stage is Stage.RECORDING:
            self._maybe_stop(now)

    def _samples(self, frame: bytes | None) -> Samples:
        """A frame the jitter buffer released (None: it never came) as samples."""
        if frame is None:
            return np.zeros(SAMPLES_PER_FRAME, dtype=np.int16)
        return decode(frame, self.session.payload_type)

    def _advance(self, frame_at: float) -> bytes:
        """The frame of what is said that starts at ``frame_at`` (silence when done)."""
        if not self.player.saying:
            if self.stage is Stage.GREETING:
                self.stage = Stage.TONE
                self.player.say(beep())
            elif self.stage is Stage.TONE:
                self.stage = Stage.RECORDING
                self._recording_since = frame_at
        return self.player.next_frame()

    def _maybe_stop(self, now: float) -> None:
        # On the clock, not on the frames received: a phone that sends nothing while its
        # user is silent (or has gone) still ends the message; and the message itself is
        # only what arrived, so a late burst of packets does not lengthen it.
        recording = now - self._recording_since
        if recording >= self.max_seconds:
            self.finish("maximum length")
        elif self._last_speech_at is None:
            if recording >= NOTHING_SAID_ENDS_AFTER:
                self.finish("nothing said")
        elif now - self._last_speech_at >= SILENCE_ENDS_AFTER:
            self.finish("silence")

    @property
    def finished(self) -> bool:
        return self.stage is Stage.DONE

    # ------------------------------------------------------------------ events
    def digit(self, digit: str) -> None:
        self.digits.append(digit)
        if self.stage is Stage.GREETING:
            # Callers who know the greeting skip it with any key.
            self.stage = Stage.TONE
            self.player.say(beep())
        elif self.stage is Stage.RECORDING and digit == "#":
            self.finish("#")

    def hung_up(self) -> None:
        """The caller's BYE: what was recorded so far is the message."""
        for frame in self.session.buffer.drain():
            if self.stage is Stage.RECORDING:
                self.recording.add(self._samples(frame))
        self.finish("caller hung up")

    def finish(self, reason: str) -> None:
        if self.stage is Stage.DONE:
            return
        self.stage = Stage.DONE
        self.ended_by = reason
        self.on_done(self)
