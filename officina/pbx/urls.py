from django.urls import URLPattern, URLResolver, path

from officina.pbx import views

app_name = "pbx"
urlpatterns: list[URLPattern | URLResolver] = [
    path("phone/", views.phone, name="phone"),
]
