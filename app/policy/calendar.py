"""A country's official days off and make-up workdays, from the `holidays` package's data.

Some countries announce holiday *periods* rather than single days: China's State Council
publishes each year's arrangement (e.g. the 2026 notice: National Day 1-7 October, working on
Sunday 20 September and Saturday 10 October instead). The package carries those notices: the
days off (`Day off (substituted from ...)`) and the weekend days worked instead
(`weekend_workdays`, 调休). A period is a run of days off holding a holiday: the weekend days
inside it are part of the holiday, and a weekend day worked is an ordinary workday.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Calendar:
    """One year of a country's (or subdivision's) official calendar."""

    holidays: frozenset[date]
    """The public holidays, with the days off moved onto working days."""
    periods: frozenset[date]
    """`holidays` plus the weekend days inside their periods."""
    workdays: frozenset[date]
    """Weekend days that are working days (make-up workdays)."""
    working_weekdays: frozenset[int]
    """The country's ordinary working weekdays (Monday is 0)."""


@lru_cache(maxsize=256)
def calendar(country: str, subdivision: str | None, year: int) -> Calendar:
    """The neighbouring years are read too: a period may run over New Year, and a make-up
    workday may be announced with the next year's arrangement."""
    data = holidays.country_holidays(country, subdiv=subdivision, years=(year - 1, year, year + 1))
    periods: set[date] = set()
    run: list[date] = []  # consecutive days off
    day, last = date(year - 1, 1, 1), date(year + 1, 12, 31)
    while day <= last + ONE_DAY:
        if day <= last and not data.is_working_day(day):
            run.append(day)
        else:
            if any(off in data for off in run):
                periods.update(run)
            run = []
        day += ONE_DAY
    return Calendar(
        holidays=frozenset(day for day in data if day.year == year),
        periods=frozenset(day for day in periods if day.year == year),
        workdays=frozenset(day for day in data.weekend_workdays if day.year == year),
        working_weekdays=frozenset(set(range(7)) - set(data.weekend)),
    )
