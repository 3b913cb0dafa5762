from django.urls import URLPattern, URLResolver

app_name = "presence"
urlpatterns: list[URLPattern | URLResolver] = []
