from django.apps import AppConfig


class MatchmakingConfig(AppConfig):
    name = "officina.matchmaking"
    label = "matchmaking"

    def ready(self) -> None:
        from officina.matchmaking import receivers

        receivers.connect()
