"""Conference rooms: callers who dialled a room's number hear each other.

    PIN (when the room has one: "Enter the conference PIN, then the hash key.";
         three tries) ─> JOINED (a rising tone for everyone) ─> DONE (a falling tone
         for those left)

Mixing is done here, in Python, on the room's media clock (``FrameClock``, as every
prompt: ``media/player.py``): at each tick the room mixes every 20 ms frame that came
due since the last one. For each frame, each caller's jitter buffer gives the frame
that plays at that frame's time (the buffer plays each frame at its RTP timestamp);
the frames are decoded to 16-bit samples, stacked, summed, and each caller is sent the
sum minus their own frame (they hear everyone but themselves), clipped and encoded in
their own codec. With numpy that is a handful of array operations per room whatever
its size and however many frames are due (``benchmarks/media.py`` measures the cost
per participant). A muted caller (by ``*``, or by the room's owner on its web page)
still hears the others; their frame is left out of the sum.

On a loaded machine the ticks come late. Mixed one frame per tick, what the callers
said fell behind and was cut (ticks 300 ms apart sent one frame in fifteen). Now a late
tick sends the frames it owes, at most ``CATCH_UP_FRAMES`` (100 ms) as a prompt does:
a tick up to 100 ms late loses nothing, and beyond that the older frames are taken
from the buffers and passed over, so the room stays on time rather than falling
behind. The join and leave tones follow the same clock: a 0.3 s tone lasts 0.3 s.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import deque
from collections.abc import Callable
from pathlib import Path

import numpy as np

from officina.conferences.kinds import MUTE_KEY, PIN_TRIES
from officina.conferences.prompts import PROMPTS, prompt_path
from officina.conferences.selectors import RoomPlan, owner_muted_call_ids, room_plans
from officina.pbx.media.g711 import Samples, decode, decode_rows, encode_rows, silence
from officina.pbx.media.player import FrameClock, Player
from officina.pbx.media.session import SAMPLES_PER_FRAME, MediaSession
from officina.pbx.media.tones import InBandDtmf
from officina.voicemail.sound import read_telephone_wav

logger = logging.getLogger("officina.pbx.media")

REFRESH_SECONDS = 1.0  # an owner's mute on the web page takes effect within this
LANGUAGES = ("it", "en")
# Frames a caller may be ahead of the mix (the jitter buffer releases at once what it
# held when the caller's timeline moved): beyond these the oldest are dropped, so that
# what they say is never heard later and later.
QUEUED_FRAMES_MAX = 3
_SILENCE = np.zeros(1600, dtype=np.int16)


def _tone(frequencies: tuple[float, ...], seconds: float = 0.15) -> Samples:
    t = np.arange(int(8000 * seconds)) / 8000
    return np.concatenate(
        [(np.sin(2 * np.pi * f * t) * 6000).astype(np.int16) for f in frequencies]
    )


JOIN_TONE = _tone((600.0, 900.0))
LEAVE_TONE = _tone((900.0, 600.0))


class Stage(enum.Enum):
    PIN = "pin"
    JOINED = "joined"
    ENDING = "ending"
    DONE = "done"


def mix(frames: np.ndarray, speaking: np.ndarray, overlay: np.ndarray | None = None) -> np.ndarray:
    """Each row: the sum of the other rows' frames (those ``speaking``), plus ``overlay``
    (a tone everybody hears), clipped to 16 bits. ``frames`` is (callers, 160) int16, or
    (frames, callers, 160) for several frames at once, ``overlay`` then (frames, 160)."""
    stack = frames.astype(np.int32) * speaking[:, None]
    total = stack.sum(axis=-2)
    if overlay is not None:
        total = total + overlay
    heard: np.ndarray = np.clip(total[..., None, :] - stack, -32768, 32767).astype(np.int16)
    return heard


class ConferenceCall:
    def __init__(
        self,
        session: MediaSession,
        room: RoomPlan,
        prompt: Callable[[str, str], Samples],
        inband_dtmf: bool,
        on_join: Callable[[ConferenceCall], None],
        on_mute: Callable[[ConferenceCall], None],
        on_done: Callable[[ConferenceCall], None],
    ) -> None:
        self.session = session
        self.room = room
        self.prompt = prompt
        self.on_join = on_join
        self.on_mute = on_mute
        self.on_done = on_done
        self.inband = InBandDtmf() if inband_dtmf else None
        self.clock = FrameClock()  # for what is said outside the room (player.py)
        self.player = Player(session)
        self.frames: deque[bytes] = deque(maxlen=QUEUED_FRAMES_MAX)  # G.711, for the mix
        # Frames of the room's mix that found no frame of this caller: a gap the others
        # hear (the frame was lost, late, or the caller sends nothing while silent).
        self.frames_missing = 0
        self.self_muted = False
        self.owner_muted = False
        self.mute_write_pending = False  # the desk's record of self_muted is queued
        self.ended_by = ""
        self.call_id = ""  # set by the desk: the row on the room's page
        self._typed = ""
        self._tries = 0
        if room.pin:
            self.stage = Stage.PIN
            self.player.say(prompt("pin", room.language))
        else:
            self.stage = Stage.JOINED

    @property
    def muted(self) -> bool:
        return self.self_muted or self.owner_muted

    @property
    def finished(self) -> bool:
        return self.stage is Stage.DONE

    def start(self) -> None:
        """Called by the desk once the call is registered: a room without PIN is joined."""
        if self.stage is Stage.JOINED:
            self.on_join(self)

    def tick(self, now: float) -> None:
        """Outside the room, take what the caller sent (their keys) and say what is due;
        in it, the room's mix takes what they say (``frame_at``)."""
        if self.finished:
            return
        self.session.report(now)
        if self.stage not in (Stage.PIN, Stage.ENDING):
            return
        self._take(now)
        if self.stage not in (Stage.PIN, Stage.ENDING):
            return  # the PIN typed: the room's mix takes what they say from now on
        session = self.session
        for _frame_at, sent in self.clock.frames_due(now):
            if self.stage is Stage.ENDING and not self.player.saying:
                self.finish(self.ended_by)
                return
            frame = self.player.next_frame()
            if sent:
                session.send(frame)

    def _take(self, until: float) -> None:
        """Take the 20 ms frames the jitter buffer releases by ``until`` (on the caller's
        own timeline, cut from packets of whatever time the phone sends; a frame that
        never came is silence) and listen for keys in them; in the room, keep them for
        the mix (at most QUEUED_FRAMES_MAX wait)."""
        session = self.session
        for frame in session.buffer.pop(until):
            payload = frame if frame is not None else silence(session.payload_type)
            if self.inband is not None:
                digit = self.inband.feed(decode(payload, session.payload_type))
                if digit is not None:
                    self.digit(digit)
            if self.stage is Stage.JOINED:
                self.frames.append(payload)

    def frame_at(self, at: float) -> bytes:
        """What the caller said in the room's frame that starts at ``at``, in their codec:
        the frame their jitter buffer plays by then (the mix asks in time order)."""
        self._take(at)
        if self.frames:
            return self.frames.popleft()
        self.frames_missing += 1
        return silence(self.session.payload_type)

    def digit(self, digit: str) -> None:
        if self.stage is Stage.JOINED:
            if digit == MUTE_KEY:
                self.self_muted = not self.self_muted
                self.on_mute(self)
            return
        if self.stage is not Stage.PIN:
            return
        if digit != "#":
            self._typed = (self._typed + digit)[-16:]
            return
        if self._typed == self.room.pin:
            self.stage = Stage.JOINED
            self.player.say()
            self.on_join(self)
            return
        self._typed = ""
        self._tries += 1
        if self._tries >= PIN_TRIES:
            self.stage = Stage.ENDING
            self.ended_by = "wrong PIN"
            self.player.say(self.prompt("wrong_pin", self.room.language))
        else:
            self.player.say(
                self.prompt("wrong_pin", self.room.language),
                self.prompt("pin", self.room.language),
            )

    def recodec(self) -> None:
        self.player.recodec()

    def hung_up(self) -> None:
        self.finish("caller hung up")

    def finish(self, reason: str) -> None:
        if self.stage is Stage.DONE:
            return
        self.stage = Stage.DONE
        self.ended_by = reason
        self.on_done(self)


