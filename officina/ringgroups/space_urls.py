"""A space's ring groups and business hours: the same pages as a company's, under
``spaces/``."""

from django.urls import URLPattern

from .urls import owner_pages

app_name = "ringgroups"
urlpatterns: list[URLPattern] = owner_pages("space")
