"""WebSocket routes of every app, gathered for the ASGI router.

Each app that speaks WebSocket exposes ``websocket_urlpatterns`` in its
``routing.py``; add it here.
"""

from django.urls import URLPattern

from officina.notifications.routing import websocket_urlpatterns as notifications_routes
from officina.pbx.routing import websocket_urlpatterns as pbx_routes
from officina.presence.routing import websocket_urlpatterns as presence_routes
from officina.social.routing import websocket_urlpatterns as social_routes

websocket_urlpatterns: list[URLPattern] = [
    *notifications_routes,
    *pbx_routes,
    *presence_routes,
    *social_routes,
]
