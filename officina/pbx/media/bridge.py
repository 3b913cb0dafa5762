"""A caller of the desk put through by the desk itself: two RTP legs joined back to back.

When a caller's phone does not follow the auto-attendant's REFER, the desk calls the
chosen number itself (``placed_calls.py``) and, once it answers, relays the media
between the caller's session and the new one on the media clock: each tick, what each
side's jitter buffer releases goes to the other side, re-encoded when the two agreed
different G.711 laws (PCMU and PCMA). Key presses go across too: as RFC 4733 events to
a side that agreed telephone-event, as the keys' tones (Q.23) to one that did not; while
a key is sent, that side's audio waits (RFC 4733 §2.6: no tone and event at once). Tones
a phone sends in the audio pass with it.

A side that holds (its new offer ``sendonly``, ``inactive`` or to 0.0.0.0, answered by
the desk while it stays in the media path) is sent nothing, and the other side hears the
hold ``music`` in place of what the holding side sends, on the media clock, till the
offer that resumes; then the relaying goes on.

Once the desk has stepped out of the media path (``MediaDesk._step_out``: the phones
send to each other), the bridge is ``direct`` and relays nothing; its sessions are
closed and their ports freed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np

from officina.pbx.media.g711 import Samples, decode, encode
from officina.pbx.media.hold import looped
from officina.pbx.media.player import FrameClock
from officina.pbx.media.session import SAMPLES_PER_FRAME, MediaSession, RtpSession
from officina.pbx.media.tones import dtmf_tone
from officina.sip.rtp import DtmfEvent

# A key press sent across lasts five frames (100 ms, what phones send), then two quiet
# frames so that two presses of one key are heard as two.
KEY_FRAMES = 5
KEY_GAP_FRAMES = 2
# Key presses waiting to go one way; beyond this a flood of presses is dropped, not queued.
KEYS_WAITING_MAX = 32


def relayed(payload: bytes, source: int, sink: int) -> bytes:
    """A frame from a side speaking ``source`` (PCMU 0, PCMA 8) for one speaking ``sink``."""
    if source == sink:
        return payload
    return encode(decode(payload, source), sink)


class _KeysTo:
    """Key presses going to one side, one frame's worth each tick."""

    def __init__(self, sink: MediaSession) -> None:
        self.sink = sink
        self.frames: deque[Callable[[], None]] = deque()
        self.presses = 0

    def press(self, digit: str) -> None:
        if len(self.frames) >= KEYS_WAITING_MAX * (KEY_FRAMES + KEY_GAP_FRAMES):
            return
        self.presses += 1
        sink = self.sink
        if isinstance(sink, RtpSession) and sink.agreement.telephone_event is not None:
            for index in range(KEY_FRAMES):
                last = index == KEY_FRAMES - 1
                duration = SAMPLES_PER_FRAME * (index + 1)
                event = DtmfEvent.for_digit(digit, duration=duration, end=last)
                self.frames.append(self._event(event, first=index == 0, last=last))
            gap = b""
        else:
            tone = dtmf_tone(digit, seconds=KEY_FRAMES * SAMPLES_PER_FRAME / 8000)
            sound = encode(tone, sink.payload_type)
            for start in range(0, len(sound), SAMPLES_PER_FRAME):
                self.frames.append(self._frame(sound[start : start + SAMPLES_PER_FRAME]))
            gap = encode(np.zeros(SAMPLES_PER_FRAME, dtype=np.int16), sink.payload_type)
        for _ in range(KEY_GAP_FRAMES):
            self.frames.append(self._frame(gap))

    def _event(self, event: DtmfEvent, *, first: bool, last: bool) -> Callable[[], None]:
        sink = self.sink
        assert isinstance(sink, RtpSession)

        def send() -> None:
            # The end packet three times (RFC 4733 §2.5.1.4); only the last moves time on.
            for again in range(3 if last else 1):
                sink.send_event(event, first=first, last=last and again == 2)

        return send

    def _frame(self, frame: bytes) -> Callable[[], None]:
        def send() -> None:
            if frame:
                self.sink.send(frame)

        return send

    def send_one(self) -> bool:
        """Send the next frame of a key press, if one waits (True: the audio waits)."""
        if not self.frames:
            return False
        self.frames.popleft()()
        return True


