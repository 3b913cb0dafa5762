"""Is a company open now? Its weekly hours in its own time zone, with breaks, Italian
public holidays (the ``holidays`` package) and dated exceptions.

The times are wall-clock times where the company is: "09:00-13:00, 14:00-18:00"
holds on both sides of a DST change, because an instant is turned into the local
time of that day before it is compared. Periods run within one day (no night
shift past midnight).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

Period = tuple[time, time]  # opens, closes (closes excluded)


@lru_cache(maxsize=64)
def italian_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("IT", years=year))


@dataclass(frozen=True, slots=True)
class Schedule:
    zone: ZoneInfo
    weekly: tuple[tuple[Period, ...], ...]  # Monday (0) to Sunday (6)
    italian_holidays: bool = True
    closed_days: frozenset[date] = frozenset()
    special_days: dict[date, tuple[Period, ...]] = field(default_factory=dict)

    def periods_on(self, day: date) -> tuple[Period, ...]:
        """The opening periods of a local ``day``: a dated exception first, then a public
        holiday (closed), then the week's hours."""
        if day in self.special_days:
            return self.special_days[day]
        if day in self.closed_days:
            return ()
        if self.italian_holidays and day in italian_holidays(day.year):
            return ()
        return self.weekly[day.weekday()]

    def is_open(self, instant: datetime) -> bool:
        local = instant.astimezone(self.zone)
        clock = local.time().replace(tzinfo=None)
        return any(opens <= clock < closes for opens, closes in self.periods_on(local.date()))
