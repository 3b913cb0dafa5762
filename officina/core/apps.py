from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "officina.core"
    verbose_name = "Officina core"
    label = "core"
