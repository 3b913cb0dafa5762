from django.urls import path

from . import views

app_name = "trunks"
urlpatterns = [
    path("companies/<slug:slug>/trunks/", views.overview, name="list"),
    path("companies/<slug:slug>/trunks/new/", views.trunk_edit, name="create"),
    path("companies/<slug:slug>/trunks/<int:trunk_id>/", views.trunk_edit, name="edit"),
    path("companies/<slug:slug>/trunks/<int:trunk_id>/delete/", views.trunk_delete, name="delete"),
    path("companies/<slug:slug>/numbers/new/", views.number_edit, name="number_create"),
    path("companies/<slug:slug>/numbers/<int:number_id>/", views.number_edit, name="number_edit"),
    path(
        "companies/<slug:slug>/numbers/<int:number_id>/delete/",
        views.number_delete,
        name="number_delete",
    ),
    path(
        "companies/<slug:slug>/calls-out/<int:member_id>/",
        views.permission_edit,
        name="permission",
    ),
]
