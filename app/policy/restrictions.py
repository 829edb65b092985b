"""A borrower's own restrictions as the contact policy obeys them: channels turned off (refused
like opt-outs), channels preferred (tried first), and inconvenient times (blocked like quiet
hours, in the customer's zone). Pure: the gate reads them with the round's other data."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from channels.base import Channel


@dataclass(frozen=True)
class Inconvenient:
    """From `start` to `end` local time on each of `weekdays` (0 = Monday); an `end` not after
    `start` runs into the next day (`00:00` is midnight)."""

    weekdays: frozenset[int]
    start: time
    end: time

    def interval_on(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
        """The UTC interval this window opens on the local date `day`, if it opens then.
        Mapped as the policy's own windows are (app/policy/windows.py), so a daylight-saving
        day moves its end in UTC, never its local time."""
        if day.weekday() not in self.weekdays:
            return None
        end_day = day if self.end > self.start else day + timedelta(days=1)
        start = datetime.combine(day, self.start, tzinfo=zone).astimezone(UTC)
        return start, datetime.combine(end_day, self.end, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Restrictions:
    channels_off: frozenset[str] = frozenset()
    preferred: tuple[str, ...] = ()
    inconvenient: tuple[Inconvenient, ...] = field(default=())

    @classmethod
    def of(
        cls, *, channels_off: Iterable[str], preferred: Iterable[str], inconvenient: Iterable[Any]
    ) -> "Restrictions":
        """From the stored row's JSON (app/models/preferences.py)."""
        return cls(
            frozenset(channels_off),
            tuple(preferred),
            tuple(_window(stored) for stored in inconvenient),
        )

    def ordered(self, channels: Sequence[Channel]) -> list[Channel]:
        """The preferred ones first, in the borrower's order; the rest in the reminder's."""
        first = [Channel(name) for name in self.preferred if name in channels]
        return first + [channel for channel in channels if channel not in first]


NONE = Restrictions()


def _window(stored: Mapping[str, Any]) -> Inconvenient:
    return Inconvenient(
        frozenset(stored["weekdays"]),
        time.fromisoformat(stored["start"]),
        time.fromisoformat(stored["end"]),
    )


def inconvenient_until(
    windows: Sequence[Inconvenient], zone: ZoneInfo, moment: datetime
) -> datetime | None:
    """When the inconvenient time `moment` falls in ends (the latest end among those holding
    it), or None when it falls in none. Yesterday's windows may run past midnight."""
    today = moment.astimezone(zone).date()
    ends = [
        end
        for window in windows
        for day in (today - timedelta(days=1), today)
        if (span := window.interval_on(day, zone)) is not None
        and span[0] <= moment < (end := span[1])
    ]
    return max(ends, default=None)
