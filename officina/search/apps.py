from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "officina.search"
    label = "search"

    def ready(self) -> None:
        from officina.search import receivers

        receivers.connect()
