"""A member listening to their voicemail on the phone, driven by key presses.

    *97 (own box)           *98 (any box)
        |                   mailbox number #, PIN #  (three tries, then goodbye)
        v                         |
    "You have N new and M saved messages."
    for each message (new ones oldest first, then saved newest first):
        "Message." + the recording, then "Press 1 to hear it again, 7 to delete it,
        or the hash key for the next."   -- 1 replays, 7 deletes, # (or 9, or six seconds
        of nothing) keeps it, marked heard, and goes on
    "No more messages. Thank you. Goodbye."  and the PBX hangs up

Keys work while anything is being said: a member who knows the menu need not
wait for it. What is said, and the waits after it, follow the media clock
(``player.py``), not the count of ticks. Every read or write of the database goes
through ``Backend``, which the desk runs in a worker thread and answers on the
event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from officina.pbx.media.g711 import Samples, decode, encode
from officina.pbx.media.player import FRAME_SECONDS, FrameClock
from officina.pbx.media.session import SAMPLES_PER_FRAME, MediaSession
from officina.pbx.media.tones import InBandDtmf

WAIT_FOR_KEYS = 10.0  # seconds to type a mailbox number or a PIN
WAIT_AFTER_MENU = 6.0  # seconds after the menu before the next message
PIN_TRIES = 3
MAX_KEYS = 16


class Backend(Protocol):
    """What the listening call needs from the desk (each answer comes back later)."""

    def prompt(self, name: str) -> Samples: ...

    def open_box(
        self, extension_id: int, then: Callable[[Samples, list[tuple[int, Samples]]], None]
    ) -> None: ...

    def check_pin(self, number: str, pin: str, then: Callable[[int | None], None]) -> None: ...

    def mark_heard(self, message_id: int) -> None: ...

    def delete(self, message_id: int) -> None: ...


class ListeningCall:
    def __init__(
        self,
        session: MediaSession,
        backend: Backend,
        extension_id: int | None,
        inband_dtmf: bool,
        on_done: Callable[[ListeningCall], None],
    ) -> None:
        self.session = session
        self.backend = backend
        self.on_done = on_done
        self.inband = InBandDtmf() if inband_dtmf else None
        self.finished = False
        self.ended_by = ""
        self.messages: list[tuple[int, Samples]] = []
        self.current = -1
        self.deleted: list[int] = []
        self.heard: list[int] = []
        self.clock = FrameClock()
        self._outgoing = b""
        self._encoded_as = session.payload_type
        self._position = 0
        self._after: Callable[[], None] | None = None
        self._keys: str | None = None  # collecting digits up to '#'
        self._on_keys: Callable[[str], None] | None = None
        self._wait: tuple[float, Callable[[], None]] | None = None  # seconds left, then
        self._tries = 0
        self._on_digit: Callable[[str], None] | None = None
        if extension_id is None:
            self._ask_mailbox()
        else:
            self._open(extension_id)

    # ------------------------------------------------------------------ playing
    def _play(self, sounds: list[Samples], after: Callable[[], None] | None = None) -> None:
        samples = np.concatenate(sounds) if sounds else np.zeros(0, dtype=np.int16)
        self._encoded_as = self.session.payload_type
        self._outgoing = encode(samples, self._encoded_as)
        self._position = 0
        self._after = after
        self._wait = None

    def _say(self, *names: str, after: Callable[[], None] | None = None) -> None:
        self._play([self.backend.prompt(name) for name in names], after)

    def recodec(self) -> None:
        """The codec changed: what is left to say is re-encoded."""
        left = decode(self._outgoing[self._position :], self._encoded_as)
        self._encoded_as = self.session.payload_type
        self._outgoing = encode(left, self._encoded_as)
        self._position = 0

    def tick(self, now: float) -> None:
        if self.finished:
            return
        self.session.report(now)
        for frame in self.session.buffer.pop(now):
            if self.inband is not None:
                samples = (
                    decode(frame, self.session.payload_type)
                    if frame is not None
                    else np.zeros(SAMPLES_PER_FRAME, dtype=np.int16)
                )
                digit = self.inband.feed(samples)
                if digit is not None:
                    self.digit(digit)
        for _frame_at, sent in self.clock.frames_due(now):
            if self.finished:
                return
            frame = self._advance()
            if sent and not self.finished:
                self.session.send(frame)

    def _advance(self) -> bytes:
        """The next frame said; what ends with it (a prompt, a wait) moves the call on."""
        frame = self._outgoing[self._position : self._position + SAMPLES_PER_FRAME]
        self._position += SAMPLES_PER_FRAME
        if len(frame) < SAMPLES_PER_FRAME:
            silence = encode(np.zeros(SAMPLES_PER_FRAME, dtype=np.int16), self.session.payload_type)
            frame += silence[len(frame) :]
            if (
                self._after is not None
                and self._position >= len(self._outgoing) + SAMPLES_PER_FRAME
            ):
                after, self._after = self._after, None
                after()
            elif self._wait is not None:
                left, then = self._wait
                left -= FRAME_SECONDS
                if left <= 0:
                    self._wait = None
                    then()
                else:
                    self._wait = (left, then)
        return frame

    def _then_wait(self, seconds: float, then: Callable[[], None]) -> Callable[[], None]:
        def start_waiting() -> None:
            self._wait = (seconds, then)

        return start_waiting

    # ------------------------------------------------------------------ keys
    def digit(self, digit: str) -> None:
        if self.finished:
            return
        if self._keys is not None and self._on_keys is not None:
            if digit == "#":
                keys, handler = self._keys, self._on_keys
                self._keys = self._on_keys = None
                handler(keys)
            elif len(self._keys) < MAX_KEYS:
                self._keys += digit
                if self._wait is not None:
                    self._wait = (WAIT_FOR_KEYS, self._wait[1])  # still typing
            return
        if self._on_digit is not None:
            self._on_digit(digit)

    def _collect(self, prompt: str, handler: Callable[[str], None]) -> None:
        self._keys = ""
        self._on_keys = handler
        self._on_digit = None
        self._say(prompt, after=self._then_wait(WAIT_FOR_KEYS, lambda: self._goodbye("no keys")))

    # ------------------------------------------------------------------ the menu
    def _ask_mailbox(self) -> None:
        self._collect("mailbox", self._got_mailbox)

    def _got_mailbox(self, number: str) -> None:
        self._collect("pin", lambda pin: self._got_pin(number, pin))

    def _got_pin(self, number: str, pin: str) -> None:
        self._say()  # silence while the PIN is checked
        self.backend.check_pin(number, pin, self._pin_checked)

    def _pin_checked(self, extension_id: int | None) -> None:
        if self.finished:
            return
        if extension_id is not None:
            self._open(extension_id)
            return
        self._tries += 1
        if self._tries >= PIN_TRIES:
            self._say("wrong_pin", "goodbye", after=lambda: self._goodbye("wrong PIN"))
        else:
            self._play([self.backend.prompt("wrong_pin")], after=self._ask_mailbox)

    def _open(self, extension_id: int) -> None:
        self.backend.open_box(extension_id, self._opened)

    def _opened(self, summary: Samples, messages: list[tuple[int, Samples]]) -> None:
        if self.finished:
            return
        self.messages = messages
        if not messages:
            self._play(
                [self.backend.prompt("no_messages"), self.backend.prompt("goodbye")],
                after=lambda: self._goodbye("no messages"),
            )
            return
        self._play([summary], after=lambda: self._message(0))

    def _message(self, index: int) -> None:
        self.current = index
        if index >= len(self.messages):
            self._on_digit = None
            self._say("no_more", "goodbye", after=lambda: self._goodbye("all heard"))
            return
        _message_id, audio = self.messages[index]
        self._on_digit = self._menu_key
        self._play(
            [self.backend.prompt("next_message"), audio],
            after=lambda: self._say(
                "message_menu", after=self._then_wait(WAIT_AFTER_MENU, self._keep)
            ),
        )

    def _menu_key(self, digit: str) -> None:
        message_id, _audio = self.messages[self.current]
        if digit == "1":
            self._message(self.current)
        elif digit == "7":
            self.deleted.append(message_id)
            self.backend.delete(message_id)
            self._say("deleted", after=lambda: self._message(self.current + 1))
        elif digit in ("#", "9"):
            self._keep()

    def _keep(self) -> None:
        message_id, _audio = self.messages[self.current]
        self.heard.append(message_id)
        self.backend.mark_heard(message_id)
        self._message(self.current + 1)

    def _goodbye(self, reason: str) -> None:
        self.finish(reason)

    def hung_up(self) -> None:
        self.finish("caller hung up")

    def finish(self, reason: str) -> None:
        if self.finished:
            return
        self.finished = True
        self.ended_by = reason
        self.on_done(self)
