from django.urls import path

from . import views

app_name = "contacts"
urlpatterns = [
    path("companies/<slug:slug>/contacts/", views.contact_list, name="list"),
    path("companies/<slug:slug>/contacts/new/", views.contact_edit, name="create"),
    path("companies/<slug:slug>/contacts/import/", views.contact_import, name="import"),
    path(
        "companies/<slug:slug>/contacts/export.<str:file_format>",
        views.contact_export,
        name="export",
    ),
    path("companies/<slug:slug>/contacts/<int:contact_id>/", views.contact_edit, name="edit"),
    path(
        "companies/<slug:slug>/contacts/<int:contact_id>/delete/",
        views.contact_delete,
        name="delete",
    ),
]
