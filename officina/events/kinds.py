"""The events app's choices, importable without its models: other apps use them too."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventVisibility(models.TextChoices):
    COMMUNITY = "community", _("the whole community")
    SPACE = "space", _("members of the space")


class RSVPStatus(models.TextChoices):
    GOING = "going", _("going")
    MAYBE = "maybe", _("maybe")
    NOT_GOING = "not_going", _("not going")
