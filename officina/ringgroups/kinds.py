"""The ring groups' choices and bounds, importable without their models."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

NAME_MAX_LENGTH = 80
NUMBER_MIN_DIGITS = 2
NUMBER_MAX_DIGITS = 6
RING_SECONDS_MIN = 5
RING_SECONDS_MAX = 120
RING_SECONDS_DEFAULT = 15
MAX_LISTED_MEMBERS = 50


class RingStrategy(models.TextChoices):
    RING_ALL = "ring_all", _("ring everyone at once")
    HUNT = "hunt", _("one after the other, in order")
    LONGEST_IDLE = "longest_idle", _("who has been idle longest first")


class RingTargets(models.TextChoices):
    LISTED = "listed", _("the people listed")
    PRESENT = "present", _("whoever of the company is here now")
