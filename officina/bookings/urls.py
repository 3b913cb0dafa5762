from django.urls import path

from . import views

app_name = "bookings"
urlpatterns = [
    path("bookings/", views.my_bookings, name="mine"),
    path("bookings/ical/regenerate/", views.regenerate_feed, name="regenerate_feed"),
    path("bookings/ical/<str:token>.ics", views.feed, name="feed"),
    path("bookings/resources/ical/<str:token>.ics", views.resource_feed, name="resource_feed"),
    path("bookings/resources/<int:resource_id>/", views.resource_page, name="resource"),
    path(
        "bookings/resources/<int:resource_id>/ical/regenerate/",
        views.regenerate_resource_feed,
        name="regenerate_resource_feed",
    ),
    path("bookings/resources/<int:resource_id>/watch/", views.watch_free_again, name="watch"),
    path("bookings/resources/<int:resource_id>/edit/", views.resource_edit, name="resource_edit"),
    path("bookings/resources/<int:resource_id>/line/", views.resource_line, name="resource_line"),
    path(
        "bookings/resources/<int:resource_id>/photos/",
        views.resource_photos,
        name="resource_photos",
    ),
    path(
        "bookings/resources/<int:resource_id>/photos/<int:photo_id>/",
        views.resource_photo_change,
        name="resource_photo_change",
    ),
    path("bookings/photos/<int:photo_id>/<str:name>", views.resource_photo, name="photo"),
    path(
        "bookings/resources/<int:resource_id>/line/remove/",
        views.resource_line_remove,
        name="resource_line_remove",
    ),
    path("bookings/series/<int:series_id>/", views.series_page, name="series"),
    path("bookings/<int:booking_id>/move/", views.booking_move, name="move"),
    path("bookings/<int:booking_id>/guests/", views.booking_guests, name="guests"),
    path(
        "bookings/<int:booking_id>/guests/<int:guest_id>/remove/",
        views.booking_guest_remove,
        name="guest_remove",
    ),
    path("bookings/<int:booking_id>/cancel/", views.booking_cancel, name="cancel"),
    path("bookings/<int:booking_id>/answer/", views.booking_answer, name="answer"),
    path("bookings/<slug:slug>/", views.space_day, name="space"),
    path("bookings/<slug:slug>/find/", views.find_slot, name="find"),
    path("bookings/<slug:slug>/find/watch/", views.watch_slot_search, name="watch_search"),
    path("bookings/<slug:slug>/manage/", views.manage, name="manage"),
    path("bookings/<slug:slug>/manage/new/", views.resource_create, name="resource_create"),
]
