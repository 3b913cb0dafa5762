"""A web worker's request reaching the SIP process through the channel hub and its answer
coming back, as between ``officina serve``'s processes (here both ends share one process
and one layer, so every message makes the round trip through the hub's socket)."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from channels.layers import channel_layers

from officina.core.channel_hub import ChannelHub
from officina.pbx.call_requests import (
    CallRequestListener,
    CallState,
    NoSuchCall,
    ask_progress,
    ask_to_end,
    ask_to_place,
    new_ticket,
)


@pytest.fixture
async def hub_layer(settings: Any) -> AsyncIterator[None]:
    path = os.path.join(tempfile.mkdtemp(prefix="officina-calls-"), "channels.sock")
    hub = ChannelHub(path)
    await hub.start()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "officina.core.channel_hub.HubChannelLayer",
            "CONFIG": {"hub_path": path},
        }
    }
    channel_layers.backends.clear()
    try:
        yield
    finally:
        await channel_layers["default"].flush()
        channel_layers.backends.clear()
        await hub.stop()


class Calls:
    """What the listener asks of the PBX, kept as plain state: the channel is under test."""

    def __init__(self) -> None:
        self.placed: list[tuple[str, str, str, str]] = []
        self.states: dict[str, CallState] = {}

    def place(self, ticket: str, extension: str, target: str, name: str) -> CallState:
        self.placed.append((ticket, extension, target, name))
        self.states[ticket] = CallState.RINGING
        return CallState.RINGING

    def state_of(self, ticket: str, extension: str) -> CallState | None:
        return self.states.get(ticket) if extension == "201" else None

    def end(self, ticket: str, extension: str) -> CallState | None:
        state = self.state_of(ticket, extension)
        if state in (CallState.RINGING, CallState.CONNECTING):
            state = self.states[ticket] = CallState.CANCELLED
        elif state is CallState.CONNECTED:
            state = self.states[ticket] = CallState.HUNG_UP
        return state


@asynccontextmanager
async def listening(calls: Calls) -> AsyncIterator[CallRequestListener]:
    """The SIP process's listener, answering for ``calls``, while the block runs."""
    listener = CallRequestListener(calls.place, calls.state_of, calls.end)
    running = asyncio.get_running_loop().create_task(listener.run())
    try:
        await asyncio.sleep(0.2)  # the listener joins its group
        yield listener
    finally:
        running.cancel()


async def test_a_request_and_the_calls_progress_go_through_the_hub(hub_layer):
    calls = Calls()
    async with listening(calls) as listener:
        ticket = new_ticket()
        assert await ask_to_place(ticket, "201", "202", "Marco") is CallState.RINGING
        assert calls.placed == [(ticket, "201", "202", "Marco")]

        # A progress request waits for the change, and is answered with it.
        waiting = asyncio.ensure_future(ask_progress(ticket, "201", "ringing"))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        calls.states[ticket] = CallState.CONNECTED
        listener.changed(ticket, CallState.CONNECTED)
        assert await asyncio.wait_for(waiting, 10) is CallState.CONNECTED

        # Asked with a state it no longer has: answered at once; no change: the same state.
        assert await ask_progress(ticket, "201", "ringing") is CallState.CONNECTED
        assert await ask_progress(ticket, "201", "connected", seconds=0.5) is CallState.CONNECTED
        # Someone else's extension learns nothing of the call.
        assert await ask_progress(ticket, "202", "ringing") is CallState.ENDED


async def test_an_end_goes_through_the_hub_for_the_callers_own_call_only(hub_layer):
    calls = Calls()
    async with listening(calls):
        ticket = new_ticket()
        await ask_to_place(ticket, "201", "202", "Marco")
        with pytest.raises(NoSuchCall):
            await ask_to_end(ticket, "202")  # not 202's call: nothing learnt, nothing done
        assert calls.states[ticket] is CallState.RINGING
        with pytest.raises(NoSuchCall):
            await ask_to_end(new_ticket(), "201")
        assert await ask_to_end(ticket, "201") is CallState.CANCELLED
        assert await ask_progress(ticket, "201", "ringing") is CallState.CANCELLED


async def test_an_answered_call_is_hung_up_through_the_hub(hub_layer):
    calls = Calls()
    async with listening(calls):
        ticket = new_ticket()
        await ask_to_place(ticket, "201", "202", "Marco")
        calls.states[ticket] = CallState.CONNECTED
        assert await ask_to_end(ticket, "201") is CallState.HUNG_UP
        assert await ask_to_end(ticket, "201") is CallState.HUNG_UP, "asked again: the same"
        assert await ask_progress(ticket, "201", "connected") is CallState.HUNG_UP


async def test_nobody_listening_is_told_as_no_answer(hub_layer):
    assert await ask_progress(new_ticket(), "201", "ringing", seconds=0.1) is None
