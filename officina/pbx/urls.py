from django.urls import URLPattern, URLResolver

app_name = "pbx"
urlpatterns: list[URLPattern | URLResolver] = []
