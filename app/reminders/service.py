"""The rules for accepting, reading and cancelling reminders."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from app.clock import Clock
from app.customers import repository as customers
from app.customers.schemas import CustomerIn
from app.db import release_connection
from app.errors import FieldError, NotFound, ValidationFailed
from app.lifecycle import bulk as lifecycle
from app.lifecycle.events import Cancelled, Resolved
from app.models.reasons import ReminderReason
from app.models.reminders import Reminder
from app.models.states import IllegalTransition, ReminderStatus
from app.observability import metrics
from app.pagination import decode_cursor, encode_cursor
from app.policy import service as policies
from app.reminders import repository
from app.reminders.schemas import (
    AttemptOut,
    EventOut,
    ReminderDetail,
    ReminderIn,
    ReminderOut,
    ReminderPage,
)
from app.templates import service as templates
from app.templates.budget import RenderBudget
from app.templates.submission import check_reminders
from app.visits import submission as visits
from channels.base import Channel

ADDRESS_OF = {Channel.SMS: "phone", Channel.VOICE: "phone", Channel.EMAIL: "email"}
"""The customer field each channel needs; a webhook goes to the lender's own system."""


def create(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    items: Sequence[ReminderIn],
    clock: Clock,
    budget: RenderBudget,
    field_prefix: str = "",
) -> list[ReminderOut]:
    """Checks every item, then stores all of them with one bulk insert per table, or none."""
    checked = check(
        session,
        tenant_id=tenant_id,
        items=items,
        clock=clock,
        budget=budget,
        field_prefix=field_prefix,
    )
    customer_ids = customers.upsert_many(
        session, tenant_id=tenant_id, customers=list(checked.customers.values()), now=checked.now
    )
    return store(session, tenant_id=tenant_id, checked=checked, customer_ids=customer_ids)


@dataclass(frozen=True)
class Checked:
    """Items that can be sent, with what storing them needs from the check's reads."""

    items: Sequence[ReminderIn]
    customers: dict[str, dict[str, Any]]
    """Each customer as it will be stored: the record, overlaid by each item in turn."""
    versions: dict[str, int]
    tasks: dict[str, str | None]
    now: datetime


def check(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    items: Sequence[ReminderIn],
    clock: Clock,
    budget: RenderBudget,
    field_prefix: str = "",
) -> Checked:
    """Every reason an item could never be sent, raised as one 422; else what `store` needs.

    The checks read, then their transaction ends: each item is rendered as it will be sent
    (so a value its template cannot render is a 422 now, not a failed send later) while no
    pooled connection or lock is held, and the writes are one short transaction.
    """
    now = clock.now()
    merged = merge_customers(session, tenant_id=tenant_id, given=[item.customer for item in items])
    errors = [
        error
        for index, item in enumerate(items)
        for error in _check(item, merged[item.customer.ref], now, field_prefix.format(index=index))
    ]
    errors += policies.unknown_policy_errors(
        session,
        tenant_id=tenant_id,
        named={
            f"{field_prefix.format(index=index)}policy": item.policy
            for index, item in enumerate(items)
            if item.policy is not None
        },
    )
    stored = templates.read_for_submission(
        session, tenant_id=tenant_id, keys={item.template for item in items}
    )
    errors += visits.check_items(
        session,
        tenant_id=tenant_id,
        items=items,
        templates=stored.templates,
        customers=merged,
        now=now,
        field_prefix=field_prefix,
    )
    release_connection(session)
    errors += check_reminders(
        items,
        templates=stored.templates,
        tenant=stored.tenant,
        customers=merged,
        budget=budget,
        phrases=stored.phrases,
        field_prefix=field_prefix,
    )
    if errors:
        raise ValidationFailed(errors)
    return Checked(
        items=items,
        customers=merged,
        versions=stored.versions,
        tasks={key: template.task for key, template in stored.templates.items()},
        now=now,
    )


