"""Enrolling loans in plans, reading them and rescheduling them.

A plan's reminders go through the submission path every reminder takes
(`reminders.service.check` and `store`: the same contact policy, templates, render check and
customer upsert). That check reads and ends its transaction before rendering, so everything
here reads first, checks, and then writes in one short transaction: a 422 leaves nothing.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import Clock
from app.customers import repository as customers
from app.customers.schemas import CustomerIn
from app.enrollments import digests, repository
from app.enrollments.planning import (
    DONE,
    Loan,
    Pause,
    Planned,
    amount_text,
    plan_steps,
)
from app.enrollments.schemas import (
    EnrollmentIn,
    EnrollmentOut,
    EnrollmentPatch,
    StepOut,
    StepReminder,
)
from app.errors import Conflict, FieldError, NotFound, ValidationFailed
from app.lifecycle import bulk as lifecycle
from app.lifecycle import enrollments as states
from app.lifecycle.events import Cancelled
from app.models.enrollments import Enrollment, EnrollmentStatus
from app.models.reasons import ReminderReason
from app.models.reminders import Reminder
from app.models.states import ReminderStatus
from app.money import check_amount
from app.plans import service as plans
from app.plans.conditions import facts_of
from app.plans.experiment import arm_of
from app.plans.schemas import PlanOut, SegmentsOut
from app.plans.segments import choose_segment
from app.policy import service as policies
from app.reminders import service as reminders
from app.templates.budget import RenderBudget
from app.tenants import service as tenants

NAMED = "named"
"""The `segment_rule` of a loan whose segment the lender named."""


@dataclass(frozen=True)
class Choice:
    segment: str | None
    rule: str | None
    plan: PlanOut


def enrol(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    loans: Sequence[EnrollmentIn],
    clock: Clock,
    budget: RenderBudget,
    field_prefix: str = "",
) -> list[EnrollmentOut]:
    """Enrols every loan or none: each in its segment's plan, its steps' reminders submitted.

    A loan enrolled already is a 409 (PATCH changes it); `field_prefix` is `items.{index}.`
    for a batch.
    """
    now = clock.now()
    _refuse_repeats(session, tenant_id=tenant_id, loans=loans, field_prefix=field_prefix)
    merged = reminders.merge_customers(
        session, tenant_id=tenant_id, given=[loan.customer for loan in loans]
    )
    fallback_zone = tenants.time_zone(session, tenant_id=tenant_id)
    segments = plans.get_segments(session, tenant_id=tenant_id)
    found: dict[str, PlanOut] = {}
    errors: list[FieldError] = []
    enrolments: list[tuple[EnrollmentIn, Choice, Loan, str | None, list[Planned]]] = []
    for index, body in enumerate(loans):
        prefix = field_prefix.format(index=index)
        customer = CustomerIn.model_validate(merged[body.customer.ref])
        loan = Loan(
            tenant_id=tenant_id,
            loan_ref=body.loan_ref,
            customer=customer,
            zone=_zone(customer, fallback_zone),
            due_date=body.due_date,
            amount_due=body.amount_due,
            currency=body.currency,
            variables=body.variables,
            attributes=body.attributes,
            segment=body.segment,
        )
        choice = _choose(session, tenant_id, body, loan, segments, now, found, prefix, errors)
        if choice is None:
            continue
        loan = replace(loan, segment=choice.segment)
        arm = arm_of(choice.plan, tenant_id=tenant_id, customer_ref=customer.ref)
        steps = plan_steps(choice.plan, loan=loan, arm=arm, now=now)
        enrolments.append((body, choice, loan, arm, steps))
    if errors:
        raise ValidationFailed(errors)

    made = [
        (index, step)
        for index, (*_, steps) in enumerate(enrolments)
        for step in steps
        if step.reminder
    ]
    checked = _check(
        session,
        tenant_id=tenant_id,
        made=[(field_prefix.format(index=i), step) for i, step in made],
        clock=clock,
        budget=budget,
    )
    customer_ids = customers.upsert_many(
        session, tenant_id=tenant_id, customers=list(merged.values()), now=now
    )
    rows = [
        _row(tenant_id, body, choice, loan, arm, steps, customer_ids[loan.customer.ref], now)
        for body, choice, loan, arm, steps in enrolments
    ]
    try:
        repository.insert(session, rows=rows)
    except IntegrityError:
        raise Conflict("one of these loans was enrolled by another request meanwhile") from None
    stored = digests.store(
        session,
        tenant_id=tenant_id,
        checked=checked,
        customer_ids=customer_ids,
        columns=[_columns(rows[index]["id"], step, rows[index]["arm"]) for index, step in made],
        windows=[digests.window_of(enrolments[index][1].plan) for index, _ in made],
    )
    made_by_loan: list[dict[str, StepReminder]] = [{} for _ in rows]
    for (index, step), out in zip(made, stored, strict=True):
        made_by_loan[index][step.key] = out
    return [
        _out(row, loan.customer.ref, made_by_loan[index])
        for index, (row, (_, _, loan, _, _)) in enumerate(zip(rows, enrolments, strict=True))
    ]


def _refuse_repeats(
    session: Session, *, tenant_id: uuid.UUID, loans: Sequence[EnrollmentIn], field_prefix: str
) -> None:
    refs = [loan.loan_ref for loan in loans]
    repeated = [
        FieldError(field=f"{field_prefix.format(index=i)}loan_ref", detail="listed twice")
        for i, ref in enumerate(refs)
        if ref in refs[:i]
    ]
    if repeated:
        raise ValidationFailed(repeated)
    if taken := repository.enrolled(session, tenant_id=tenant_id, loan_refs=refs):
        raise Conflict(
            f"loan {sorted(taken)[0]!r} is enrolled already; PATCH /v1/enrollments/{{loan_ref}} "
            "changes its due date, amount or segment"
        )


def _zone(customer: CustomerIn, fallback: ZoneInfo) -> ZoneInfo:
    """Where the steps' times are read: the zone the contact policy would take first (the
    customer's own, else the phone number's, else the tenant's), as simulate places them."""
    [zone, *_] = policies.zones_for(
        timezone=customer.timezone, phone=customer.phone, fallback=fallback.key
    )
    return zone


