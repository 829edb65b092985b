"""When a policy allows contact, as UTC intervals computed from local wall-clock windows.

Working in intervals keeps daylight-saving days honest: each window's start and end are mapped
from the local date to UTC once (`fold=0`: a start inside the spring-forward gap opens at the
first real moment after it, a start in the repeated fall-back hour opens at its first
occurrence), so a window never opens twice or not at all.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.policy.calendar import calendar
from app.policy.spec import HolidayMode, Policy, Window
from channels.base import Channel

HORIZON_DAYS = 400
"""How far ahead to look for an open window before calling it never."""


def is_holiday(policy: Policy, day: date) -> bool:
    """An extra date, or an official holiday (with the weekend days inside its period when
    the policy asks for whole periods)."""
    rules = policy.holidays
    if rules is None:
        return False
    if day in rules.extra_dates:
        return True
    if rules.country is None:
        return False
    official = calendar(rules.country, rules.subdivision, day.year)
    return day in (official.periods if rules.whole_periods else official.holidays)


def _applies(policy: Policy, window: Window, day: date) -> bool:
    """A window opens on its weekdays; on a make-up workday (a weekend day worked instead of a
    holiday) also where it opens on working weekdays."""
    if day.weekday() in window.weekdays:
        return True
    rules = policy.holidays
    if rules is None or rules.country is None:
        return False
    official = calendar(rules.country, rules.subdivision, day.year)
    return day in official.workdays and not window.weekdays.isdisjoint(official.working_weekdays)


def _windows_on(policy: Policy, channel: Channel, day: date) -> list[Window]:
    if is_holiday(policy, day):
        assert policy.holidays is not None
        if policy.holidays.mode is HolidayMode.BLOCK:
            return []
        return policy.holidays.windows
    return policy.windows_for(channel)


def intervals_on(
    policy: Policy, channel: Channel, zone: ZoneInfo, day: date
) -> list[tuple[datetime, datetime]]:
    """The UTC intervals opened by windows that start on the local date `day`."""
    opened = []
    for window in _windows_on(policy, channel, day):
        if not _applies(policy, window, day):
            continue
        end_day = day if window.end > window.start else day + timedelta(days=1)
        start = datetime.combine(day, window.start, tzinfo=zone).astimezone(UTC)
        end = datetime.combine(end_day, window.end, tzinfo=zone).astimezone(UTC)
        opened.append((start, end))
    return sorted(opened)


def _upcoming(
    policy: Policy, channel: Channel, zone: ZoneInfo, moment: datetime
) -> Iterator[tuple[datetime, datetime]]:
    first = moment.astimezone(zone).date() - timedelta(days=1)  # yesterday's may run past 0:00
    for offset in range(HORIZON_DAYS):
        yield from intervals_on(policy, channel, zone, first + timedelta(days=offset))


def next_open(
    policy: Policy, channel: Channel, zone: ZoneInfo, moment: datetime
) -> datetime | None:
    """`moment` itself if a window is open then, else the next opening; None if none is near.

    Intervals come in order of their start (day by day, sorted within a day), so the first one
    still open after `moment` is the answer.
    """
    for start, end in _upcoming(policy, channel, zone, moment):
        if end > moment:
            return max(start, moment)
    return None
