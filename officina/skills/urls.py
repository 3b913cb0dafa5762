from django.urls import URLPattern, URLResolver, path

from officina.skills import views

app_name = "skills"
urlpatterns: list[URLPattern | URLResolver] = [
    path("skills/", views.catalogue, name="catalogue"),
    path("skills/mine/", views.my_skills, name="mine"),
    path("skills/mine/<int:pk>/remove/", views.remove_my_skill, name="remove"),
    path("skills/endorse/<int:pk>/", views.toggle_endorsement, name="endorse"),
    path("skills/<slug:slug>/", views.skill_detail, name="detail"),
]
