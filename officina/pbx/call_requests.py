"""Web workers asking the SIP process to place a call, over the Channels layer.

``officina serve`` runs the web workers and the SIP server as separate processes; the
SIP process already reaches the pages through the channel layer (who is on a call,
``on_call.py``). This is the same layer the other way: the SIP process listens on the
group ``REQUESTS_GROUP``; a web worker sends a request there naming a reply group of
its own, which only its waiting request has joined, and waits for the answer.

* ``place``: ring the member's phones and connect the first to answer to the target
  (``third_party_calls.ThirdPartyCalls``); the answer is the call's first state
  (``ringing``, or why not: ``no-device``).
* ``progress``: the state of a call placed before, answered as soon as it differs from
  the one the page knows (a long poll: a state that changed while nobody asked is not
  lost, the SIP process keeps each call's last state for a while).
* ``end``: stop a call at whatever stage: cancel the ringing phones (the member's, or
  the target), or hang up both once answered; the answer is the call's state afterwards
  (``cancelled``, ``hung-up``, or the state of a call already over), or that the
  extension has no such call.

Why the layer rather than a socket of our own or the database: it is already there in
every deployment (the hub between ``officina serve``'s processes, or Redis), delivers in
milliseconds, and a request is a few hundred bytes. Its delivery is at most once: a
request lost (the SIP process restarting) gets no answer, and the web tells the member
that the phone system did not answer, rather than waiting.

Nothing here authorises anything: the web side checks the member, their extension and
the target (``click_to_call.check_click_to_call``) before it asks.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from channels.layers import get_channel_layer

logger = logging.getLogger("officina.pbx.call_requests")

REQUESTS_GROUP = "pbx.calls"
PLACE = "pbx.place_call"
PROGRESS = "pbx.call_progress"
END = "pbx.end_call"
STATE = "pbx.call_state"
# How long a web worker waits for the SIP process: it answers a request at once, so
# this only bounds the wait when the SIP process is not running.
ANSWER_SECONDS = 5.0
# How long a progress request waits for a change before it answers the same state (the
# page asks again): under the 60 s a reverse proxy typically allows a request.
PROGRESS_SECONDS = 25.0


class CallState(StrEnum):
    """A click-to-call as the page follows it."""

    RINGING = "ringing"  # the member's phones ring
    NO_DEVICE = "no-device"  # none of the member's phones is registered
    # The member's only phones are browsers, and no rtpengine bridges them to the target.
    NO_MEDIA_BRIDGE = "no-media-bridge"
    CONNECTING = "connecting"  # the member answered; the target rings
    CONNECTED = "connected"  # the target answered
    DECLINED = "declined"  # the member's phones refused (busy, declined)
    NO_ANSWER = "no-answer"  # the member, or the target, did not answer
    BUSY = "busy"  # the target is busy
    REFUSED = "refused"  # the PBX refused the call out (the toll-fraud guard)
    UNKNOWN = "unknown"  # the target is no number the PBX knows
    FAILED = "failed"  # anything else
    ENDED = "ended"  # hung up (or forgotten)
    CANCELLED = "cancelled"  # the member stopped it while a phone rang
    HUNG_UP = "hung-up"  # the member ended the answered call from the page

    @property
    def final(self) -> bool:
        return self not in (CallState.RINGING, CallState.CONNECTING, CallState.CONNECTED)


# ---------------------------------------------------------------------- the web's side
def new_ticket() -> str:
    """A call's name between the page and the SIP process: unguessable, so that no one
    follows someone else's call."""
    return secrets.token_hex(16)


async def _ask(message: dict[str, Any], seconds: float) -> dict[str, Any] | None:
    layer = get_channel_layer()
    if layer is None:
        return None
    channel = await layer.new_channel()
    reply_to = f"pbx.calls.reply.{secrets.token_hex(8)}"
    await layer.group_add(reply_to, channel)
    try:
        await layer.group_send(REQUESTS_GROUP, {**message, "reply_to": reply_to})
        async with asyncio.timeout(seconds):
            answer: dict[str, Any] = await layer.receive(channel)
            return answer
    except TimeoutError:
        return None
    finally:
        await layer.group_discard(reply_to, channel)


async def ask_to_place(
    ticket: str, extension: str, target: str, target_name: str
) -> CallState | None:
    """Ask the SIP process to call ``target`` from ``extension``; None when it did not
    answer."""
    answer = await _ask(
        {
            "type": PLACE,
            "ticket": ticket,
            "extension": extension,
            "target": target,
            "target_name": target_name,
        },
        ANSWER_SECONDS,
    )
    return _state_of(answer)


