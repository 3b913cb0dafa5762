from django.urls import path

from . import views

app_name = "ringgroups"
urlpatterns = [
    path("companies/<slug:slug>/ring-groups/", views.group_list, name="list"),
    path("companies/<slug:slug>/ring-groups/new/", views.group_edit, name="create"),
    path("companies/<slug:slug>/business-hours/", views.business_hours, name="hours"),
    path(
        "companies/<slug:slug>/business-hours/exceptions/<int:exception_id>/remove/",
        views.remove_hours_exception,
        name="remove_exception",
    ),
    path("companies/<slug:slug>/ring-groups/<int:group_id>/", views.group_edit, name="edit"),
    path(
        "companies/<slug:slug>/ring-groups/<int:group_id>/delete/",
        views.group_delete,
        name="delete",
    ),
    path(
        "companies/<slug:slug>/ring-groups/<int:group_id>/availability/",
        views.set_availability,
        name="availability",
    ),
]
