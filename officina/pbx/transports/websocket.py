"""SIP over WebSocket (RFC 7118) for browsers, served by the ASGI app at ``/sip/ws``.

The consumer runs in the SIP server's process and event loop and hands each
WebSocket message straight to it; in ``officina serve`` the web workers relay
``/sip/ws`` to that process (``websocket_relay``). Sharing the web port means a browser page served
over HTTPS reaches ``wss://`` on the same origin, through the same reverse
proxy, with no certificate of its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from channels.generic.websocket import AsyncWebsocketConsumer

from officina.pbx.transports.base import (
    MAX_MESSAGE_BYTES,
    MAX_SEND_BUFFER,
    WS,
    WSS,
    ConnectionTable,
    Flow,
    MessageSink,
    monotonic,
    new_connection_key,
)

logger = logging.getLogger("officina.pbx.transports.websocket")

SIP_SUBPROTOCOL = "sip"


class WebSocketHub:
    """Where consumers find the running SIP server (set by the PBX runtime)."""

    sink: MessageSink | None = None
    table: ConnectionTable | None = None

    @classmethod
    def attach(cls, sink: MessageSink, table: ConnectionTable) -> None:
        cls.sink, cls.table = sink, table

    @classmethod
    def detach(cls) -> None:
        cls.sink = cls.table = None


class WebSocketConnection:
    """The SIP server's side of one browser connection: an ordered, bounded outbox."""

    def __init__(self, consumer: SipWebSocketConsumer, transport: str, remote: tuple[str, int]):
        self.consumer = consumer
        self.key = new_connection_key(WS)
        self.transport = transport
        self.remote = remote
        self.opened_at = monotonic()
        self.last_activity = self.opened_at
        self.messages_received = 0
        self.open = True
        self._outbox: deque[bytes] = deque()
        self._outbox_bytes = 0
        self._wakeup = asyncio.Event()
        self._writer = asyncio.get_running_loop().create_task(self._write_loop())

    def send(self, data: bytes) -> bool:
        if not self.open:
            return False
        if self._outbox_bytes + len(data) > MAX_SEND_BUFFER:
            self.close()
            return False
        self._outbox.append(data)
        self._outbox_bytes += len(data)
        self._wakeup.set()
        return True

    def close(self) -> None:
        if self.open:
            self.open = False
            self._wakeup.set()
            asyncio.get_running_loop().create_task(self.consumer.close(code=1000))

    def closed(self) -> None:
        self.open = False
        self._wakeup.set()

    async def _write_loop(self) -> None:
        # One writer keeps messages in order and lets ``send`` stay synchronous.
        while self.open:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._outbox and self.open:
                data = self._outbox.popleft()
                self._outbox_bytes -= len(data)
                await self.consumer.send(text_data=data.decode("utf-8", "replace"))


class SipWebSocketConsumer(AsyncWebsocketConsumer):
    """One browser's SIP connection."""

    connection: WebSocketConnection | None = None
    sink: MessageSink | None = None
    table: ConnectionTable | None = None

    async def connect(self) -> None:
        if SIP_SUBPROTOCOL not in self.scope.get("subprotocols", []):
            await self.close(code=1002)
            return
        client = self.scope.get("client") or ("", 0)
        remote = (str(client[0]), int(client[1]))
        sink, table = WebSocketHub.sink, WebSocketHub.table
        if sink is None or table is None or not table.admit(remote[0]):
            # No SIP server in this process (``--no-sip``), or too many connections.
            await self.close(code=1013)
            return
        await self.accept(subprotocol=SIP_SUBPROTOCOL)
        transport = WSS if self.scope.get("scheme") == "wss" else WS
        self.sink, self.table = sink, table
        self.connection = WebSocketConnection(self, transport, remote)
        table.add(self.connection)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        connection, sink = self.connection, self.sink
        if connection is None or sink is None:
            return
        data = bytes_data if bytes_data is not None else (text_data or "").encode()
        connection.last_activity = monotonic()
        if len(data) > MAX_MESSAGE_BYTES:
            connection.close()
            return
        if not data.strip():
            return  # keep-alive
        connection.messages_received += 1
        flow = Flow(connection.transport, *connection.remote, connection=connection)
        try:
            sink.receive(data, flow)
        except Exception:
            logger.exception("WebSocket message from %s:%s could not be handled", *flow_peer(flow))

    async def disconnect(self, code: int) -> None:
        connection = self.connection
        if connection is None:
            return
        connection.closed()
        if self.table is not None:
            self.table.remove(connection)
        if self.sink is not None:
            self.sink.connection_lost(connection)


def flow_peer(flow: Flow) -> tuple[str, int]:
    return flow.host, flow.port
