"""Which reminders a loan's plan makes now: each step's moment, why any is skipped, and the
reminder each other step submits. Pure: the service reads and writes around it.

A step is skipped, first reason first, when its reminder was already handed to the dispatcher
(`done`: a reschedule never sends a step twice), when its moment has passed or its conditions
do not hold (app/plans/schedule.py), when it falls due while the loan is paused (`paused`), or
when the customer is in the step's holdout (`holdout`: no message at this step, measured by the
outcomes report from the step's moment).
"""

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from app.customers.schemas import CustomerIn
from app.money import minor_digits
from app.plans.conditions import facts_of
from app.plans.experiment import variant_of
from app.plans.schedule import schedule
from app.plans.schemas import HOLDOUT_ARM, PlanOut, Step
from app.reminders.schemas import ReminderIn

DONE = "done"
PAUSED = "paused"
HOLDOUT = HOLDOUT_ARM


@dataclass(frozen=True)
class Loan:
    """An enrolled loan as its plan sees it."""

    tenant_id: uuid.UUID
    loan_ref: str
    customer: CustomerIn
    zone: ZoneInfo
    """The customer's own zone, else the tenant's."""
    due_date: date
    amount_due: Decimal
    currency: str
    variables: Mapping[str, Any]
    attributes: Mapping[str, Any]
    segment: str | None


@dataclass(frozen=True)
class Pause:
    until: datetime | None
    """A promise to pay's pause ends then; None: until a `lifted` event."""

    def holds(self, moment: datetime) -> bool:
        return self.until is None or moment < self.until


@dataclass(frozen=True)
class Planned:
    key: str
    send_at: datetime
    local: datetime
    skipped: str | None
    variant: str | None
    """The step's template variant the customer drew (`holdout` for none); None when the step
    is skipped for another reason."""
    reminder: ReminderIn | None
    """What the step submits; None when it is skipped."""

    def stored(self) -> dict[str, Any]:
        """As the enrolment keeps it (`enrollments.steps`)."""
        return {
            "key": self.key,
            "send_at": self.send_at.isoformat(),
            "local": self.local.isoformat(),
            "skipped": self.skipped,
        }


def amount_text(amount: Decimal, currency: str) -> str:
    """A money variable as templates take it: a decimal string in the currency's minor unit."""
    return str(amount.quantize(Decimal(1).scaleb(-minor_digits(currency))))


def loan_variables(loan: Loan) -> dict[str, Any]:
    """The loan's own values win over the lender's extra variables of the same name. `loans`
    lists it as a digest of several loans would (app/templates/starters.py reads one loan as a
    reminder of that loan); a template that does not declare it never sees it."""
    own = {
        "loan_ref": loan.loan_ref,
        "amount": amount_text(loan.amount_due, loan.currency),
        "currency": loan.currency,
        "due_date": loan.due_date.isoformat(),
    }
    return owned_variables(loan.variables, own, [own])


def owned_variables(
    extra: Mapping[str, Any], own: Mapping[str, Any], loans: list[dict[str, Any]]
) -> dict[str, Any]:
    """A reminder's variables: its owner's (the loan it was made for: its lender's variables,
    amount, currency and due date), and every loan it lists (several in a digest)."""
    return {
        **extra,
        "amount": own["amount"],
        "currency": own["currency"],
        "due_date": own["due_date"],
        "loans": loans,
    }


def plan_steps(
    plan: PlanOut,
    *,
    loan: Loan,
    arm: str | None,
    now: datetime,
    pause: Pause | None = None,
    done: Collection[str] = (),
) -> list[Planned]:
    """Every step of the customer's arm in the plan's order, each with its reminder or why it
    has none."""
    facts = facts_of(
        due_date=loan.due_date,
        today=now.astimezone(loan.zone).date(),
        amount_due=loan.amount_due,
        attributes=loan.attributes,
        segment=loan.segment,
    )
    planned = []
    for scheduled in schedule(
        plan.steps_of(arm), due_date=loan.due_date, zone=loan.zone, now=now, facts=facts
    ):
        key = scheduled.step.key
        skipped: str | None = scheduled.skipped
        if key in done:
            skipped = DONE
        elif skipped is None and pause is not None and pause.holds(scheduled.send_at):
            skipped = PAUSED
        variant: str | None = None
        reminder: ReminderIn | None = None
        if skipped is None:
            variant = variant_of(
                plan, scheduled.step, tenant_id=loan.tenant_id, customer_ref=loan.customer.ref
            )
            if variant == HOLDOUT:
                skipped = HOLDOUT
            else:
                reminder = _reminder(plan, scheduled.step, variant, loan, scheduled.send_at)
        planned.append(Planned(key, scheduled.send_at, scheduled.local, skipped, variant, reminder))
    return planned


def _reminder(
    plan: PlanOut, step: Step, template: str, loan: Loan, send_at: datetime
) -> ReminderIn:
    return ReminderIn(
        customer=loan.customer,
        loan_ref=loan.loan_ref,
        template=template,
        channels=step.channels,
        variables=loan_variables(loan),
        send_at=send_at,
        metadata={"plan": plan.key, "plan_version": plan.version, "step": step.key},
    )
