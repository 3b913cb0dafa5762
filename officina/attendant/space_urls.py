"""A space's auto-attendant menus: the same pages as a company's, under ``spaces/``."""

from django.urls import URLPattern

from .urls import owner_pages

app_name = "attendant"
urlpatterns: list[URLPattern] = owner_pages("space")
