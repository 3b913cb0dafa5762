"""``{{ value|moment }}``: a date and time written as everywhere else (officina.core.moments);
``{{ value|clock }}``: its time of day alone; ``{% moment_format %}`` and
``{% clock_format %}``: those formats, for a script that writes moments in the page."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.formats import get_format

from officina.core.moments import CLOCK_FORMAT, MOMENT_FORMAT, shown_clock, shown_moment

register = template.Library()


@register.filter
def moment(value: datetime | None) -> str:
    return "" if value is None else shown_moment(value)


@register.simple_tag
def moment_format() -> str:
    """The active language's format letters (Django's), as :func:`shown_moment` uses them."""
    return str(get_format(MOMENT_FORMAT))


@register.filter
def clock(value: datetime | str | None) -> str:
    """``value`` may be the ISO 8601 text a live payload carries (the page's first render
    and the pushes then read the same payload)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if value else None
    return "" if value is None else shown_clock(value)


@register.simple_tag
def clock_format() -> str:
    """The active language's format letters for a time of day, as :func:`shown_clock`."""
    return str(get_format(CLOCK_FORMAT))
