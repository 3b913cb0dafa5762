"""WebSocket routes of the PBX (gathered by ``officina.websocket_routes``).

In a web worker of ``officina serve`` the SIP server is another process: the
route relays to it. Where they share a process (tests, the PBX's own ASGI app)
the consumer hands messages to the SIP server directly.
"""

from django.urls import URLPattern, path

from officina.pbx.transports.websocket import SipWebSocketConsumer
from officina.pbx.transports.websocket_relay import SipWebSocketRelay, sip_process_socket

websocket_urlpatterns: list[URLPattern] = [
    path(
        "sip/ws",
        (SipWebSocketRelay if sip_process_socket() else SipWebSocketConsumer).as_asgi(),
    ),
]
