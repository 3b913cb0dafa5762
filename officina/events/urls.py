from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("events/", views.event_list, name="list"),
    path("events/new/", views.event_create, name="create"),
    path("events/<int:event_id>/", views.event_detail, name="detail"),
    path("events/<int:event_id>/edit/", views.event_edit, name="edit"),
    path("events/<int:event_id>/cancel/", views.event_cancel, name="cancel"),
    path("events/<int:event_id>/rsvp/", views.event_rsvp, name="rsvp"),
    path("events/ical/regenerate/", views.regenerate_feed, name="regenerate_feed"),
    path("events/ical/<str:token>.ics", views.personal_feed, name="feed"),
    path("events/ical/<str:token>/<slug:slug>.ics", views.space_feed, name="space_feed"),
]
