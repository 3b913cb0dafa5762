"""``{{ value|moment }}``: a date and time written as everywhere else (officina.core.moments);
``{% moment_format %}``: that format, for a script that writes moments in the page."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.formats import get_format

from officina.core.moments import MOMENT_FORMAT, shown_moment

register = template.Library()


@register.filter
def moment(value: datetime | None) -> str:
    return "" if value is None else shown_moment(value)


@register.simple_tag
def moment_format() -> str:
    """The active language's format letters (Django's), as :func:`shown_moment` uses them."""
    return str(get_format(MOMENT_FORMAT))