def _choose(
    session: Session,
    tenant_id: uuid.UUID,
    body: EnrollmentIn,
    loan: Loan,
    segments: SegmentsOut,
    now: datetime,
    found: dict[str, PlanOut],
    prefix: str,
    errors: list[FieldError],
) -> Choice | None:
    """The loan's segment, the rule that chose it and its plan; None, with the error added,
    when nothing names a plan."""
    segment, rule, key = body.segment, NAMED if body.segment else None, body.plan
    if body.segment is None:
        facts = facts_of(
            due_date=body.due_date,
            today=now.astimezone(loan.zone).date(),
            amount_due=body.amount_due,
            attributes=body.attributes,
        )
        chosen = choose_segment(segments.rules, facts)
        if chosen is not None:
            segment, rule, key = chosen.segment, chosen.rule, key or chosen.plan
    elif key is None:
        key = segments.plan_for(body.segment)
    if key is None:
        field = "segment" if body.segment else "plan"
        errors.append(
            FieldError(
                field=f"{prefix}{field}",
                detail=f"no segment rule maps segment {body.segment!r} to a plan; name the plan"
                if body.segment
                else "no segment rule matches this loan; name its plan or segment",
            )
        )
        return None
    if key not in found:
        try:
            found[key] = plans.get_plan(session, tenant_id=tenant_id, key=key)
        except NotFound:
            errors.append(FieldError(field=f"{prefix}plan", detail=f"no plan '{key}'"))
            return None
    return Choice(segment=segment, rule=rule, plan=found[key])


