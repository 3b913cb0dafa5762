from django.apps import AppConfig


class SkillsConfig(AppConfig):
    name = "officina.skills"
    label = "skills"
