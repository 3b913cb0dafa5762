from django.urls import path

from .consumers import SpacePresenceConsumer

websocket_urlpatterns = [
    path("ws/presence/<slug:slug>/", SpacePresenceConsumer.as_asgi()),
]
