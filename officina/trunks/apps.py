from django.apps import AppConfig


class TrunksConfig(AppConfig):
    name = "officina.trunks"
    label = "trunks"
