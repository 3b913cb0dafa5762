"""The presence app's choices, importable without its models: other apps use them too."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckInKind(models.TextChoices):
    ON_SITE = "on_site", _("on site")
    REMOTE = "remote", _("remote")


class CheckInSource(models.TextChoices):
    WEB = "web", _("web")
    KIOSK = "kiosk", _("kiosk")
    API = "api", _("API")
