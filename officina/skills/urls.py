from django.urls import URLPattern, URLResolver, path

from officina.skills import views

app_name = "skills"
urlpatterns: list[URLPattern | URLResolver] = [
    path("skills/", views.catalogue, name="catalogue"),
    path("skills/mine/", views.my_skills, name="mine"),
    path("skills/mine/<int:pk>/remove/", views.remove_my_skill, name="remove"),
    path("skills/mine/<int:pk>/evidence/", views.add_evidence, name="add_evidence"),
    path("skills/mine/evidence/<int:pk>/", views.edit_evidence, name="edit_evidence"),
    path("skills/mine/evidence/<int:pk>/remove/", views.remove_evidence, name="remove_evidence"),
    path("skills/mine/free-tags/", views.add_free_tag, name="add_free_tag"),
    path(
        "skills/mine/free-tags/<int:pk>/evidence/",
        views.add_free_tag_evidence,
        name="add_free_tag_evidence",
    ),
    path("skills/mine/free-tags/<int:pk>/remove/", views.remove_free_tag, name="remove_free_tag"),
    path("skills/free-tags/", views.free_tags, name="free_tags"),
    path("skills/free-tags/<int:pk>/merge/", views.merge_free_tag, name="merge_free_tag"),
    path("skills/free-tags/<int:pk>/rename/", views.rename_free_tag, name="rename_free_tag"),
    path("skills/endorse/<int:pk>/", views.toggle_endorsement, name="endorse"),
    path(
        "skills/endorse/free-tag/<int:pk>/",
        views.toggle_free_tag_endorsement,
        name="endorse_free_tag",
    ),
    path("skills/<slug:slug>/", views.skill_detail, name="detail"),
]
