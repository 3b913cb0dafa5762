from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "officina.knowledge"
    label = "knowledge"
