from django.apps import AppConfig


class RingGroupsConfig(AppConfig):
    name = "officina.ringgroups"
    label = "ringgroups"
