from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "officina.social"
    label = "social"
