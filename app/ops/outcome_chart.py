"""Conversion per group as horizontal bars with their 95% intervals, laid out as inline SVG:
pure, no I/O. A bar's length is its conversion; a whisker spans its Wilson interval, so two arms
whose whiskers overlap widely are not told apart by their bars alone."""

from collections.abc import Sequence
from dataclasses import dataclass

from app.outcomes.schemas import Dimension, OutcomeGroup

WIDTH, ROW, LABEL, PAD, AXIS = 560, 26, 170, 10, 18


@dataclass(frozen=True)
class ArmBar:
    label: str
    group: OutcomeGroup
    y: float
    width: float
    low_x: float
    high_x: float

    @property
    def middle(self) -> float:
        return self.y + (ROW - 8) / 2


@dataclass(frozen=True)
class OutcomeChart:
    bars: list[ArmBar]
    scale: float
    """The conversion at the right edge: the highest interval bound, up to the next 10%."""
    height: int
    left: int = LABEL
    right: int = WIDTH - PAD

    @property
    def axis_y(self) -> int:
        return self.height - AXIS + 12


def label(group: OutcomeGroup, dimensions: Sequence[Dimension]) -> str:
    """`plan · arm`: the group's key as the table's first columns show it (`—` for none)."""
    return " · ".join(getattr(group, dimension) or "—" for dimension in dimensions)


def lay_out(groups: Sequence[OutcomeGroup], dimensions: Sequence[Dimension]) -> OutcomeChart:
    """One bar per group with enrolments; none when no group has any."""
    measured = [group for group in groups if group.conversion is not None]
    top = max((group.conversion_high or 0.0 for group in measured), default=0.0)
    scale = min(1.0, max(0.1, -(-round(top * 100, 6) // 10) / 10))
    span = WIDTH - PAD - LABEL

    def x(share: float | None) -> float:
        return round(LABEL + span * min(share or 0.0, scale) / scale, 1)

    bars = [
        ArmBar(
            label=label(group, dimensions),
            group=group,
            y=PAD + index * ROW,
            width=round(x(group.conversion) - LABEL, 1),
            low_x=x(group.conversion_low),
            high_x=x(group.conversion_high),
        )
        for index, group in enumerate(measured)
    ]
    return OutcomeChart(bars=bars, scale=scale, height=PAD + len(bars) * ROW + AXIS)
