"""Matchmaking's choices, importable without its models: the API uses them too."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetSide(models.TextChoices):
    """What a member's listing of a skill says about meeting people on it."""

    OFFER = "offer", _("offers")
    KNOWS = "knows", _("knows")
    NEED = "need", _("needs")
    INTEREST = "interest", _("is interested in")


class IntroductionStatus(models.TextChoices):
    PENDING = "pending", _("waiting for an answer")
    ACCEPTED = "accepted", _("introduced")
    DECLINED = "declined", _("declined")