class BridgedCall:
    """The caller (``session``) and the person put through (``onward``), back to back."""

    def __init__(
        self,
        session: MediaSession,
        onward: RtpSession,
        on_done: Callable[[BridgedCall], None],
    ) -> None:
        self.session = session
        self.onward = onward
        self.on_done = on_done
        self.ended_by = ""
        self.relayed = {"to_onward": 0, "to_caller": 0}
        self._keys_to_onward = _KeysTo(onward)
        self._keys_to_caller = _KeysTo(session)
        self._finished = False
        # The phones send their media to each other now (the desk stepped out): nothing
        # is relayed.
        self.direct = False
        # The desk is about to step out: nothing is sent to either phone (what comes is
        # dropped), so that neither latches on our port once it takes the new offer.
        self.quiet = False
        # The sides that hold ("caller", "onward"); the other side hears ``music`` (20 ms
        # frames each, from where its clock and position say) in place of theirs.
        self.holding: set[str] = set()
        self.music: Samples | None = None
        self.music_sent = {"to_onward": 0, "to_caller": 0}
        self._music_clocks: dict[str, tuple[FrameClock, list[int]]] = {}

    @property
    def keys_sent(self) -> dict[str, int]:
        """Key presses sent on, each way."""
        return {
            "to_onward": self._keys_to_onward.presses,
            "to_caller": self._keys_to_caller.presses,
        }

    def tick(self, now: float) -> None:
        if self._finished or self.direct:
            return
        ways = (
            (self.session, self.onward, self._keys_to_onward, "to_onward", "caller"),
            (self.onward, self.session, self._keys_to_caller, "to_caller", "onward"),
        )
        for source, sink, keys, counter, side in ways:
            source.report(now)
            frames = source.buffer.pop(now)
            if self.quiet:
                continue
            if side in self.holding:
                self._play_music(side, sink, counter, now)
                continue
            if keys.send_one():
                continue  # a key press goes this way: this tick's audio is dropped
            for frame in frames:
                if frame is not None:
                    sink.send(relayed(frame, source.payload_type, sink.payload_type))
                    self.relayed[counter] += 1

    def _play_music(self, side: str, sink: MediaSession, counter: str, now: float) -> None:
        """The music frames due by ``now`` to ``sink``, whose other side holds."""
        clock, position = self._music_clocks[side]
        music = self.music
        for _frame_at, send in clock.frames_due(now):
            if music is None or len(music) < SAMPLES_PER_FRAME:
                continue
            frame, position[0] = looped(music, position[0])
            if send:
                sink.send(encode(frame, sink.payload_type))
                self.music_sent[counter] += 1

    def hold(self, side: str, holding: bool) -> None:
        """``side`` ("caller" or "onward") holds, or resumes: the other side hears the
        music from its start, or again what ``side`` sends."""
        if holding and side not in self.holding:
            self._music_clocks[side] = (FrameClock(), [0])
            self.holding.add(side)
        elif not holding:
            self.holding.discard(side)

    def digit(self, digit: str) -> None:
        """A key the caller pressed (RFC 4733 or INFO): on to the person."""
        self._keys_to_onward.press(digit)

    def onward_digit(self, digit: str) -> None:
        """A key the person pressed: on to the caller."""
        self._keys_to_caller.press(digit)

    def recodec(self) -> None:
        return  # each frame is re-encoded for the codec its side has now

    def hung_up(self) -> None:
        self.finish("caller hung up")

    @property
    def finished(self) -> bool:
        return self._finished

    def finish(self, reason: str) -> None:
        if self._finished:
            return
        self._finished = True
        self.ended_by = reason
        self.on_done(self)
