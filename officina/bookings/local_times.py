"""Wall-clock times of a space turned into instants, and back.

A member books "10:00" where the room is. Where the clocks jump forward (a DST gap) that
local time does not exist; where they go back (a fold) it happens twice. Guessing would
book the wrong hour, so both are refused with a message that says why.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _

from officina.core.errors import OfficinaError

# Bookings fall within these days; beyond them the arithmetic of days and time zones
# overflows Python's dates, and no member means them.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)


def check_day_in_range(day: date, *, field: str) -> None:
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise OfficinaError.invalid_input(
            _("Choose a date between %(first)s and %(last)s.")
            % {"first": EARLIEST_DAY.year, "last": LATEST_DAY.year},
            field=field,
        )


def zone_named(name: str, *, field: str = "time_zone") -> ZoneInfo:
    """The IANA zone called ``name``; an unknown name is the caller's input error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise OfficinaError.invalid_input(
            _("“%(name)s” is not a time zone name such as Europe/Rome.") % {"name": name},
            field=field,
        ) from error


def local_to_instant(local: datetime, zone: ZoneInfo, *, field: str) -> datetime:
    """The instant at which clocks in ``zone`` show the naive ``local`` time."""
    check_day_in_range(local.date(), field=field)
    if local.tzinfo is not None:
        return local
    earlier, later = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier
    shown = earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if shown != local:
        raise OfficinaError.invalid_input(
            _(
                "%(time)s does not exist in %(zone)s: the clocks jump forward that night. "
                "Choose another time."
            )
            % {"time": local.strftime("%Y-%m-%d %H:%M"), "zone": zone.key},
            field=field,
        )
    raise OfficinaError.invalid_input(
        _(
            "%(time)s happens twice in %(zone)s: the clocks go back that night. "
            "Choose another time, or give the UTC offset."
        )
        % {"time": local.strftime("%Y-%m-%d %H:%M"), "zone": zone.key},
        field=field,
    )


def instant_on(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """``clock`` on ``day`` in ``zone``, for opening hours: a time that falls in a gap
    moves on by the gap, one that falls in a fold takes its first occurrence."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC).astimezone(zone)
