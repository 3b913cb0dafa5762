"""The contacts app's choices and bounds, importable without its models."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

NAME_MAX_LENGTH = 120
ORGANISATION_MAX_LENGTH = 120
NOTES_MAX_LENGTH = 2000
# E.164 allows 15 digits after the "+".
E164_MAX_LENGTH = 16
# An address book of a small company; a bigger file is a mistake, not a customer list.
IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_MAX_ROWS = 5000
# Between two numbers of one kind in one field or CSV cell: no phone number holds it.
NUMBER_SEPARATOR = "|"


class NumberLabel(models.TextChoices):
    WORK = "work", _("work")
    MOBILE = "mobile", _("mobile")
    HOME = "home", _("home")
    OTHER = "other", _("other")
