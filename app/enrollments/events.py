"""What a loan event does to the loan's plan, once per `event_id`.

- a full repayment cancels every pending reminder of the loan (counted) and ends the plan;
- a partial one lowers what is owed, and the amount every waiting reminder will show;
- a promise to pay pauses the plan until the promised date plus the plan's grace: the steps
  due before then are cancelled (`paused`), the later ones go out as planned;
- hardship and a dispute pause it until a `lifted` event: every waiting reminder is cancelled,
  so a disputed loan is never chased; `lifted` plans the steps still ahead again;
- written off ends it, cancelling what waits.

Pausing cancels reminders rather than asking the dispatcher to check the loan: a paused loan
costs the dispatch round nothing, and a cancelled reminder can never be sent by mistake. A
reminder a dispatcher has already claimed is being sent and is not stopped.
"""

import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import Clock
from app.enrollments import digests, repository, service
from app.enrollments.planning import PAUSED, amount_text
from app.enrollments.schemas import LoanEventIn, LoanEventOut
from app.errors import Conflict, FieldError, ValidationFailed
from app.lifecycle import bulk as lifecycle
from app.lifecycle import enrollments as states
from app.lifecycle.events import Cancelled
from app.models.enrollments import Enrollment, EnrollmentStatus, LoanEvent, LoanEventType
from app.models.reasons import ReminderReason
from app.models.reminders import Reminder
from app.models.states import ReminderStatus
from app.plans import service as plans
from app.reminders import service as reminders
from app.templates.budget import RenderBudget

PAUSES = {
    LoanEventType.PROMISE_TO_PAY,
    LoanEventType.HARDSHIP,
    LoanEventType.DISPUTE,
}


def record(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    loan_ref: str,
    event: LoanEventIn,
    clock: Clock,
    budget: RenderBudget,
) -> LoanEventOut:
    """Applies the event to the loan's plan and keeps it; a repeat of its `event_id` changes
    nothing and gets the first answer."""
    now = clock.now()
    enrollment, customer_ref = service.find(
        session, tenant_id=tenant_id, loan_ref=loan_ref, lock=True
    )
    # Looked up once the loan is locked: a twin of this event waits for this one's answer.
    seen = repository.find_event(session, tenant_id=tenant_id, event_id=event.event_id)
    if seen is not None:
        return _repeat(seen, loan_ref, event)
    service.lapse(enrollment, now=now)
    if event.currency is not None and event.currency != enrollment.currency:
        detail = f"the loan is in {enrollment.currency}"
        raise ValidationFailed([FieldError(field="currency", detail=detail)])
    counts = {"cancelled": 0, "created": 0, "updated": 0}
    if enrollment.status != EnrollmentStatus.ENDED:
        counts |= _apply(session, enrollment, customer_ref, event, clock, budget)
    enrollment.updated_at = now
    out = LoanEventOut(
        event_id=event.event_id,
        type=event.type,
        loan_ref=loan_ref,
        occurred_at=event.occurred_at or now,
        amount_due=amount_text(enrollment.amount_due, enrollment.currency),
        status=enrollment.status,
        paused_until=enrollment.paused_until,
        **counts,
    )
    try:
        repository.add_event(session, row=_row(tenant_id, loan_ref, event, out, now))
    except IntegrityError:
        raise Conflict(
            f"event {event.event_id!r} is being recorded by another request; retry to see it"
        ) from None
    return out


def _repeat(seen: LoanEvent, loan_ref: str, event: LoanEventIn) -> LoanEventOut:
    """The first answer again, for the same event only: an id reused for another loan, type,
    amount or promised date is a lender's bug that a replay would hide."""
    if seen.loan_ref != loan_ref or seen.type != event.type:
        raise Conflict(
            f"event_id {event.event_id!r} was used for a {seen.type} of loan {seen.loan_ref!r}"
        )
    promised = event.promised_date.isoformat() if event.promised_date else None
    if seen.amount != event.amount or seen.detail.get("promised_date") != promised:
        raise Conflict(
            f"event_id {event.event_id!r} was used for this {seen.type} with another amount "
            "or promised date"
        )
    return LoanEventOut.model_validate(seen.outcome)


def _apply(
    session: Session,
    enrollment: Enrollment,
    customer_ref: str,
    event: LoanEventIn,
    clock: Clock,
    budget: RenderBudget,
) -> dict[str, int]:
    """What the event changed: reminders cancelled, planned again, or given a new amount."""
    if event.type == LoanEventType.REPAYMENT:
        return _repaid(session, enrollment, event, clock)
    if event.type in PAUSES:
        return _paused(session, enrollment, customer_ref, event, clock)
    if event.type == LoanEventType.WRITTEN_OFF:
        left = digests.leave(session, enrollment=enrollment, now=clock.now())
        cancelled = _cancel(session, enrollment, clock, ReminderReason.WRITTEN_OFF)
        states.end(enrollment, reason="written_off", now=clock.now())
        return {"cancelled": len(left) + cancelled}
    return _lifted(session, enrollment, customer_ref, clock, budget)


