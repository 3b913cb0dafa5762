from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "officina.events"
    label = "events"
