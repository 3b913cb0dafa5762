"""SIP over WebSocket when the web workers and the SIP server are separate processes.

``officina serve`` runs the SIP server in a process of its own and the web
server in several: a browser's ``/sip/ws`` lands on any web worker, which
relays the connection, message for message, to the SIP process over a private
Unix socket. The browser still reaches SIP on the site's own origin and port
(the same reverse proxy, the same certificate, the CSP's ``connect-src 'self'``).

The SIP process serves that socket with ``sip_websocket_application``: only the
SIP route, with the browser's address and scheme taken from the relay's headers,
which only processes of this user can send (the socket is mode 0600).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from websockets.asyncio.client import ClientConnection, unix_connect
from websockets.exceptions import InvalidHandshake, WebSocketException

from officina.pbx.transports.base import MAX_MESSAGE_BYTES
from officina.pbx.transports.websocket import SIP_SUBPROTOCOL, SipWebSocketConsumer

logger = logging.getLogger("officina.pbx.transports.websocket")

# Where ``officina serve`` tells its web workers the SIP process listens.
SIP_WEBSOCKET_ENV = "OFFICINA_SIP_WEBSOCKET"
CLIENT_HEADER = "x-officina-client"
SCHEME_HEADER = "x-officina-scheme"


def sip_process_socket() -> str:
    return os.environ.get(SIP_WEBSOCKET_ENV, "")


class SipWebSocketRelay(AsyncWebsocketConsumer):
    """A web worker's side of one browser's SIP connection: a pipe to the SIP process."""

    upstream: ClientConnection | None = None
    pump: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        if SIP_SUBPROTOCOL not in self.scope.get("subprotocols", []):
            await self.close(code=1002)
            return
        client = self.scope.get("client") or ("", 0)
        try:
            self.upstream = await unix_connect(
                sip_process_socket(),
                uri="ws://localhost/sip/ws",
                subprotocols=[SIP_SUBPROTOCOL],
                additional_headers={
                    CLIENT_HEADER: f"{client[0]} {client[1]}",
                    SCHEME_HEADER: str(self.scope.get("scheme", "ws")),
                },
                max_size=MAX_MESSAGE_BYTES + 1,
                # The browser keeps its own connection alive; this one is local.
                ping_interval=None,
            )
        except (OSError, InvalidHandshake):
            # The SIP process is down, refused the address (too many connections) or
            # there is none (``--no-sip``): the same answer the SIP server would give.
            await self.close(code=1013)
            return
        await self.accept(subprotocol=SIP_SUBPROTOCOL)
        self.pump = asyncio.get_running_loop().create_task(self._pump(self.upstream))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.upstream is None:
            return
        try:
            await self.upstream.send(text_data if text_data is not None else bytes_data or b"")
        except WebSocketException:
            await self.close()

    async def _pump(self, upstream: ClientConnection) -> None:
        """What the SIP server sends, to the browser, in order."""
        try:
            async for message in upstream:
                if isinstance(message, str):
                    await self.send(text_data=message)
                else:
                    await self.send(bytes_data=message)
        except WebSocketException:
            pass
        finally:
            await self.close()

    async def disconnect(self, code: int) -> None:
        if self.pump is not None:
            self.pump.cancel()
        if self.upstream is not None:
            with contextlib.suppress(WebSocketException, OSError):
                await self.upstream.close()


def _relayed_client(app: Any) -> Any:
    """Give the SIP consumer the browser's address and scheme the relay passed on."""

    async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            headers = dict(scope.get("headers") or [])
            client = headers.get(CLIENT_HEADER.encode(), b"").decode("latin-1").split(" ")
            if len(client) == 2 and client[1].isdigit():
                scope = {**scope, "client": (client[0], int(client[1]))}
            scheme = headers.get(SCHEME_HEADER.encode(), b"").decode("latin-1")
            if scheme in {"ws", "wss"}:
                scope = {**scope, "scheme": scheme}
        await app(scope, receive, send)

    return application


def sip_websocket_application() -> Any:
    """The ASGI app the SIP process serves on its private socket: the SIP route only."""
    from channels.routing import ProtocolTypeRouter, URLRouter
    from django.urls import path

    return ProtocolTypeRouter(
        {"websocket": _relayed_client(URLRouter([path("sip/ws", SipWebSocketConsumer.as_asgi())]))}
    )
