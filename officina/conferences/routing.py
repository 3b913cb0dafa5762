from django.urls import URLPattern, path

from .consumers import MeetingRoomConsumer, RoomConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/conferences/<slug:slug>/<int:room_id>/", RoomConsumer.as_asgi()),
    path("ws/meeting-rooms/<int:resource_id>/call/", MeetingRoomConsumer.as_asgi()),
]
