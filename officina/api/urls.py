"""Pages around the API (the API itself is mounted from officina/api/router.py)."""

from django.urls import path

from officina.api import views

app_name = "api"
urlpatterns = [
    path("api/tokens/", views.tokens, name="tokens"),
    path("api/tokens/<int:token_id>/revoke/", views.revoke, name="revoke"),
]
