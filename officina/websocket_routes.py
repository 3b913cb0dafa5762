"""WebSocket routes of every app, gathered for the ASGI router.

Each app that speaks WebSocket exposes ``websocket_urlpatterns`` in its
``routing.py``; add it here. Members' live pages authenticate with the session
cookie, so the browser's Origin must be this site; SIP phones authenticate with
digest on every request, so any origin (or none: desk phones send none) may
connect to the SIP route.
"""

from django.urls import URLPattern

from officina.conferences.routing import websocket_urlpatterns as conferences_routes
from officina.notifications.routing import websocket_urlpatterns as notifications_routes
from officina.pbx.routing import websocket_urlpatterns as pbx_routes
from officina.presence.routing import websocket_urlpatterns as presence_routes
from officina.social.routing import websocket_urlpatterns as social_routes

member_websocket_urlpatterns: list[URLPattern] = [
    *conferences_routes,
    *notifications_routes,
    *presence_routes,
    *social_routes,
]
sip_websocket_urlpatterns: list[URLPattern] = [*pbx_routes]
websocket_urlpatterns = member_websocket_urlpatterns + sip_websocket_urlpatterns
