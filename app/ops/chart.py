"""Sends and delivery rate per channel per day, laid out as inline SVG: pure, no I/O."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from channels.status import DeliveryStatus

DAYS = 14
REACHED = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.ANSWERED})
FINAL = REACHED | {
    DeliveryStatus.UNDELIVERED,
    DeliveryStatus.FAILED,
    DeliveryStatus.NO_ANSWER,
    DeliveryStatus.BUSY,
    DeliveryStatus.CANCELED,
}
"""Statuses a provider will not change again; a rate over `queued` or `sent` would mislead."""

WIDTH, HEIGHT, PAD = 560, 140, 24


@dataclass(frozen=True)
class Day:
    day: date
    sends: int
    reached: int
    final: int

    @property
    def rate(self) -> float | None:
        return self.reached / self.final if self.final else None


@dataclass(frozen=True)
class Bar:
    day: Day
    x: float
    y: float
    width: float
    height: float
    rate_y: float | None


@dataclass(frozen=True)
class ChannelChart:
    channel: str
    days: list[Day]
    bars: list[Bar]
    rate_points: str
    """The delivery-rate polyline's `points` attribute."""
    peak: int

    @property
    def total(self) -> int:
        return sum(day.sends for day in self.days)


def window(today: date) -> list[date]:
    return [today - timedelta(days=DAYS - 1 - offset) for offset in range(DAYS)]


def tally(rows: Iterable[tuple[str, date | str, str, int]], *, today: date) -> dict[str, list[Day]]:
    """(channel, day, status, count) rows -> 14 days per channel, empty days included."""
    counts: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    for channel, day, status, count in rows:
        key = (channel, day if isinstance(day, date) else date.fromisoformat(day))
        counts[key][0] += count
        counts[key][1] += count if status in REACHED else 0
        counts[key][2] += count if status in FINAL else 0
    channels = sorted({channel for channel, _ in counts})
    return {
        channel: [Day(day, *counts.get((channel, day), [0, 0, 0])) for day in window(today)]
        for channel in channels
    }


def lay_out(channel: str, days: list[Day]) -> ChannelChart:
    peak = max((day.sends for day in days), default=0) or 1
    slot = (WIDTH - 2 * PAD) / len(days)
    inner = HEIGHT - 2 * PAD
    bars = []
    for index, day in enumerate(days):
        height = inner * day.sends / peak
        rate = day.rate
        bars.append(
            Bar(
                day=day,
                x=round(PAD + index * slot + slot * 0.15, 1),
                y=round(PAD + inner - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                rate_y=None if rate is None else round(PAD + inner * (1 - rate), 1),
            )
        )
    points = " ".join(
        f"{bar.x + bar.width / 2:.1f},{bar.rate_y}" for bar in bars if bar.rate_y is not None
    )
    return ChannelChart(channel=channel, days=days, bars=bars, rate_points=points, peak=peak)
