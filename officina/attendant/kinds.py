"""The auto-attendant's choices and bounds, importable without its models."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

NAME_MAX_LENGTH = 80
TIMEOUT_SECONDS_MIN = 3
TIMEOUT_SECONDS_MAX = 30
TIMEOUT_SECONDS_DEFAULT = 6
GREETING_TEXT_MAX = 400
# Keys a caller may press, in the order the menu form lists them.
KEYS = "1234567890*#"
# Rounds of the greeting (the first, then after each timeout or wrong key) before the
# attendant says goodbye and hangs up: a caller who presses nothing is not held forever.
ROUNDS_MAX = 3


class OptionKind(models.TextChoices):
    EXTENSION = "extension", _("a person's extension")
    RING_GROUP = "ring_group", _("a ring group")
    VOICEMAIL = "voicemail", _("a person's voicemail")
    MENU = "menu", _("another menu")