def _check(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    made: Sequence[tuple[str, Planned]],
    clock: Clock,
    budget: RenderBudget,
) -> reminders.Checked:
    """The steps' reminders checked as any submission is; an error names the loan's field
    (`items.3.variables.amount`) and the step, not the reminder the request never saw."""
    items = [step.reminder for _, step in made if step.reminder is not None]
    try:
        return reminders.check(
            session,
            tenant_id=tenant_id,
            items=items,
            clock=clock,
            budget=budget,
            field_prefix="{index}.",
        )
    except ValidationFailed as failed:
        raise ValidationFailed([_loan_error(error, made) for error in failed.errors]) from None


MOVED_FIELDS = {"template": "plan", "channels": "customer"}
"""A reminder's field whose error is the loan's: a template the plan names, a channel whose
address the customer lacks."""


def _loan_error(error: FieldError, made: Sequence[tuple[str, Planned]]) -> FieldError:
    index, _, rest = error.field.partition(".")
    prefix, step = made[int(index)]
    head = rest.split(".", 1)[0]
    field = MOVED_FIELDS.get(head, rest)
    return FieldError(field=f"{prefix}{field}", detail=f"step '{step.key}': {error.detail}")


def _row(
    tenant_id: uuid.UUID,
    body: EnrollmentIn,
    choice: Choice,
    loan: Loan,
    arm: str | None,
    steps: Sequence[Planned],
    customer_id: uuid.UUID,
    now: datetime,
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "loan_ref": body.loan_ref,
        "customer_id": customer_id,
        "segment": choice.segment,
        "segment_rule": choice.rule,
        "plan_key": choice.plan.key,
        "plan_version": choice.plan.version,
        "arm": arm,
        "due_date": body.due_date,
        "amount_due": body.amount_due,
        "currency": body.currency,
        "variables": body.variables,
        "attributes": body.attributes,
        "steps": [step.stored() for step in steps],
        "status": EnrollmentStatus.ACTIVE,
        "paused_until": None,
        "pause_reason": None,
        "ended_reason": None,
        "created_at": now,
        "updated_at": now,
    }


def _values(enrollment: Enrollment) -> dict[str, Any]:
    return {column.key: getattr(enrollment, column.key) for column in Enrollment.__table__.columns}


