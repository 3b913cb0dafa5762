"""WebSocket routes of the PBX (gathered by ``officina.websocket_routes``)."""

from django.urls import URLPattern, path

from officina.pbx.transports.websocket import SipWebSocketConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("sip/ws", SipWebSocketConsumer.as_asgi()),
]
