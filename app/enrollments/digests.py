"""Digests: a customer's loans whose steps fall due within their plan's window share one
reminder (app/enrollments/grouping.py says which), one message counted once by the caps.

Storing steps puts each step of a digest plan in a pending digest of its customer that takes
it, else in a reminder of its own that later loans may join. A change to one loan (repaid,
written off, paused, rescheduled) first takes that loan out of the digests it shares: the
others keep their message, the earliest remaining loan takes it over when its owner leaves,
and a digest left with only this loan is this loan's own, cancelled by the caller through the
lifecycle as any of its reminders. Every change to a customer's digests holds the customer's
row, so concurrent enrolments and events take turns; a digest a dispatcher has claimed is
being sent and is not edited.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.enrollments import grouping, repository
from app.enrollments.grouping import Digest, Kind, Member
from app.enrollments.planning import owned_variables
from app.enrollments.schemas import StepReminder
from app.models.enrollments import Enrollment
from app.models.reminders import Reminder
from app.models.states import ReminderStatus
from app.plans.schemas import PlanOut
from app.reminders import service as reminders
from app.reminders.schemas import ReminderIn, ReminderOut


def window_of(plan: PlanOut) -> timedelta | None:
    """How close a plan's steps must be to share a message; None when it never merges."""
    return timedelta(hours=plan.digest.window_hours) if plan.digest.enabled else None


def store(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    checked: reminders.Checked,
    customer_ids: Mapping[str, uuid.UUID],
    columns: Sequence[dict[str, Any]],
    windows: Sequence[timedelta | None],
) -> list[StepReminder]:
    """Stores checked plan steps (`columns`: each one's enrolment, step and arm; `windows`: its
    plan's, None when the plan does not merge); the reminder each step is on, in order."""
    items = checked.items
    merging = [index for index, window in enumerate(windows) if window is not None]
    customers = {customer_ids[items[index].customer.ref] for index in merging}
    pending: dict[uuid.UUID, sa.Row[Any]] = {}
    digests: list[Digest] = []
    if customers:
        repository.lock_customers(session, tenant_id=tenant_id, customer_ids=customers)
        for row, members in repository.waiting_digests(
            session, tenant_id=tenant_id, where=[Reminder.customer_id.in_(customers)]
        ):
            pending[row.id] = row
            digests.append(_digest(row, members))
    placed = _place(digests, merging, items, columns, windows, customer_ids)
    own = [i for i in range(len(items)) if i not in placed or _owns(placed[i], columns[i])]
    stored = reminders.store(
        session,
        tenant_id=tenant_id,
        checked=replace(checked, items=[_item(items[i], placed.get(i)) for i in own]),
        customer_ids=customer_ids,
        columns=[columns[i] | ({"id": placed[i].reminder_id} if i in placed else {}) for i in own],
    )
    _write(session, tenant_id=tenant_id, digests=digests, pending=pending, now=checked.now)
    made = dict(zip(own, stored, strict=True))
    return [
        _shown(made[index]) if index in made else _shown_digest(placed[index], pending)
        for index in range(len(items))
    ]


def _place(
    digests: list[Digest],
    merging: Sequence[int],
    items: Sequence[ReminderIn],
    columns: Sequence[dict[str, Any]],
    windows: Sequence[timedelta | None],
    customer_ids: Mapping[str, uuid.UUID],
) -> dict[int, Digest]:
    """The digest each merging step is in, earliest step first: the pending ones, or new ones
    (added to `digests`) that the step starting them owns."""
    alike: dict[Kind, list[Digest]] = {}  # a batch's thousand loans: look only among alike
    for digest in digests:
        alike.setdefault(digest.kind, []).append(digest)
    placed: dict[int, Digest] = {}
    for index in sorted(merging, key=lambda i: (items[i].send_at, i)):
        kind, member = _step(items[index], columns[index], customer_ids)
        window = windows[index]
        assert window is not None
        joined = grouping.join(alike.setdefault(kind, []), kind, member, window)
        if joined is None:
            joined = Digest(kind=kind, members=[member], reminder_id=uuid.uuid4(), new=True)
            alike[kind].append(joined)
            digests.append(joined)
        placed[index] = joined
    return placed


def _owns(digest: Digest, columns: Mapping[str, Any]) -> bool:
    """A new digest is stored as the reminder of the step that started it."""
    return digest.new and digest.members[0].enrollment_id == columns["enrollment_id"]


def _shown(out: ReminderOut) -> StepReminder:
    loans = [loan["loan_ref"] for loan in out.variables["loans"]]
    return StepReminder(id=out.id, status=out.status, send_at=out.send_at, loans=loans)


def _shown_digest(digest: Digest, pending: Mapping[uuid.UUID, sa.Row[Any]]) -> StepReminder:
    row = pending.get(digest.reminder_id)
    return StepReminder(
        id=digest.reminder_id,
        status=ReminderStatus.SCHEDULED if row is None else row.status,
        send_at=digest.send_at,
        loans=[loan["loan_ref"] for loan in digest.loans()],
    )


