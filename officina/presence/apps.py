from django.apps import AppConfig


class PresenceConfig(AppConfig):
    name = "officina.presence"
    label = "presence"
