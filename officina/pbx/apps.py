from django.apps import AppConfig


class PbxConfig(AppConfig):
    name = "officina.pbx"
    label = "pbx"

    def ready(self) -> None:
        from officina.pbx import receivers

        receivers.connect()