def _step(
    item: ReminderIn, columns: Mapping[str, Any], customer_ids: Mapping[str, uuid.UUID]
) -> tuple[Kind, Member]:
    assert item.send_at is not None  # a plan's steps are all placed in time
    kind = Kind(
        customer_id=customer_ids[item.customer.ref],
        plan=item.metadata["plan"],
        template=item.template,
        channels=tuple(str(channel) for channel in item.channels),
        currency=item.variables["currency"],
    )
    member = Member(
        enrollment_id=columns["enrollment_id"],
        step=columns["plan_step"],
        moment=item.send_at,
        loan=item.variables["loans"][0],
    )
    return kind, member


def _item(item: ReminderIn, digest: Digest | None) -> ReminderIn:
    """A step's reminder as stored: listing every loan of its digest (it is their owner)."""
    if digest is None:
        return item
    variables = item.variables | {"loans": digest.loans()}
    return item.model_copy(update={"variables": variables, "send_at": digest.send_at})


def _digest(row: sa.Row[Any], members: Sequence[repository.MemberRow]) -> Digest:
    loans = {loan["loan_ref"]: loan for loan in row.variables["loans"]}
    return Digest(
        kind=Kind(
            customer_id=row.customer_id,
            plan=row.meta["plan"],
            template=row.template,
            channels=tuple(row.channels),
            currency=row.variables["currency"],
        ),
        members=[
            Member(enrollment_id=enrollment_id, step=step, moment=moment, loan=loans[loan_ref])
            for enrollment_id, loan_ref, step, moment in members
        ],
        reminder_id=row.id,
        new=False,
    )


def _write(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    digests: Sequence[Digest],
    pending: Mapping[uuid.UUID, sa.Row[Any]],
    now: datetime,
) -> None:
    """The loans of new digests, and those that joined pending ones (which now list them and
    go out at their loans' earliest)."""
    rows = []
    for digest in digests:
        added = digest.members if digest.new else digest.joined
        rows += [_member_row(tenant_id, digest.reminder_id, member, now) for member in added]
        if digest.joined and not digest.new:
            row = pending[digest.reminder_id]
            repository.rewrite(
                session,
                tenant_id=tenant_id,
                reminder_id=digest.reminder_id,
                values={
                    "variables": row.variables | {"loans": digest.loans()},
                    "send_at": digest.send_at,
                    "next_attempt_at": min(row.next_attempt_at, digest.send_at),
                    "updated_at": now,
                },
            )
    repository.add_members(session, rows=rows)


def _member_row(
    tenant_id: uuid.UUID, reminder_id: uuid.UUID, member: Member, now: datetime
) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "reminder_id": reminder_id,
        "enrollment_id": member.enrollment_id,
        "plan_step": member.step,
        "moment": member.moment,
        "created_at": now,
    }


def leave(
    session: Session, *, enrollment: Enrollment, now: datetime, before: datetime | None = None
) -> list[tuple[uuid.UUID, str]]:
    """Takes the loan out of every waiting digest it shares with other loans (only those going
    out before `before`, if given); returns each one's id and the loan's step in it. A digest
    it owns alone is left to the caller, who cancels it as any of the loan's reminders."""
    tenant_id = enrollment.tenant_id
    repository.lock_customers(session, tenant_id=tenant_id, customer_ids=[enrollment.customer_id])
    where = [repository.joined_by(tenant_id, enrollment.id)]
    if before is not None:
        where.append(Reminder.send_at < before)
    left = []
    for row, members in repository.waiting_digests(session, tenant_id=tenant_id, where=where):
        digest = _digest(row, members)
        rest = grouping.without(digest, enrollment.id)
        if not rest:
            continue
        [mine] = [m for m in digest.members if m.enrollment_id == enrollment.id]
        repository.drop_member(
            session, tenant_id=tenant_id, reminder_id=row.id, enrollment_id=enrollment.id
        )
        loans = [member.loan for member in rest]
        send_at = rest[0].moment
        values: dict[str, Any] = {
            "variables": row.variables | {"loans": loans},
            "send_at": send_at,
            "next_attempt_at": max(row.next_attempt_at, send_at),
            "updated_at": now,
        }
        if row.enrollment_id == enrollment.id:
            values |= _handed_over(session, tenant_id, row, rest[0], loans)
        repository.rewrite(session, tenant_id=tenant_id, reminder_id=row.id, values=values)
        left.append((row.id, mine.step))
    return left


def _handed_over(
    session: Session,
    tenant_id: uuid.UUID,
    row: sa.Row[Any],
    heir: Member,
    loans: list[dict[str, Any]],
) -> dict[str, Any]:
    """The reminder becomes the heir's: its step, loan, arm and variables, as if its plan had
    made it (per-loan caps and attribution then count it for that loan)."""
    [owner] = repository.enrollments_by_id(
        session, tenant_id=tenant_id, ids=[heir.enrollment_id]
    ).values()
    return {
        "enrollment_id": owner.id,
        "plan_step": heir.step,
        "loan_ref": owner.loan_ref,
        "arm": owner.arm,
        "meta": row.meta | {"step": heir.step, "plan_version": owner.plan_version},
        "variables": owned_variables(owner.variables, heir.loan, loans),
    }