def store(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    checked: Checked,
    customer_ids: Mapping[str, uuid.UUID],
    columns: Sequence[Mapping[str, Any]] | None = None,
) -> list[ReminderOut]:
    """Stores checked items whose customers are stored (`customer_ids`, by ref), each with its
    `columns` if given (the enrolment, plan step and arm of a reminder a plan made)."""
    if not checked.items:
        return []
    rows = [
        _reminder_row(
            item,
            tenant_id,
            customer_ids[item.customer.ref],
            checked.now,
            template_version=checked.versions[item.template],
            task=checked.tasks[item.template],
        )
        | (dict(columns[index]) if columns is not None else {})
        for index, item in enumerate(checked.items)
    ]
    rows = lifecycle.accept(session, reminders=rows, now=checked.now)
    metrics.ACCEPTED.inc(len(rows))
    return [_accepted(row, item) for row, item in zip(rows, checked.items, strict=True)]


def _accepted(row: dict[str, Any], item: ReminderIn) -> ReminderOut:
    """The stored row as the API shows it."""
    return ReminderOut.model_validate({**row, "customer_ref": item.customer.ref})


def merge_customers(
    session: Session, *, tenant_id: uuid.UUID, given: Sequence[CustomerIn]
) -> dict[str, dict[str, Any]]:
    """What each customer will look like once stored: the record, overlaid by each one given
    in turn (an enrolment's customers too, which it stores before its reminders)."""
    refs = {customer.ref for customer in given}
    stored = customers.contacts_by_refs(session, tenant_id=tenant_id, refs=refs)
    merged = {ref: stored.get(ref) or {"ref": ref} for ref in refs}
    for customer in given:
        merged[customer.ref].update(customer.model_dump(exclude_none=True))
    return merged


def _check(
    item: ReminderIn, customer: dict[str, Any], now: datetime, prefix: str
) -> list[FieldError]:
    errors = []
    send_at = item.send_at or now
    if item.expires_at is not None and item.expires_at <= send_at:
        errors.append(
            FieldError(
                field=f"{prefix}expires_at", detail=f"must be after send_at ({send_at.isoformat()})"
            )
        )
    for position, channel in enumerate(item.channels):
        needed = ADDRESS_OF.get(channel)
        if needed and needed not in customer:
            errors.append(
                FieldError(
                    field=f"{prefix}channels.{position}",
                    detail=f"channel '{channel}' needs the customer's {needed}, which is not known",
                )
            )
    return errors


def _reminder_row(
    item: ReminderIn,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    now: datetime,
    *,
    template_version: int,
    task: str | None,
) -> dict[str, Any]:
    send_at = item.send_at or now
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "customer_id": customer_id,
        "loan_ref": item.loan_ref,
        "template": item.template,
        "template_version": template_version,
        "task": task,
        "channels": [str(channel) for channel in item.channels],
        "variables": item.variables,
        "policy": item.policy,
        "metadata": item.metadata,
        "send_at": send_at,
        "expires_at": item.expires_at,
        "next_attempt_at": send_at,
        "created_at": now,
        "updated_at": now,
    }


def _out(reminder: Reminder, customer_ref: str) -> ReminderOut:
    return ReminderOut(
        id=reminder.id,
        status=reminder.status,
        customer_ref=customer_ref,
        loan_ref=reminder.loan_ref,
        template=reminder.template,
        template_version=reminder.template_version,
        channels=[Channel(name) for name in reminder.channels],
        variables=reminder.variables,
        policy=reminder.policy,
        metadata=reminder.meta,
        send_at=reminder.send_at,
        expires_at=reminder.expires_at,
        next_attempt_at=reminder.next_attempt_at,
        created_at=reminder.created_at,
        updated_at=reminder.updated_at,
    )


