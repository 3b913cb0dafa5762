"""The knowledge app's choices, importable without its models: other apps use them too."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    COMMUNITY = "community", _("Whole community")
    SPACE = "space", _("Members of a space")
