from django.urls import URLPattern, URLResolver, path

from officina.social import views

app_name = "social"
urlpatterns: list[URLPattern | URLResolver] = [
    path("feed/", views.feed, name="feed"),
    path("feed/all/", views.community, name="community"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("posts/<int:pk>/comments/", views.post_comment, name="post_comment"),
    path(
        "posts/<int:pk>/comments/<int:comment_pk>/delete/",
        views.comment_delete,
        name="comment_delete",
    ),
    path("posts/<int:pk>/react/", views.post_react, name="post_react"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:pk>/delete/", views.post_delete, name="post_delete"),
    path("members/", views.directory, name="directory"),
    path("members/<int:pk>/", views.profile, name="profile"),
    path("members/<int:pk>/follow/", views.follow_member, name="follow_member"),
    path("members/<int:pk>/avatar/<str:size>/<str:version>.jpg", views.avatar, name="avatar"),
    path("profile/edit/", views.profile_edit, name="profile_edit"),
    path("follows/companies/<slug:slug>/", views.follow_company, name="follow_company"),
    path("follows/spaces/<slug:slug>/", views.follow_space, name="follow_space"),
    path("messages/", views.inbox, name="inbox"),
    path("messages/new/", views.conversation_new, name="conversation_new"),
    path("messages/<int:pk>/", views.conversation, name="conversation"),
]
