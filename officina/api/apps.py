from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "officina.api"
    label = "api"
