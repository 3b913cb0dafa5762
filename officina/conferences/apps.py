from django.apps import AppConfig


class ConferencesConfig(AppConfig):
    name = "officina.conferences"
    label = "conferences"
