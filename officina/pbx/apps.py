from django.apps import AppConfig


class PbxConfig(AppConfig):
    name = "officina.pbx"
    label = "pbx"
