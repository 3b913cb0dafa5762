from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "officina.notifications"
    label = "notifications"
