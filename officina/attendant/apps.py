from django.apps import AppConfig


class AttendantConfig(AppConfig):
    name = "officina.attendant"
    label = "attendant"
