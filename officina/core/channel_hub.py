"""Live updates shared by the processes of ``officina serve`` with no other service.

With Redis (``REDIS_URL``) the Channels layer is channels_redis. Without it, the
run command must still need nothing but Python and the database, and its web
workers are separate processes: a check-in posted to one must reach a "who's
here" page whose WebSocket another one holds. The parent process of
``officina serve`` hosts a ``ChannelHub`` on a Unix socket in the data
directory, and every process's layer is a ``HubChannelLayer``:

- channels, groups and their members stay in each process's memory (the
  in-memory layer: a WebSocket lives in one process, and so do its channel
  and group memberships);
- ``group_send`` goes to the hub, which relays it to every subscribed process
  (each web worker, once a consumer has joined a group), and each process
  delivers it to its own members of that group.

Why not a database-backed layer: each push would be a write, and each process
would poll, on the one SQLite writer that check-ins and the PBX already share.
Why fan out rather than route: the workers are a handful (one per core), the
messages small and rare (an arrival, a message, a notification), so every worker
seeing every group message costs less than keeping a group directory in sync.

Like every Channels layer, delivery is at most once: a message sent while the
hub is unreachable, or to a process too slow to keep up, is dropped (and logged);
pages catch up on their next load.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import struct
import weakref
from typing import Any

import msgpack
from channels.layers import InMemoryChannelLayer

logger = logging.getLogger("officina.channel_hub")

# Where ``officina serve`` tells its children the hub listens.
HUB_SOCKET_ENV = "OFFICINA_CHANNEL_HUB"

_HEADER = struct.Struct("!I")
_SUBSCRIBE = b"S"
_PUBLISH = b"P"
# A group message is a few hundred bytes (a person's name, company and note; a chat
# line of at most a few KB): anything bigger is a bug or an attack, not a push.
MAX_FRAME_BYTES = 256 * 1024
# A subscriber that falls this far behind (a stopped worker) loses messages rather than
# making the hub hold them: the layer's promise is at most once.
MAX_SUBSCRIBER_BACKLOG = 4 * 1024 * 1024
# How long joining the first group waits for the hub to take this process's subscription.
SUBSCRIBE_WAIT_SECONDS = 2.0


def _frame(kind: bytes, payload: bytes) -> bytes:
    return _HEADER.pack(len(payload) + 1) + kind + payload


async def _read_frame(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    (size,) = _HEADER.unpack(await reader.readexactly(_HEADER.size))
    if not 1 <= size <= MAX_FRAME_BYTES:
        raise ValueError(f"channel hub frame of {size} bytes")
    data = await reader.readexactly(size)
    return data[:1], data[1:]


class ChannelHub:
    """The relay: every published group message goes to every subscriber."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.subscribers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self._server = await asyncio.start_unix_server(self._serve, path=self.path)
        # Only this user's processes may publish to members' pages.
        os.chmod(self.path, 0o600)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self.subscribers):
                writer.close()
            await self._server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                kind, payload = await _read_frame(reader)
                if kind == _SUBSCRIBE:
                    self.subscribers.add(writer)
                elif kind == _PUBLISH:
                    self._relay(payload)
                else:
                    raise ValueError(f"unknown channel hub frame {kind!r}")
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the process went away
        except ValueError:
            logger.warning("channel hub: a client broke the protocol", exc_info=True)
        finally:
            self.subscribers.discard(writer)
            writer.close()

    def _relay(self, payload: bytes) -> None:
        frame = _frame(_PUBLISH, payload)
        for subscriber in list(self.subscribers):
            if subscriber.transport.get_write_buffer_size() > MAX_SUBSCRIBER_BACKLOG:
                logger.warning("channel hub: a subscriber is too far behind; message dropped")
                continue
            subscriber.write(frame)


class HubChannelLayer(InMemoryChannelLayer):  # type: ignore[misc]
    """The in-memory layer, with group messages relayed through a ``ChannelHub``."""

    def __init__(self, hub_path: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hub_path = hub_path or os.environ.get(HUB_SOCKET_ENV, "")
        # One publishing connection per event loop: sync code (views, tasks) sends
        # through async_to_sync, which may run each call on a loop of its own.
        self._publishers: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, asyncio.StreamWriter
        ] = weakref.WeakKeyDictionary()
        self._subscription: asyncio.Task[None] | None = None
        self._subscribed: asyncio.Event | None = None

    async def group_add(self, group: str, channel: str) -> None:
        await super().group_add(group, channel)
        # A process receives the hub's relays once something in it listens to a group.
        if self._subscription is None or self._subscription.done():
            self._subscribed = asyncio.Event()
            self._subscription = asyncio.get_running_loop().create_task(self._subscribe())
        # A request that waits for its answer in a group just joined (a web worker asking
        # the SIP process, pbx/call_requests.py) must not ask before the answer can reach
        # this process; the hub down, it goes on after a moment, at most once as ever.
        if self._subscribed is not None and not self._subscribed.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SUBSCRIBE_WAIT_SECONDS):
                    await self._subscribed.wait()

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        payload = msgpack.packb([group, message], use_bin_type=True)
        try:
            writer = await self._publisher()
            writer.write(_frame(_PUBLISH, payload))
            await writer.drain()
        except OSError:
            self._publishers.pop(asyncio.get_running_loop(), None)
            logger.warning(
                "channel hub unreachable at %s: delivered in this process only", self.hub_path
            )
            await self.deliver_here(group, message)

    async def deliver_here(self, group: str, message: dict[str, Any]) -> None:
        await InMemoryChannelLayer.group_send(self, group, message)

    async def _publisher(self) -> asyncio.StreamWriter:
        loop = asyncio.get_running_loop()
        writer = self._publishers.get(loop)
        if writer is None or writer.is_closing():
            _reader, writer = await asyncio.open_unix_connection(self.hub_path)
            self._publishers[loop] = writer
        return writer

    async def _subscribe(self) -> None:
        """Receive every relayed group message, reconnecting while the hub restarts."""
        delay = 0.1
        while True:
            try:
                reader, writer = await asyncio.open_unix_connection(self.hub_path)
            except OSError:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            delay = 0.1
            try:
                writer.write(_frame(_SUBSCRIBE, b""))
                await writer.drain()
                if self._subscribed is not None:
                    self._subscribed.set()
                while True:
                    _kind, payload = await _read_frame(reader)
                    group, message = msgpack.unpackb(payload, raw=False)
                    await self.deliver_here(group, message)
            except (asyncio.IncompleteReadError, ConnectionError, ValueError):
                logger.warning("channel hub connection lost; reconnecting")
            finally:
                writer.close()

    async def flush(self) -> None:
        await super().flush()
        if self._subscription is not None:
            self._subscription.cancel()
            self._subscription = None
        for writer in list(self._publishers.values()):
            writer.close()
        self._publishers.clear()
