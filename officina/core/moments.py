"""How a moment is written for a reader: one formatter for pages, live pushes and e-mails.

The active language decides the format (Italian: 24/12/2026 17:30; English: 12/24/2026
5:30 p.m.), the active time zone (the site's) or the zone given (where the thing
happens) decides the clock. A page rendered by the server and the same moment pushed
live to it read the same, because both come through here.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from django.utils import formats, timezone

# Django's name for the format of the active language (Italian "d/m/Y H:i").
MOMENT_FORMAT = "SHORT_DATETIME_FORMAT"
# A time of day alone, where the day goes without saying (Italian "H:i", English "P").
CLOCK_FORMAT = "TIME_FORMAT"


def shown_moment(moment: datetime, zone: tzinfo | None = None) -> str:
    """Date and time, short, in the active language and ``zone`` (default: the active zone)."""
    return formats.date_format(timezone.localtime(moment, zone), MOMENT_FORMAT)


def shown_clock(moment: datetime, zone: tzinfo | None = None) -> str:
    """The time of day only ("17:30", "5:30 p.m."), like :func:`shown_moment`."""
    return formats.date_format(timezone.localtime(moment, zone), CLOCK_FORMAT)
