from django.urls import URLPattern, path

from .consumers import RoomConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/conferences/<slug:slug>/<int:room_id>/", RoomConsumer.as_asgi()),
]