class RoomTone:
    """A tone everyone in a room hears (someone joined or left), on the room's media
    clock: it starts at the newest frame due at the first mix after it was struck (the
    frames due before that came due before it was struck), then goes on frame by frame,
    whether a frame is sent or passed over."""

    def __init__(self) -> None:
        self._samples: Samples = np.zeros(0, dtype=np.int16)
        self._position: int | None = 0  # None: struck, not yet mixed

    def strike(self, samples: Samples) -> None:
        """Start ``samples`` at the next mix (replacing a tone still sounding)."""
        self._samples, self._position = samples, None

    def overlay(self, frames: int) -> np.ndarray | None:
        """The tone's part of the ``frames`` frames due at a mix, (frames, 160) int32
        (None when the tone is not sounding in any of them)."""
        if self._position is None:
            self._position = -(frames - 1) * SAMPLES_PER_FRAME
        start = self._position
        end = start + frames * SAMPLES_PER_FRAME
        self._position = end
        first, last = max(start, 0), min(end, self._samples.size)
        if first >= last:
            return None
        overlay = np.zeros(frames * SAMPLES_PER_FRAME, dtype=np.int32)
        overlay[first - start : last - start] = self._samples[first:last]
        return overlay.reshape(frames, SAMPLES_PER_FRAME)


