from django.urls import URLPattern, URLResolver, path

from officina.matchmaking import views

app_name = "matchmaking"
urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "questions/<int:pk>/invite/<int:member_id>/",
        views.invite_to_answer,
        name="invite_to_answer",
    ),
    path("meet/", views.people, name="people"),
    path("meet/<int:member_id>/ask/", views.ask_introduction, name="ask_introduction"),
    path("meet/<int:member_id>/decline/", views.decline_suggestion, name="decline_suggestion"),
    path(
        "introductions/<int:pk>/accept/",
        views.answer_introduction,
        {"answer": "accept"},
        name="accept_introduction",
    ),
    path(
        "introductions/<int:pk>/decline/",
        views.answer_introduction,
        {"answer": "decline"},
        name="decline_introduction",
    ),
    path("team/", views.team, name="team"),
]
