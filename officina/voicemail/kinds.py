"""Voicemail's choices and bounds, importable by any app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

RING_SECONDS_DEFAULT = 25
RING_SECONDS_MIN = 5
RING_SECONDS_MAX = 120
GREETING_TEXT_MAX = 400
GREETING_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
GREETING_SECONDS_MAX = 60
MESSAGE_SECONDS_MAX = 180  # the recording stops here whatever the caller does
PIN_DIGITS = (4, 8)
LISTEN_NUMBER = "*97"  # your own box, from your own phones
LISTEN_ANY_NUMBER = "*98"  # any box, from any phone of the community: mailbox and PIN
SAMPLE_RATE = 8000  # every stored sound is 16-bit mono at the telephone's rate


class Language(models.TextChoices):
    ITALIAN = "it", _("Italian")
    ENGLISH = "en", _("English")


class GreetingSource(models.TextChoices):
    STANDARD = "standard", _("the standard greeting")
    SPOKEN = "spoken", _("spoken from my text")
    UPLOADED = "uploaded", _("my recording")
