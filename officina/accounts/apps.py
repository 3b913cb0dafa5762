from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "officina.accounts"
    label = "accounts"
