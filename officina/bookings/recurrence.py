"""The days of a recurring booking: weekly or monthly from a first day to a last day,
except skipped days (RFC 5545 rules through ``dateutil.rrule``).

Only days are computed here; the clock times of each day become instants where the
resource is (local_times.py), so that "every Monday at 10:00" stays at 10:00 across a
DST change. An impossible series is refused with a message that says why, before any
booking is made.
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Iterable
from datetime import date, datetime

from dateutil.rrule import MONTHLY, WEEKLY, rrule
from django.utils import formats
from django.utils.translation import gettext as _

from officina.core.errors import OfficinaError

from .kinds import LONGEST_INTERVAL, MOST_OCCURRENCES, Frequency
from .local_times import check_day_in_range

_RRULE_FREQUENCY = {Frequency.WEEKLY: WEEKLY, Frequency.MONTHLY: MONTHLY}


def _shown(day: date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _month_without(
    day_of_month: int, first_day: date, last_day: date, interval: int
) -> date | None:
    """The first month of a monthly series that has no ``day_of_month``, if any."""
    year, month = first_day.year, first_day.month
    while date(year, month, 1) <= last_day:
        if calendar.monthrange(year, month)[1] < day_of_month:
            return date(year, month, 1)
        year, month = year + (month - 1 + interval) // 12, (month - 1 + interval) % 12 + 1
    return None


def series_days(
    frequency: str,
    *,
    first_day: date,
    last_day: date,
    interval: int = 1,
    skipped: Iterable[date] = (),
) -> list[date]:
    """The days of the series, first to last, without the skipped ones."""
    if frequency not in _RRULE_FREQUENCY:
        raise OfficinaError.invalid_input(_("Choose weekly or monthly."), field="frequency")
    if not 1 <= interval <= LONGEST_INTERVAL:
        raise OfficinaError.invalid_input(
            _("A series repeats every 1 to %(most)s weeks or months.") % {"most": LONGEST_INTERVAL},
            field="interval",
        )
    check_day_in_range(first_day, field="day")
    check_day_in_range(last_day, field="until")
    if last_day < first_day:
        raise OfficinaError.invalid_input(
            _("The series must end on or after its first day (%(day)s).")
            % {"day": _shown(first_day)},
            field="until",
        )
    rule = rrule(
        _RRULE_FREQUENCY[Frequency(frequency)],
        interval=interval,
        dtstart=datetime.combine(first_day, datetime.min.time()),
        until=datetime.combine(last_day, datetime.min.time()),
    )
    # One more than allowed is enough to know there are too many, however far the end.
    days = [moment.date() for moment in itertools.islice(rule, MOST_OCCURRENCES + 1)]
    if len(days) > MOST_OCCURRENCES:
        raise OfficinaError.invalid_input(
            _("A series has at most %(most)s dates; this one would have more. End it sooner.")
            % {"most": MOST_OCCURRENCES},
            field="until",
        )
    if frequency == Frequency.MONTHLY and first_day.day > 28:
        # The rule silently leaves out the months without that day (no 31 June): say so.
        month = _month_without(first_day.day, first_day, last_day, interval)
        if month is not None:
            raise OfficinaError.invalid_input(
                _(
                    "A monthly series on day %(day)s cannot be kept: %(month)s has no such "
                    "day. Start it on a day from 1 to 28, or end it sooner."
                )
                % {"day": first_day.day, "month": formats.date_format(month, "YEAR_MONTH_FORMAT")},
                field="day",
            )
    skipped = sorted(set(skipped))
    for day in skipped:
        if day not in days:
            raise OfficinaError.invalid_input(
                _("%(day)s is not one of the series' dates, so it cannot be skipped.")
                % {"day": _shown(day)},
                field="skip",
            )
    kept = [day for day in days if day not in skipped]
    if not kept:
        raise OfficinaError.invalid_input(
            _("Every date of the series is skipped: nothing to book."), field="skip"
        )
    return kept
