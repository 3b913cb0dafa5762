from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "officina.search"
    label = "search"
