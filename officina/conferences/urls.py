from django.urls import path

from . import views

app_name = "conferences"
urlpatterns = [
    path("companies/<slug:slug>/conferences/", views.room_list, name="list"),
    path("companies/<slug:slug>/conferences/new/", views.room_edit, name="create"),
    path("companies/<slug:slug>/conferences/<int:room_id>/", views.room_live, name="room"),
    path("companies/<slug:slug>/conferences/<int:room_id>/edit/", views.room_edit, name="edit"),
    path(
        "companies/<slug:slug>/conferences/<int:room_id>/delete/",
        views.room_delete,
        name="delete",
    ),
    path(
        "companies/<slug:slug>/conferences/<int:room_id>/participants/<int:participant_id>/mute/",
        views.mute,
        name="mute",
    ),
    path("meeting-rooms/<int:resource_id>/call/", views.meeting_room_live, name="meeting_room"),
    path(
        "meeting-rooms/<int:resource_id>/call/participants/<int:participant_id>/mute/",
        views.meeting_room_mute,
        name="meeting_room_mute",
    ),
]
