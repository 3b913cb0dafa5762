from django.urls import URLPattern, URLResolver, path

from officina.notifications import views

app_name = "notifications"
urlpatterns: list[URLPattern | URLResolver] = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/<int:pk>/open/", views.notification_open, name="open"),
    path("notifications/read-all/", views.notification_mark_all_read, name="read_all"),
    path("notifications/digest/", views.digest_preference, name="digest"),
]
