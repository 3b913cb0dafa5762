"""The search app's choices, importable without its models: other apps use them too."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    MEMBER = "member", _("Members")
    COMPANY = "company", _("Companies")
    POST = "post", _("Posts")
    QUESTION = "question", _("Questions")
