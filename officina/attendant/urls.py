from django.urls import path

from . import views

app_name = "attendant"
urlpatterns = [
    path("companies/<slug:slug>/attendant/", views.menu_list, name="list"),
    path("companies/<slug:slug>/attendant/new/", views.menu_edit, name="create"),
    path("companies/<slug:slug>/attendant/<int:menu_id>/", views.menu_edit, name="edit"),
    path(
        "companies/<slug:slug>/attendant/<int:menu_id>/greeting.wav",
        views.menu_greeting,
        name="greeting",
    ),
    path("companies/<slug:slug>/attendant/<int:menu_id>/delete/", views.menu_delete, name="delete"),
]
