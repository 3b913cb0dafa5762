from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "officina.contacts"
    label = "contacts"
