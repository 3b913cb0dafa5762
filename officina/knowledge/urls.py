from django.urls import path

from officina.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("questions/", views.questions, name="questions"),
    path("questions/ask/", views.ask, name="ask"),
    path("questions/<int:pk>/", views.question_detail, name="question"),
    path("questions/<int:pk>/answer/", views.answer, name="answer"),
    path("questions/<int:pk>/vote/", views.vote_question, name="vote_question"),
    path("questions/<int:pk>/unaccept/", views.unaccept, name="unaccept"),
    path("questions/answers/<int:pk>/vote/", views.vote_answer, name="vote_answer"),
    path("questions/answers/<int:pk>/accept/", views.accept, name="accept"),
]
