from django.urls import URLPattern, URLResolver, path

from officina.matchmaking import views

app_name = "matchmaking"
urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "questions/<int:pk>/invite/<int:member_id>/",
        views.invite_to_answer,
        name="invite_to_answer",
    ),
    path("team/", views.team, name="team"),
]
