"""``{{ value|moment }}``: a date and time written as everywhere else (officina.core.moments)."""

from __future__ import annotations

from datetime import datetime

from django import template

from officina.core.moments import shown_moment

register = template.Library()


@register.filter
def moment(value: datetime | None) -> str:
    return "" if value is None else shown_moment(value)
