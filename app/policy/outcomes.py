"""Turns a gate verdict into the reminder's new state and a line on its timeline."""

from app.lifecycle.events import Blocked
from app.lifecycle.starts import Starts
from app.models.reminders import EventKind, Reminder
from app.models.states import ReminderStatus
from app.policy.service import Verdict

STATE_OF = {
    "defer": ReminderStatus.DEFERRED,
    "suppress": ReminderStatus.SUPPRESSED,
    "expire": ReminderStatus.EXPIRED,
}
EVENT_OF = {
    "defer": EventKind.DEFERRED,
    "suppress": EventKind.SUPPRESSED,
    "expire": EventKind.EXPIRED,
}


def apply_block(changes: Starts, *, reminder: Reminder, verdict: Verdict) -> None:
    """Defers, suppresses or expires the reminder, saying why and, for a deferral, until when
    in UTC and in the customer's own time."""
    until = verdict.at if verdict.action == "defer" else None
    assert until is not None or verdict.action != "defer"
    event = Blocked(
        kind=EVENT_OF[verdict.action],
        reason=verdict.reason,
        policy=verdict.policy,
        timezones=tuple(zone.key for zone in verdict.zones),
        until=until,
        until_local=None if until is None else until.astimezone(verdict.zones[0]),
    )
    changes.move(reminder, STATE_OF[verdict.action], event, next_attempt_at=until)
