"""Turns a gate verdict into the reminder's new state and a line on its timeline."""

from datetime import datetime
from typing import Any

from app.models.reminders import EventKind, Reminder
from app.models.states import ReminderStatus, check_transition
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


def apply_block(*, reminder: Reminder, verdict: Verdict, now: datetime) -> dict[str, Any]:
    """Defers, suppresses or expires the reminder; returns its timeline event, saying why and,
    for a deferral, until when in UTC and in the customer's own time (callers insert a whole
    batch's events at once)."""
    target = STATE_OF[verdict.action]
    check_transition(reminder.status, target)
    reminder.status, reminder.updated_at = target, now
    reminder.claimed_by = reminder.lease_expires_at = None
    detail: dict[str, object] = {
        "policy": verdict.policy,
        "timezones": [zone.key for zone in verdict.zones],
    }
    if verdict.action == "defer":
        assert verdict.at is not None
        reminder.next_attempt_at = verdict.at
        detail |= {
            "next_attempt_at": verdict.at.isoformat(),
            "next_attempt_local": verdict.at.astimezone(verdict.zones[0]).isoformat(),
        }
    return {
        "tenant_id": reminder.tenant_id,
        "reminder_id": reminder.id,
        "kind": EVENT_OF[verdict.action],
        "reason": verdict.reason,
        "detail": detail,
        "at": now,
    }