class LiveRoom:
    """The callers in one room now, and the tone they all hear."""

    def __init__(self, room_id: int) -> None:
        self.room_id = room_id
        self.calls: list[ConferenceCall] = []
        self.tone = RoomTone()
        self.clock = FrameClock()
        # Frames due at a tick more than CATCH_UP_FRAMES late, passed over (see mix).
        self.frames_passed_over = 0

    def join(self, call: ConferenceCall) -> None:
        self.calls.append(call)
        self.tone.strike(JOIN_TONE)

    def leave(self, call: ConferenceCall) -> None:
        if call in self.calls:
            self.calls.remove(call)
            self.tone.strike(LEAVE_TONE)

    def mix(self, now: float) -> None:
        """Mix and send the frames due by ``now`` (at most CATCH_UP_FRAMES: the older
        ones are taken from the callers and passed over, so the room keeps time)."""
        calls = self.calls
        if not calls:
            return
        due = list(self.clock.frames_due(now))
        if not due:
            return
        overlay = self.tone.overlay(len(due))
        said: list[bytes] = []
        for frame_at, sent in due:
            if sent:
                said.extend([call.frame_at(frame_at) for call in calls])
            else:
                self.frames_passed_over += 1
                for call in calls:
                    call.frame_at(frame_at)
        # The frames sent (the newest due), every caller's in one array and one lookup
        # each way: (frames, callers, 160).
        count, size = len(said) // len(calls), len(calls) * SAMPLES_PER_FRAME
        laws = [call.session.payload_type for call in calls]
        received = np.frombuffer(b"".join(said), dtype=np.uint8)
        frames = decode_rows(received.reshape(count, len(calls), SAMPLES_PER_FRAME), laws)
        speaking = np.array([not call.muted for call in calls], dtype=np.int32)
        heard = mix(frames, speaking, None if overlay is None else overlay[-count:])
        encoded = encode_rows(heard, laws).tobytes()
        for index, call in enumerate(calls):
            for start in range(index * SAMPLES_PER_FRAME, len(encoded), size):
                call.session.send(encoded[start : start + SAMPLES_PER_FRAME])


class Conferences:
    """The rooms (read every second in a worker thread, with who the owners muted) and
    the callers in each."""

    def __init__(self) -> None:
        self.plans: dict[str, RoomPlan] = {}
        self.prompts: dict[tuple[str, str], Samples] = {}
        self.owner_muted: frozenset[str] = frozenset()
        self.live: dict[int, LiveRoom] = {}

    def load(self) -> None:
        plans = room_plans()
        muted = owner_muted_call_ids()
        if plans and not self.prompts:
            prompts = {}
            for name in PROMPTS:
                for language in LANGUAGES:
                    sound = _load(prompt_path(name, language))
                    prompts[(name, language)] = _SILENCE if sound is None else sound
            self.prompts = prompts
        self.plans, self.owner_muted = plans, muted

    async def run_refresh(self, every: float = REFRESH_SECONDS) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                await loop.run_in_executor(None, self.load)
                for room in self.live.values():
                    for call in room.calls:
                        call.owner_muted = call.call_id in self.owner_muted
            except Exception:
                logger.exception("could not read the conference rooms; keeping the last copy")
            await asyncio.sleep(every)

    def prompt(self, name: str, language: str) -> Samples:
        return self.prompts.get((name, language), _SILENCE)

    def join(self, call: ConferenceCall) -> None:
        room = self.live.get(call.room.room_id)
        if room is None:
            room = self.live[call.room.room_id] = LiveRoom(call.room.room_id)
        room.join(call)

    def leave(self, call: ConferenceCall) -> None:
        room = self.live.get(call.room.room_id)
        if room is None:
            return
        room.leave(call)
        if not room.calls:
            del self.live[call.room.room_id]

    def mix(self, now: float) -> None:
        for room in list(self.live.values()):
            room.mix(now)


def _load(path: Path) -> Samples | None:
    try:
        return read_telephone_wav(path.read_bytes())
    except (OSError, ValueError, EOFError) as error:
        logger.warning("conference prompt %s not readable: %s", path, error)
        return None