def _out(row: dict[str, Any], customer_ref: str, made: dict[str, StepReminder]) -> EnrollmentOut:
    return EnrollmentOut(
        id=row["id"],
        loan_ref=row["loan_ref"],
        customer_ref=customer_ref,
        segment=row["segment"],
        segment_rule=row["segment_rule"],
        plan=row["plan_key"],
        plan_version=row["plan_version"],
        arm=row["arm"],
        due_date=row["due_date"],
        amount_due=amount_text(Decimal(row["amount_due"]), row["currency"]),
        currency=row["currency"],
        status=row["status"],
        paused_until=row["paused_until"],
        pause_reason=row["pause_reason"],
        ended_reason=row["ended_reason"],
        variables=row["variables"],
        steps=[
            StepOut(
                key=step["key"],
                send_at=datetime.fromisoformat(step["send_at"]),
                local=step["local"],
                skipped=step["skipped"],
                reminder=made.get(step["key"]),
            )
            for step in row["steps"]
        ],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def find(
    session: Session, *, tenant_id: uuid.UUID, loan_ref: str, lock: bool = False
) -> tuple[Enrollment, str]:
    """The enrolment and its customer's ref; `lock` makes changes to one loan take turns."""
    found = repository.find(session, tenant_id=tenant_id, loan_ref=loan_ref, lock=lock)
    if found is None:
        raise NotFound(f"no enrolment of loan {loan_ref!r}")
    return found


def of_customer(
    session: Session, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> Sequence[Enrollment]:
    """The customer's enrolled loans, by loan reference."""
    return repository.of_customer(session, tenant_id=tenant_id, customer_id=customer_id)


def _lapsed(enrollment: Enrollment, now: datetime) -> bool:
    """A promise to pay's pause that has run out is over: the loan is active again (its later
    steps were never held), though nothing has written so yet."""
    until = enrollment.paused_until
    return enrollment.status == EnrollmentStatus.PAUSED and until is not None and until <= now


def lapse(enrollment: Enrollment, *, now: datetime) -> None:
    """Writes down that a promise's pause is over, before a change builds on the status."""
    if _lapsed(enrollment, now):
        states.resume(enrollment, now=now)


def get(session: Session, *, tenant_id: uuid.UUID, loan_ref: str, clock: Clock) -> EnrollmentOut:
    enrollment, customer_ref = find(session, tenant_id=tenant_id, loan_ref=loan_ref)
    made: dict[str, StepReminder] = {}
    for step, id_, status, send_at, loans in repository.step_reminders(
        session, tenant_id=tenant_id, enrollment_id=enrollment.id
    ):
        # A step's reminder is its live one; a reschedule cancelled the ones before it.
        if step not in made or made[step].status == ReminderStatus.CANCELLED:
            made[step] = StepReminder(id=id_, status=status, send_at=send_at, loans=loans)
    row = _values(enrollment)
    if _lapsed(enrollment, clock.now()):
        row |= {"status": EnrollmentStatus.ACTIVE, "paused_until": None, "pause_reason": None}
    return _out(row, customer_ref, made)


def reschedule(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    loan_ref: str,
    change: EnrollmentPatch,
    clock: Clock,
    budget: RenderBudget,
) -> EnrollmentOut:
    """A new due date, amount or segment: the steps not yet handed to the dispatcher are
    planned again (cancelled and submitted anew); a step already sent is not sent again."""
    enrollment, customer_ref = find(session, tenant_id=tenant_id, loan_ref=loan_ref)
    if enrollment.status == EnrollmentStatus.ENDED:
        raise Conflict(f"the plan of loan {loan_ref!r} has ended ({enrollment.ended_reason})")
    lapse(enrollment, now=clock.now())
    amount = change.amount_due or enrollment.amount_due
    try:
        check_amount(amount, enrollment.currency)
    except ValueError as error:
        raise ValidationFailed([FieldError(field="amount_due", detail=str(error))]) from None
    segment, rule = enrollment.segment, enrollment.segment_rule
    if change.segment is not None:
        key = plans.get_segments(session, tenant_id=tenant_id).plan_for(change.segment)
        if key is None:
            detail = f"no segment rule maps segment {change.segment!r} to a plan"
            raise ValidationFailed([FieldError(field="segment", detail=detail)])
        plan = plans.get_plan(session, tenant_id=tenant_id, key=key)
        segment, rule = change.segment, NAMED
    else:
        plan = plans.get_plan(
            session, tenant_id=tenant_id, key=enrollment.plan_key, version=enrollment.plan_version
        )
    loan = loan_of(
        session,
        enrollment,
        customer_ref,
        due_date=change.due_date or enrollment.due_date,
        amount_due=amount,
        segment=segment,
    )
    replan(
        session,
        enrollment=enrollment,
        loan=loan,
        plan=plan,
        clock=clock,
        budget=budget,
        pause=_pause(enrollment),
        reason=ReminderReason.RESCHEDULED,
    )
    lapse(enrollment, now=clock.now())  # the replan read the enrolment again
    enrollment.due_date, enrollment.amount_due = loan.due_date, loan.amount_due
    enrollment.segment, enrollment.segment_rule = segment, rule
    session.flush()
    return get(session, tenant_id=tenant_id, loan_ref=loan_ref, clock=clock)


def loan_of(
    session: Session,
    enrollment: Enrollment,
    customer_ref: str,
    *,
    due_date: date | None = None,
    amount_due: Decimal | None = None,
    segment: str | None = None,
) -> Loan:
    """The enrolled loan, with any of its facts about to change."""
    contacts = customers.contacts_by_refs(
        session, tenant_id=enrollment.tenant_id, refs=[customer_ref]
    )[customer_ref]
    customer = CustomerIn.model_validate(contacts)
    return Loan(
        tenant_id=enrollment.tenant_id,
        loan_ref=enrollment.loan_ref,
        customer=customer,
        zone=_zone(customer, tenants.time_zone(session, tenant_id=enrollment.tenant_id)),
        due_date=due_date or enrollment.due_date,
        amount_due=amount_due or enrollment.amount_due,
        currency=enrollment.currency,
        variables=enrollment.variables,
        attributes=enrollment.attributes,
        segment=segment if segment is not None else enrollment.segment,
    )


def replan(
    session: Session,
    *,
    enrollment: Enrollment,
    loan: Loan,
    plan: PlanOut,
    clock: Clock,
    budget: RenderBudget,
    pause: Pause | None,
    reason: ReminderReason,
) -> tuple[int, int]:
    """Cancels the enrolment's waiting reminders (taking the loan out of the digests it shares)
    and submits its steps' anew (a step already handed to the dispatcher is `done`); returns
    (cancelled or left, created). The enrolment takes the plan's version and the customer's
    arm in it. The caller changes the enrolment only after this returns: the check in between
    ends the transaction, and the enrolment is read again."""
    now = clock.now()
    tenant_id = enrollment.tenant_id
    made = repository.step_reminders(session, tenant_id=tenant_id, enrollment_id=enrollment.id)
    settled = {ReminderStatus.CANCELLED, *repository.WAITING}
    done = {step for step, _, status, *_ in made if status not in settled}
    arm = arm_of(plan, tenant_id=tenant_id, customer_ref=loan.customer.ref)
    steps = plan_steps(plan, loan=loan, arm=arm, now=now, pause=pause, done=done)
    submitted = [("", step) for step in steps if step.reminder is not None]
    checked = _check(session, tenant_id=tenant_id, made=submitted, clock=clock, budget=budget)
    session.refresh(enrollment, with_for_update=True)  # the check's reads ended its transaction
    if enrollment.status == EnrollmentStatus.ENDED:
        raise Conflict(f"the plan of loan {enrollment.loan_ref!r} ended meanwhile")
    left = {id_ for id_, _ in digests.leave(session, enrollment=enrollment, now=now)}
    cancelled = set(
        lifecycle.move_where(
            session,
            target=ReminderStatus.CANCELLED,
            where=[Reminder.tenant_id == tenant_id, Reminder.enrollment_id == enrollment.id],
            now=now,
            event=Cancelled(reason=reason),
        )
    )
    # A waiting reminder a dispatcher claimed since it was read is being sent: not again.
    claimed = {step for step, _, status, *_ in made if status in repository.WAITING} - {
        step for step, id_, *_ in made if id_ in cancelled | left
    }
    kept = [(prefix, step) for prefix, step in submitted if step.key not in claimed]
    checked = replace(checked, items=[step.reminder for _, step in kept if step.reminder])
    stored = digests.store(
        session,
        tenant_id=tenant_id,
        checked=checked,
        customer_ids={loan.customer.ref: enrollment.customer_id},
        columns=[_columns(enrollment.id, step, arm) for _, step in kept],
        windows=[digests.window_of(plan)] * len(kept),
    )
    enrollment.steps = [
        step.stored() | ({"skipped": DONE} if step.key in claimed else {}) for step in steps
    ]
    enrollment.plan_key, enrollment.plan_version, enrollment.arm = plan.key, plan.version, arm
    enrollment.updated_at = now
    return len(cancelled | left), len(stored)


def _columns(enrollment_id: uuid.UUID, step: Planned, arm: str | None) -> dict[str, Any]:
    """What a plan-made reminder records of where it came from, for the outcomes report."""
    return {
        "enrollment_id": enrollment_id,
        "plan_step": step.key,
        "arm": arm,
        "step_variant": step.variant,
    }


def _pause(enrollment: Enrollment) -> Pause | None:
    if enrollment.status != EnrollmentStatus.PAUSED:
        return None
    return Pause(until=enrollment.paused_until)
