"""A space's trunks and numbers: the same pages as a company's, under ``spaces/``."""

from django.urls import URLPattern

from .urls import owner_pages

app_name = "trunks"
urlpatterns: list[URLPattern] = owner_pages("space")