def get(session: Session, *, tenant_id: uuid.UUID, reminder_id: uuid.UUID) -> ReminderDetail:
    found = repository.get_with_ref(session, tenant_id=tenant_id, reminder_id=reminder_id)
    if found is None:
        raise NotFound(f"no reminder {reminder_id}")
    reminder, customer_ref = found
    return ReminderDetail(
        **_out(reminder, customer_ref).model_dump(),
        events=[
            EventOut.model_validate(e, from_attributes=True)
            for e in repository.timeline(session, reminder.id)
        ],
        attempts=[
            AttemptOut.model_validate(a, from_attributes=True)
            for a in repository.attempts(session, reminder.id)
        ],
    )


@dataclass(frozen=True)
class Backlog:
    """Pending reminders by status and by how far their next look is from now."""

    counts: dict[tuple[str, str], int]
    buckets: tuple[str, ...]
    oldest_due: datetime | None
    """The longest-overdue reminder's due time; None when nothing is overdue."""


def backlog(session: Session, *, tenant_id: uuid.UUID, now: datetime) -> Backlog:
    counts, oldest = repository.backlog(session, tenant_id=tenant_id, now=now)
    return Backlog(
        counts={(status, bucket): n for status, bucket, n in counts},
        buckets=repository.DUE_BUCKETS,
        oldest_due=oldest,
    )


def list_page(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    customer_ref: str | None,
    loan_ref: str | None,
    status: ReminderStatus | None,
    cursor: str | None,
    limit: int,
) -> ReminderPage:
    rows = repository.page(
        session,
        tenant_id=tenant_id,
        customer_ref=customer_ref,
        loan_ref=loan_ref,
        status=status,
        after=decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    items = [_out(reminder, ref) for reminder, ref in rows[:limit]]
    last = rows[limit - 1][0] if len(rows) > limit else None
    return ReminderPage(
        items=items, next_cursor=encode_cursor(last.created_at, last.id) if last else None
    )


def cancel(
    session: Session, *, tenant_id: uuid.UUID, reminder_id: uuid.UUID, clock: Clock
) -> ReminderDetail:
    """Cancels a reminder not yet handed to a provider; any other state is a 409."""
    now = clock.now()
    moved = lifecycle.move_where(
        session,
        target=ReminderStatus.CANCELLED,
        where=[Reminder.id == reminder_id, Reminder.tenant_id == tenant_id],
        now=now,
        event=Cancelled(reason=ReminderReason.API),
    )
    if not moved:
        current = get(session, tenant_id=tenant_id, reminder_id=reminder_id)
        raise IllegalTransition(f"a reminder that is {current.status} can no longer be cancelled")
    return get(session, tenant_id=tenant_id, reminder_id=reminder_id)


def cancel_loan(session: Session, *, tenant_id: uuid.UUID, loan_ref: str, clock: Clock) -> int:
    """Cancels every pending reminder of a loan (it was repaid); returns how many."""
    now = clock.now()
    moved = lifecycle.move_where(
        session,
        target=ReminderStatus.CANCELLED,
        where=[Reminder.tenant_id == tenant_id, Reminder.loan_ref == loan_ref],
        now=now,
        event=Cancelled(reason=ReminderReason.LOAN_CANCELLED),
    )
    return len(moved)


def resolve(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    reminder_id: uuid.UUID,
    outcome: Literal["sent", "retry"],
    clock: Clock,
) -> ReminderDetail:
    """Ops settle an `unknown` reminder after checking with the provider."""
    now = clock.now()
    target = ReminderStatus.SENT if outcome == "sent" else ReminderStatus.SCHEDULED
    moved = lifecycle.move_where(
        session,
        target=target,
        now=now,
        next_attempt_at=now,
        where=[
            Reminder.id == reminder_id,
            Reminder.tenant_id == tenant_id,
            Reminder.status == ReminderStatus.UNKNOWN,
        ],
        event=Resolved(reason=ReminderReason(outcome.upper())),
    )
    if not moved:
        current = get(session, tenant_id=tenant_id, reminder_id=reminder_id)
        raise IllegalTransition(
            f"only unknown reminders are resolved; this one is {current.status}"
        )
    return get(session, tenant_id=tenant_id, reminder_id=reminder_id)