def _repaid(
    session: Session, enrollment: Enrollment, event: LoanEventIn, clock: Clock
) -> dict[str, int]:
    left = enrollment.amount_due - (event.amount or Decimal(0))
    if event.full or (event.full is None and left <= 0):
        shared = digests.leave(session, enrollment=enrollment, now=clock.now())
        cancelled = reminders.cancel_loan(
            session, tenant_id=enrollment.tenant_id, loan_ref=enrollment.loan_ref, clock=clock
        )
        enrollment.amount_due = Decimal(0)
        states.end(enrollment, reason="repaid", now=clock.now())
        return {"cancelled": len(shared) + cancelled}
    if left <= 0:  # the lender said it does not clear the loan: what is owed is not known
        raise ValidationFailed(
            [FieldError(field="amount", detail="covers what is owed; say full: true")]
        )
    enrollment.amount_due = left
    shown = amount_text(left, enrollment.currency)
    waiting = repository.waiting_variables(
        session, tenant_id=enrollment.tenant_id, enrollment_id=enrollment.id
    )
    updated = repository.set_variables(
        session,
        tenant_id=enrollment.tenant_id,
        values=[
            (
                id_,
                _amount_shown(
                    variables, enrollment.loan_ref, shown, owned=owner == enrollment.loan_ref
                ),
            )
            for id_, owner, variables in waiting
        ],
    )
    return {"updated": updated}


def _amount_shown(
    variables: dict[str, Any], loan_ref: str, shown: str, *, owned: bool
) -> dict[str, Any]:
    """The new amount in `loans` (reminders made before it existed have none), and as the
    reminder's own `amount` when it is this loan's (a digest it joined shows its owner's)."""
    changed = variables | ({"amount": shown} if owned else {})
    if "loans" in variables:
        changed["loans"] = [
            loan | {"amount": shown} if loan["loan_ref"] == loan_ref else loan
            for loan in variables["loans"]
        ]
    return changed


def _paused(
    session: Session,
    enrollment: Enrollment,
    customer_ref: str,
    event: LoanEventIn,
    clock: Clock,
) -> dict[str, int]:
    until_lifted = enrollment.status == EnrollmentStatus.PAUSED and enrollment.paused_until is None
    if until_lifted and event.type == LoanEventType.PROMISE_TO_PAY:
        return {}  # hardship or a dispute holds until lifted, whatever is promised
    until = None
    if event.type == LoanEventType.PROMISE_TO_PAY:
        assert event.promised_date is not None  # the schema's rule
        plan = plans.get_plan(
            session,
            tenant_id=enrollment.tenant_id,
            key=enrollment.plan_key,
            version=enrollment.plan_version,
        )
        zone = service.loan_of(session, enrollment, customer_ref).zone
        last_day = event.promised_date + timedelta(days=plan.promise_grace_days)
        until = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=zone)
        until = until.astimezone(UTC)
    states.pause(enrollment, reason=str(event.type), until=until, now=clock.now())
    # A digest going out during the pause would chase this loan: it leaves, whenever its own
    # step was due.
    left = {
        step
        for _, step in digests.leave(session, enrollment=enrollment, now=clock.now(), before=until)
    }
    held = [Reminder.send_at < until] if until is not None else []
    cancelled = _cancel(session, enrollment, clock, ReminderReason.PAUSED, *held)
    enrollment.steps = [
        step | {"skipped": PAUSED}
        if step["skipped"] is None
        and (
            until is None or datetime.fromisoformat(step["send_at"]) < until or step["key"] in left
        )
        else step
        for step in enrollment.steps
    ]
    return {"cancelled": len(left) + cancelled}


def _lifted(
    session: Session, enrollment: Enrollment, customer_ref: str, clock: Clock, budget: RenderBudget
) -> dict[str, int]:
    """Ends a pause: the steps still ahead are planned again (the ones that fell due during it
    stay skipped: a pause never ends in a burst of reminders)."""
    if enrollment.status != EnrollmentStatus.PAUSED:
        return {}
    plan = plans.get_plan(
        session,
        tenant_id=enrollment.tenant_id,
        key=enrollment.plan_key,
        version=enrollment.plan_version,
    )
    cancelled, created = service.replan(
        session,
        enrollment=enrollment,
        loan=service.loan_of(session, enrollment, customer_ref),
        plan=plan,
        clock=clock,
        budget=budget,
        pause=None,
        reason=ReminderReason.RESCHEDULED,
    )
    states.resume(enrollment, now=clock.now())
    return {"cancelled": cancelled, "created": created}


def _cancel(
    session: Session,
    enrollment: Enrollment,
    clock: Clock,
    reason: ReminderReason,
    *where: sa.ColumnElement[bool],
) -> int:
    """Cancels the enrolment's waiting reminders (those matching `where`); how many."""
    return len(
        lifecycle.move_where(
            session,
            target=ReminderStatus.CANCELLED,
            where=[
                Reminder.tenant_id == enrollment.tenant_id,
                Reminder.enrollment_id == enrollment.id,
                *where,
            ],
            now=clock.now(),
            event=Cancelled(reason=reason),
        )
    )


def _row(
    tenant_id: uuid.UUID, loan_ref: str, event: LoanEventIn, out: LoanEventOut, now: datetime
) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "loan_ref": loan_ref,
        "event_id": event.event_id,
        "type": event.type,
        "occurred_at": out.occurred_at,
        "amount": event.amount,
        "currency": event.currency,
        "full": event.type == LoanEventType.REPAYMENT and out.status == EnrollmentStatus.ENDED,
        "detail": event.detail
        | ({"promised_date": event.promised_date.isoformat()} if event.promised_date else {}),
        "outcome": out.model_dump(mode="json"),
        "created_at": now,
    }
