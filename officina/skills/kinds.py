"""The skills app's choices, importable without its models: other apps use them too."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SkillCategory(models.TextChoices):
    DEVELOPMENT = "development", _("Software development")
    DESIGN = "design", _("Design and UX")
    BUSINESS = "business", _("Business and finance")
    LEGAL = "legal", _("Law")
    MARKETING = "marketing", _("Marketing and communication")
    WRITING = "writing", _("Writing and languages")
    MEDIA = "media", _("Photo, video and audio")
    MAKING = "making", _("Making and crafts")
    DATA = "data", _("Data and AI")
    PEOPLE = "people", _("People and teaching")
    OTHER = "other", _("Other")


class SkillKind(models.TextChoices):
    SKILL = "skill", _("Skill")
    TALENT = "talent", _("Talent")
    INTEREST = "interest", _("Interest")
    OFFER = "offer", _("I offer")
    NEED = "need", _("I need")


class SkillLevel(models.IntegerChoices):
    BEGINNER = 1, _("Beginner")
    INTERMEDIATE = 2, _("Intermediate")
    ADVANCED = 3, _("Advanced")
    EXPERT = 4, _("Expert")


class EvidenceSource(models.TextChoices):
    ACCEPTED_ANSWER = "accepted_answer", _("Accepted answer")
    EVENT_TALK = "event_talk", _("Talk at an event")
    PROJECT = "project", _("Project")
