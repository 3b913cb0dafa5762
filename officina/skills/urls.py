from django.urls import URLPattern, URLResolver

app_name = "skills"
urlpatterns: list[URLPattern | URLResolver] = []
