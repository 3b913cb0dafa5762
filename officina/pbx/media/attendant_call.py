"""A caller in an auto-attendant menu, driven by the media clock and key presses.

    GREETING ─(said)─> WAITING ─(timeout: "We did not hear your choice.")─> GREETING
        │ any key, also while the greeting plays   (a wrong key: "That key is not on
        v                                            the menu.", then the greeting again)
    a key of the menu:  another menu ─> its GREETING (in place)
                        a person, a ring group, a voicemail ─> CHOSEN: the desk hands
                        the caller over (``on_choice``) and tells the call how it went
    CHOSEN ─(the caller's phone cannot transfer: the desk calls the number itself)─>
        RINGING (the ring tone) ─(answered)─> the desk bridges the call
                                ─(busy, no answer: the reason)─> GREETING, or goodbye
                                  after the last round
    after ROUNDS_MAX greetings without a choice: "Goodbye." and the PBX hangs up

What is said follows the media clock (``player.py``): a menu's greeting lasts its
length in time however late the ticks come, and its timeout counts from when it ended.

Nothing here touches the network or the database: the menus (``officina.attendant``'s
plans) and their sounds are given, the hand-over is the desk's.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable

from officina.attendant.kinds import ROUNDS_MAX, OptionKind
from officina.attendant.selectors import MenuPlan
from officina.pbx.media.g711 import Samples, decode
from officina.pbx.media.player import FrameClock, Player
from officina.pbx.media.session import MediaSession
from officina.pbx.media.tones import KEYS_KEPT, InBandDtmf


class Stage(enum.Enum):
    GREETING = "greeting"  # the menu's greeting (after a prompt, if any) is being said
    WAITING = "waiting"  # said; waiting for a key
    CHOSEN = "chosen"  # handed to the desk: saying "please hold" while it transfers
    RINGING = "ringing"  # the desk calls the choice itself: the ring tone until it answers
    ENDING = "ending"  # saying goodbye; then the call ends
    DONE = "done"


class AttendantCall:
    def __init__(
        self,
        session: MediaSession,
        menu: MenuPlan,
        menus: Callable[[str], MenuPlan | None],
        sound: Callable[[MenuPlan], Samples],
        prompt: Callable[[str, str], Samples],
        inband_dtmf: bool,
        on_choice: Callable[[AttendantCall, str, str], None],
        on_done: Callable[[AttendantCall], None],
    ) -> None:
        self.session = session
        self.menu = menu
        self.menus = menus
        self.sound = sound
        self.prompt = prompt
        self.on_choice = on_choice
        self.on_done = on_done
        self.inband = InBandDtmf() if inband_dtmf else None
        self.clock = FrameClock()
        self.player = Player(session)
        self.stage = Stage.GREETING
        self.rounds = 1
        # The last keys pressed (tests, the log); bounded, as a caller may press without end.
        self.keys: deque[str] = deque(maxlen=KEYS_KEPT)
        self.chosen: tuple[str, str] | None = None
        self.ended_by = ""
        self._wait_until: float | None = None
        self._ring_tone: Samples | None = None
        self.player.say(sound(menu))

    # ------------------------------------------------------------------ the clock
    def tick(self, now: float) -> None:
        if self.stage is Stage.DONE:
            return
        session = self.session
        session.report(now)
        for frame in session.buffer.pop(now):
            if self.inband is not None and frame is not None:
                digit = self.inband.feed(decode(frame, session.payload_type))
                if digit is not None:
                    self.digit(digit)
        for frame_at, sent in self.clock.frames_due(now):
            if self.finished:  # a key, or goodbye said, ended the call
                return
            frame = self._advance(frame_at)
            if sent and not self.finished:
                session.send(frame)

    def _advance(self, frame_at: float) -> bytes:
        """The frame said at ``frame_at``, after what has ended by then moved the call on."""
        if not self.player.saying:
            if self.stage is Stage.GREETING:
                self.stage = Stage.WAITING
                self._wait_until = frame_at + self.menu.timeout_seconds
            elif self.stage is Stage.ENDING:
                self.finish(self.ended_by or "goodbye")
            elif self.stage is Stage.RINGING and self._ring_tone is not None:
                self.player.say(self._ring_tone)
            elif (
                self.stage is Stage.WAITING
                and self._wait_until is not None
                and frame_at >= self._wait_until
            ):
                self._again("no_choice")
        return self.player.next_frame()

    def _again(self, prompt: str) -> None:
        """A wrong key or no key: say why and the greeting again, or goodbye at the end."""
        if self.rounds >= ROUNDS_MAX:
            self.say_goodbye("goodbye", "no choice")
            return
        self._greet_again(prompt)

    def _greet_again(self, prompt: str) -> None:
        self.rounds += 1
        self.stage = Stage.GREETING
        self._wait_until = None
        self.player.say(self.prompt(prompt, self.menu.language), self.sound(self.menu))

    # ------------------------------------------------------------------ events
    def digit(self, digit: str) -> None:
        self.keys.append(digit)
        if self.stage not in (Stage.GREETING, Stage.WAITING):
            return  # a key while being put through or saying goodbye changes nothing
        option = self.menu.options.get(digit)
        if option is None:
            self._again("not_on_menu")
            return
        kind, number = option
        if kind == OptionKind.MENU:
            submenu = self.menus(number)
            if submenu is None:  # removed since the menu was read
                self._again("not_on_menu")
                return
            self.menu = submenu
            self.rounds = 1
            self.stage = Stage.GREETING
            self._wait_until = None
            self.player.say(self.sound(submenu))
            return
        self.chosen = (kind, number)
        self.stage = Stage.CHOSEN
        self.player.say(self.prompt("putting_through", self.menu.language))
        self.on_choice(self, kind, number)

    def ringing(self, tone: Samples) -> None:
        """The desk calls the choice itself: the ring tone, again and again, until the
        call is answered (the desk bridges it) or not (``not_reached``)."""
        if self.stage is not Stage.CHOSEN:
            return
        self.stage = Stage.RINGING
        self._ring_tone = tone
        if not self.player.saying:  # else "please hold" ends first, then it rings
            self.player.say(tone)

    def not_reached(self, prompt: str, reason: str) -> None:
        """The choice was busy or did not answer: say ``prompt`` and the menu again, as
        after a wrong key; after the last round, ``prompt`` and goodbye."""
        if self.stage is not Stage.RINGING:
            return
        self._ring_tone = None
        if self.rounds >= ROUNDS_MAX:
            self.stage = Stage.ENDING
            self.ended_by = reason
            language = self.menu.language
            self.player.say(self.prompt(prompt, language), self.prompt("goodbye", language))
            return
        self.chosen = None
        self._greet_again(prompt)

    def put_through(self) -> None:
        """The desk bridged the caller to the choice: this call has nothing more to say
        (the desk goes on with the same session, the caller still on the line)."""
        self.stage = Stage.DONE
        self.ended_by = "put through"

    def say_goodbye(self, prompt: str, reason: str) -> None:
        """Say ``prompt`` and end the call (the hand-over failed, or nothing was chosen)."""
        self.stage = Stage.ENDING
        self.ended_by = reason
        self.player.say(self.prompt(prompt, self.menu.language))

    def recodec(self) -> None:
        self.player.recodec()

    def hung_up(self) -> None:
        self.finish("caller hung up")

    @property
    def finished(self) -> bool:
        return self.stage is Stage.DONE

    def finish(self, reason: str) -> None:
        if self.stage is Stage.DONE:
            return
        self.stage = Stage.DONE
        self.ended_by = reason
        self.on_done(self)
