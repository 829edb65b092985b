"""Providers' status reports: an attempt's status only moves forward, and the reminder follows.

Providers (Twilio, for one) send reports at least once and in no guaranteed order; each
plugin's route parses its provider's and hands it over as a `StatusReport`. The lifecycle's
attempt table ranks statuses (queued < sent/ringing < a final word); a report applies only when
the lifecycle says the attempt may move there, so a late `sent` never overwrites `delivered`, a
repeated report changes nothing, and the first final word wins. Such a report is still
acknowledged: it is a no-op, not an error.

A callback can also come before its message is known: the dispatcher commits the attempt as
`sending`, calls the provider, and records the provider's id in a later transaction. Such a
callback is kept (`pending`) and applied, through the same ranks, when that transaction
records the id.
"""

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.deliveries import pending, queries
from app.lifecycle.changes import changes, may_move, may_report
from app.lifecycle.events import Attempt, StatusReported
from app.masking import mask_address
from app.models.deliveries import DeliveryAttempt
from app.models.pending_callbacks import PendingCallback
from app.models.reminders import EventKind, Reminder
from app.models.states import ReminderStatus
from app.models.vocabulary import AttemptStatus
from channels.plugin import StatusReport
from channels.status import DeliveryStatus

logger = logging.getLogger(__name__)

D = DeliveryStatus

REMINDER_OUTCOME = {
    D.DELIVERED: ReminderStatus.DELIVERED,
    D.ANSWERED: ReminderStatus.DELIVERED,
    D.UNDELIVERED: ReminderStatus.FAILED,
    D.FAILED: ReminderStatus.FAILED,
    D.CANCELED: ReminderStatus.FAILED,
    D.NO_ANSWER: ReminderStatus.FAILED,
    D.BUSY: ReminderStatus.FAILED,
}
"""Final words: the customer got it (or picked up), or the reminder did not reach them."""

EVENT_KIND = {
    D.SENT: EventKind.SENT,
    D.DELIVERED: EventKind.DELIVERED,
    D.UNDELIVERED: EventKind.UNDELIVERED,
    D.FAILED: EventKind.FAILED,
    D.CANCELED: EventKind.CANCELED,
    D.ANSWERED: EventKind.ANSWERED,
    D.NO_ANSWER: EventKind.NO_ANSWER,
    D.BUSY: EventKind.BUSY,
}


def advances(attempt: DeliveryAttempt, new: DeliveryStatus) -> bool:
    """Only the words with an event apply: `queued` never (an attempt with a provider id was
    queued at least), nor `unknown` (a word a provider adds later); the rest as the lifecycle
    allows."""
    return new in EVENT_KIND and may_report(attempt, AttemptStatus.of(new))


def receive(
    session: Session, *, report: StatusReport, now: datetime, ttl: timedelta, limit: int
) -> None:
    """The status webhook's work: apply the report, or keep it while its message is being
    recorded. `ttl` and `limit` bound what is kept."""
    attempt = queries.attempt_by_provider_id(session, report.provider_message_id)
    if attempt is None:
        reminder_id = reminder_of(report.reference)
        if (
            reminder_id is not None
            and report.status in EVENT_KIND  # a word that can ever apply
            and queries.awaits_provider_id(session, reminder_id)
        ):
            _keep(session, report, reminder_id, now=now, ttl=ttl, limit=limit)
            return
        # Nothing awaits an id: the message is not Nudge's, or the dispatcher recorded it after
        # the first look (the reminder's lock waited for that on PostgreSQL; SQLite reads
        # outside a transaction until the first write).
        attempt = queries.attempt_by_provider_id(session, report.provider_message_id)
    _apply(session, attempt, report, now=now)


def reminder_of(reference: str | None) -> uuid.UUID | None:
    """The reminder a callback URL names, if the reference is one Nudge wrote (a reminder id in
    its canonical form, which is how the attempt is compared with it)."""
    try:
        reminder_id = uuid.UUID(reference or "")
    except ValueError:
        return None
    return reminder_id if str(reminder_id) == reference else None


def _keep(
    session: Session,
    report: StatusReport,
    reminder_id: uuid.UUID,
    *,
    now: datetime,
    ttl: timedelta,
    limit: int,
) -> None:
    callback = PendingCallback(
        provider_message_id=report.provider_message_id,
        reminder_id=reminder_id,
        provider_status=report.provider_status,
        status=report.status,
        error_code=report.error_code,
        error_message=report.error_message,
        received_at=now,
    )
    pending.keep(session, callback, ttl=ttl, limit=limit)
    # On SQLite the write above waited for any record in flight, which may have set the id;
    # on PostgreSQL the reminder's lock already did, and this finds the id only for a report
    # whose reference is wrong (which is then discarded).
    attempt = queries.attempt_by_provider_id(session, report.provider_message_id)
    if attempt is not None:
        apply_pending(session, {report.provider_message_id: attempt.id}, now=now)


def apply_pending(session: Session, attempts: Mapping[str, uuid.UUID], *, now: datetime) -> None:
    """Applies the callbacks kept for these messages (provider message id -> attempt id), in
    the order they arrived, and deletes them. An attempt is read only when a callback waited
    for it, which is seldom.

    The dispatcher's record calls it in the transaction that sets the attempts' provider ids,
    once it has updated their reminders: those row locks are what a callback arriving meanwhile
    waits on (`queries.awaits_provider_id`), so it is either kept before this runs or finds the
    id after.
    """
    for callback in pending.take(session, attempts):
        report = StatusReport(
            provider_message_id=callback.provider_message_id,
            provider_status=callback.provider_status,
            status=DeliveryStatus(callback.status),
            error_code=callback.error_code,
            error_message=callback.error_message,
            reference=str(callback.reminder_id),
            to="",
        )
        attempt = session.get(DeliveryAttempt, attempts[callback.provider_message_id])
        _apply(session, attempt, report, now=now)


def _apply(
    session: Session, attempt: DeliveryAttempt | None, report: StatusReport, *, now: datetime
) -> None:
    """Updates the attempt the report is about, if it moves it forward; the tenant is the
    attempt's, whatever the callback says."""
    if attempt is None or report.reference not in (None, str(attempt.reminder_id)):
        logger.info(
            "status callback for an unknown message %s to %s ignored",
            report.provider_message_id,
            mask_address(report.to),
        )
        return
    if not advances(attempt, report.status):
        return
    reminder = session.get_one(Reminder, attempt.reminder_id, with_for_update=True)
    with changes(session, now=now) as reported:
        reported.settle(attempt, AttemptStatus.of(report.status))
        attempt.provider_status = report.provider_status
        if report.error_code:
            attempt.error_code, attempt.error_message = report.error_code, report.error_message
        target = REMINDER_OUTCOME.get(report.status)
        if target is not None and may_move(reminder, target):  # i.e. it is `sent`
            reported.move(reminder, target)
        event = StatusReported(
            kind=EVENT_KIND[report.status],
            attempt=Attempt.of(attempt),
            provider_message_id=attempt.provider_message_id,
            provider_status=report.provider_status,
            error_code=report.error_code,
            reminder_status=str(reminder.status),
        )
        reported.note(tenant_id=attempt.tenant_id, reminder_id=attempt.reminder_id, event=event)
    session.flush()
