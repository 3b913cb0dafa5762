from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "officina.projects"
    label = "projects"
