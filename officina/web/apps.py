from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "officina.web"
    label = "web"
