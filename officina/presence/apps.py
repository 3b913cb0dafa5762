from django.apps import AppConfig


class PresenceConfig(AppConfig):
    name = "officina.presence"
    label = "presence"

    def ready(self) -> None:
        from officina.presence import receivers

        receivers.connect()
