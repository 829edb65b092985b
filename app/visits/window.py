"""A visit's requested window: local wall-clock times in the customer's zone, inside the policy's
visit hours on one day.

Pure: the caller passes the zone and the visit rules. The same parse runs at submission (where
a bad window is a 422 naming the variable) and when the request is composed, so what the
lender's field team receives is always a window that was checked.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.policy.spec import Policy
from app.policy.windows import intervals_on
from app.templates.webhook import VISIT_ADDRESS, VISIT_END, VISIT_START
from channels.base import Channel

LOCAL_FORMAT = "2026-12-02T10:00"


@dataclass(frozen=True)
class VisitWindow:
    start: datetime
    end: datetime
    zone: ZoneInfo

    def as_json(self) -> dict[str, str]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "timezone": self.zone.key,
        }


class BadWindow(ValueError):
    """The window cannot be used; `variable` names the value at fault."""

    def __init__(self, variable: str, detail: str) -> None:
        super().__init__(f"{variable}: {detail}")
        self.variable = variable
        self.detail = detail


def the_zone(zones: Sequence[ZoneInfo]) -> ZoneInfo:
    """A visit's hours need one zone; a phone whose country spans several gives none."""
    if len(zones) != 1:
        raise BadWindow(
            VISIT_START,
            "the customer's time zone is not known for certain (its phone number spans "
            "several): give customer.timezone",
        )
    return zones[0]


def _local(variables: Mapping[str, Any], name: str, zone: ZoneInfo) -> datetime:
    text = variables.get(name)
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is not None:
        raise BadWindow(
            name, f"must be a local date and time in the customer's zone, like '{LOCAL_FORMAT}'"
        )
    return moment.replace(tzinfo=zone)


def requested_window(variables: Mapping[str, Any], zone: ZoneInfo) -> VisitWindow:
    start, end = _local(variables, VISIT_START, zone), _local(variables, VISIT_END, zone)
    if start >= end:
        raise BadWindow(VISIT_END, f"must be after {VISIT_START}")
    if start.date() != end.date():
        raise BadWindow(VISIT_END, f"must be on the same day as {VISIT_START}")
    return VisitWindow(start, end, zone)


def check_allowed(window: VisitWindow, visit_policy: Policy, now: datetime) -> None:
    """The window lies inside one of the policy's visit intervals on its day (none on a
    holiday the visit rules block) and has not begun."""
    if window.start.astimezone(UTC) <= now:
        raise BadWindow(VISIT_START, "is not in the future")
    opened = intervals_on(visit_policy, Channel.WEBHOOK, window.zone, window.start.date())
    start, end = window.start.astimezone(UTC), window.end.astimezone(UTC)
    if not any(begin <= start and end <= close for begin, close in opened):
        hours = ", ".join(
            f"{w.days} {w.start:%H:%M}-{w.end:%H:%M}" for w in visit_policy.windows["any"]
        )
        raise BadWindow(
            VISIT_START,
            f"the window is outside the policy's visit hours on {window.start.date()} "
            f"({hours}; none on holidays)",
        )


def address_of(variables: Mapping[str, Any]) -> str:
    return str(variables.get(VISIT_ADDRESS, ""))