async def ask_progress(
    ticket: str, extension: str, known: str, seconds: float = PROGRESS_SECONDS
) -> CallState | None:
    """The state of ``extension``'s call ``ticket`` once it is not ``known`` (or
    ``known`` again after ``seconds``); None when the SIP process did not answer."""
    answer = await _ask(
        {
            "type": PROGRESS,
            "ticket": ticket,
            "extension": extension,
            "known": known,
            "seconds": seconds,
        },
        seconds + ANSWER_SECONDS,
    )
    return _state_of(answer)


async def ask_to_end(ticket: str, extension: str) -> CallState | None:
    """Ask the SIP process to end ``extension``'s call ``ticket``; the call's state
    afterwards. None when the SIP process did not answer; ``NoSuchCall`` when the
    extension has no such call."""
    answer = await _ask({"type": END, "ticket": ticket, "extension": extension}, ANSWER_SECONDS)
    if answer is not None and not answer.get("found", True):
        raise NoSuchCall(ticket)
    return _state_of(answer)


class NoSuchCall(LookupError):
    """The extension has no call of that ticket (never placed, forgotten, or another's)."""


def _state_of(answer: dict[str, Any] | None) -> CallState | None:
    if answer is None:
        return None
    try:
        return CallState(answer.get("state", ""))
    except ValueError:
        return CallState.FAILED


# ---------------------------------------------------------------------- the SIP process's side
@dataclass(eq=False)
class _Waiter:
    ticket: str
    known: str
    reply_to: str


@dataclass
class CallRequestListener:
    """Listens on ``REQUESTS_GROUP`` in the SIP process and answers.

    ``place(ticket, extension, target, target_name)`` starts a call and returns its
    first state; ``state_of(ticket, extension)`` is a call's state now (None: no such
    call of that extension); ``end(ticket, extension)`` stops it, ringing or answered,
    and returns its state then (None likewise). The caller of ``changed(ticket)`` says a
    call's state changed, which answers those waiting for it.
    """

    place: Callable[[str, str, str, str], CallState]
    state_of: Callable[[str, str], CallState | None]
    end: Callable[[str, str], CallState | None]
    waiters: dict[str, list[_Waiter]] = field(default_factory=dict)
    _layer: Any = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def run(self) -> None:
        self._layer = layer = get_channel_layer()
        if layer is None:
            return
        channel = await layer.new_channel()
        await layer.group_add(REQUESTS_GROUP, channel)
        while True:
            message = await layer.receive(channel)
            try:
                await self._handle(message)
            except Exception:
                logger.exception("call request %r failed", message.get("type"))

    async def _handle(self, message: dict[str, Any]) -> None:
        reply_to = str(message.get("reply_to", ""))
        ticket = str(message.get("ticket", ""))
        extension = str(message.get("extension", ""))
        if not reply_to or not ticket or not extension:
            return
        if message.get("type") == PLACE:
            state = self.place(
                ticket,
                extension,
                str(message.get("target", "")),
                str(message.get("target_name", "")),
            )
            await self._reply(reply_to, ticket, state)
        elif message.get("type") == END:
            after = self.end(ticket, extension)
            await self._reply(reply_to, ticket, after or CallState.ENDED, found=after is not None)
        elif message.get("type") == PROGRESS:
            now = self.state_of(ticket, extension)
            known = str(message.get("known", ""))
            if now is None or now != known or now.final:
                await self._reply(reply_to, ticket, now or CallState.ENDED)
                return
            waiter = _Waiter(ticket, known, reply_to)
            self.waiters.setdefault(ticket, []).append(waiter)
            seconds = float(message.get("seconds", PROGRESS_SECONDS))
            asyncio.get_running_loop().call_later(
                min(seconds, PROGRESS_SECONDS), self._expire, waiter
            )

    def changed(self, ticket: str, state: CallState) -> None:
        for waiter in self.waiters.pop(ticket, []):
            self._send_later(waiter.reply_to, ticket, state)

    def _expire(self, waiter: _Waiter) -> None:
        waiting = self.waiters.get(waiter.ticket)
        if waiting is None or waiter not in waiting:
            return
        waiting.remove(waiter)
        if not waiting:
            del self.waiters[waiter.ticket]
        self._send_later(waiter.reply_to, waiter.ticket, CallState(waiter.known))

    def _send_later(self, reply_to: str, ticket: str, state: CallState) -> None:
        task = asyncio.get_running_loop().create_task(self._reply(reply_to, ticket, state))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reply(
        self, reply_to: str, ticket: str, state: CallState, *, found: bool = True
    ) -> None:
        if self._layer is not None:
            await self._layer.group_send(
                reply_to, {"type": STATE, "ticket": ticket, "state": str(state), "found": found}
            )


__all__ = [
    "REQUESTS_GROUP",
    "CallRequestListener",
    "CallState",
    "NoSuchCall",
    "ask_progress",
    "ask_to_end",
    "ask_to_place",
    "new_ticket",
]
