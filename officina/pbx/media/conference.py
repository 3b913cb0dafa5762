"""Conference rooms: callers who dialled a room's number hear each other.

    PIN (when the room has one: "Enter the conference PIN, then the hash key.";
         three tries) ─> JOINED (a rising tone for everyone) ─> DONE (a falling tone
         for those left)

Mixing is done here, in Python, once per 20 ms tick for each room with callers: the
frames the jitter buffers released are decoded to 16-bit samples, stacked, summed,
and each caller is sent the sum minus their own frame (they hear everyone but
themselves), clipped and encoded in their own codec. With numpy that is a handful
of array operations per room whatever its size (``benchmarks/media.py`` measures
the cost per participant). A muted caller (by ``*``, or by the room's owner on its
web page) still hears the others; their frame is left out of the sum.

The join and leave tones follow the media clock, as every prompt does
(``media/player.py``): on a loaded machine the ticks come late, and a tone taken one
frame per tick stretched (a 0.3 s tone lasted 4.5 s with ticks 300 ms apart). Each mix
takes the part of the tone that is due at its tick's time and skips what came due in
between, so the tone ends when it should. What the callers say is still mixed one
frame per tick.
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
from officina.pbx.media.g711 import Samples, decode, encode
from officina.pbx.media.player import FrameClock, Player
from officina.pbx.media.session import SAMPLES_PER_FRAME, MediaSession
from officina.pbx.media.tones import InBandDtmf
from officina.voicemail.sound import read_telephone_wav

logger = logging.getLogger("officina.pbx.media")

REFRESH_SECONDS = 1.0  # an owner's mute on the web page takes effect within this
LANGUAGES = ("it", "en")
# Frames a caller may be ahead of the mix (a burst after a stall): beyond these the
# oldest are dropped, so that what they say is never heard later and later.
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
    (a tone everybody hears), clipped to 16 bits. ``frames`` is (callers, 160) int16."""
    stack = frames.astype(np.int32) * speaking[:, None]
    total = stack.sum(axis=0)
    if overlay is not None:
        total = total + overlay
    heard: np.ndarray = np.clip(total[None, :] - stack, -32768, 32767).astype(np.int16)
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
        self.frames: deque[Samples] = deque(maxlen=QUEUED_FRAMES_MAX)
        # Ticks of the room's mix that found no frame of this caller: a gap the others
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
        """Take what the caller sent; outside the room, also say the next frame."""
        if self.finished:
            return
        session = self.session
        session.report(now)
        # The jitter buffer releases each frame on the caller's own timeline; the mix
        # keeps at most QUEUED_FRAMES_MAX of them, so lateness stays bounded, and a frame
        # that is missing is silence in the sum.
        for packet in session.buffer.pop(now):
            samples = (
                np.zeros(SAMPLES_PER_FRAME, dtype=np.int16)
                if packet is None
                else decode(packet.payload, session.payload_type)
            )
            if self.inband is not None:
                digit = self.inband.feed(samples)
                if digit is not None:
                    self.digit(digit)
            if self.stage is Stage.JOINED:
                self.frames.append(samples)
        if self.stage not in (Stage.PIN, Stage.ENDING):
            return
        for _frame_at, sent in self.clock.frames_due(now):
            if self.stage is Stage.ENDING and not self.player.saying:
                self.finish(self.ended_by)
                return
            if self.stage is not Stage.PIN and self.stage is not Stage.ENDING:
                return  # the PIN typed in time: the room's mix speaks from now on
            frame = self.player.next_frame()
            if sent:
                session.send(frame)

    def next_frame(self) -> Samples:
        if self.frames:
            return self.frames.popleft()
        self.frames_missing += 1
        return np.zeros(SAMPLES_PER_FRAME, np.int16)

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
    """A tone everyone in a room hears (someone joined or left), on the media clock:
    from the first mix after it was struck, each mix takes the frame due at its time."""

    def __init__(self) -> None:
        self._samples: Samples = np.zeros(0, dtype=np.int16)
        self._clock = FrameClock()
        self._position = 0

    def strike(self, samples: Samples) -> None:
        """Start ``samples`` at the next mix (replacing a tone still sounding)."""
        self._samples, self._clock, self._position = samples, FrameClock(), 0

    def overlay(self, now: float) -> np.ndarray | None:
        """The tone's frame due at ``now`` (None once it has ended); the frames that
        came due since the last mix are passed over."""
        if self._position >= self._samples.size:
            return None
        due = None
        for _frame_at, _sent in self._clock.frames_due(now):
            due = self._position
            self._position += SAMPLES_PER_FRAME
        if due is None or due >= self._samples.size:
            return None
        overlay = np.zeros(SAMPLES_PER_FRAME, dtype=np.int32)
        part = self._samples[due : due + SAMPLES_PER_FRAME]
        overlay[: part.size] = part
        return overlay


class LiveRoom:
    """The callers in one room now, and the tone they all hear."""

    def __init__(self, room_id: int) -> None:
        self.room_id = room_id
        self.calls: list[ConferenceCall] = []
        self.tone = RoomTone()

    def join(self, call: ConferenceCall) -> None:
        self.calls.append(call)
        self.tone.strike(JOIN_TONE)

    def leave(self, call: ConferenceCall) -> None:
        if call in self.calls:
            self.calls.remove(call)
            self.tone.strike(LEAVE_TONE)

    def mix(self, now: float) -> None:
        calls = self.calls
        if not calls:
            return
        frames = np.stack([call.next_frame() for call in calls])
        speaking = np.array([not call.muted for call in calls], dtype=np.int32)
        heard = mix(frames, speaking, self.tone.overlay(now))
        for call, samples in zip(calls, heard, strict=True):
            call.session.send(encode(samples, call.session.payload_type))


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
