"""Template filters of the social pages."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def ago(moment: datetime | None) -> str:
    """“just now” under a minute, else “3 hours ago” (one unit: “2 days”, not “2 days, 4 hours”)."""
    if moment is None:
        return ""
    if (timezone.now() - moment).total_seconds() < 60:
        return _("just now")
    return _("%(when)s ago") % {"when": timesince(moment, depth=1)}
