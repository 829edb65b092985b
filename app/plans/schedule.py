"""When each step of a plan goes out for one loan: pure, so it is tested across DST changes.

A step's day is the due date plus its offset; its time is a wall-clock time in the customer's
zone. A time the clocks skip that day (02:30 on a spring-forward night) moves forward by the
gap; a time they repeat (01:30 on a fall-back night) is its first occurrence. A step whose
moment has passed is skipped, never sent late: enrolling a loan late does not burst out every
reminder it missed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from app.plans.conditions import LoanFacts, holds
from app.plans.schemas import Step


class Skipped(StrEnum):
    PAST = "past"
    """Its moment was before now."""
    CONDITIONS = "conditions"
    """Its conditions do not hold for this loan."""


@dataclass(frozen=True)
class ScheduledStep:
    step: Step
    local: datetime
    """The moment in the customer's zone, as their clock shows it."""
    send_at: datetime
    """The same moment in UTC."""
    skipped: Skipped | None
    """Why the step sends nothing; None when it is to be sent at `send_at`."""


def step_moment(step: Step, *, due_date: date, zone: ZoneInfo) -> datetime:
    """The step's moment in UTC (fold 0: the earlier offset, which moves a skipped time forward
    and picks a repeated time's first occurrence)."""
    day = due_date + timedelta(days=step.days)
    return datetime.combine(day, step.local_time, tzinfo=zone).astimezone(UTC)


def schedule(
    steps: Sequence[Step],
    *,
    due_date: date,
    zone: ZoneInfo,
    now: datetime,
    facts: LoanFacts | None = None,
) -> list[ScheduledStep]:
    """Every step in the plan's order with its moment, and why it is skipped if it is; with
    `facts`, a step whose conditions do not hold is skipped too."""
    scheduled = []
    for step in steps:
        send_at = step_moment(step, due_date=due_date, zone=zone)
        skipped = None
        if facts is not None and not holds(step.conditions, facts):
            skipped = Skipped.CONDITIONS
        elif send_at < now:
            skipped = Skipped.PAST
        scheduled.append(ScheduledStep(step, send_at.astimezone(zone), send_at, skipped))
    return scheduled
