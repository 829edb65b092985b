"""A plan's schedule for one customer with the contact policy's verdict on each step.

Nothing is stored or sent: the schedule is the pure one enrolments use, and the verdicts are
the dispatcher's own decision (`app.policy.service.dry_run_series`) on the customer's stored
history and opt-outs, so a simulation and the real sends cannot disagree.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.errors import FieldError, ValidationFailed
from app.plans.conditions import facts_of
from app.plans.experiment import arm_of, variant_of
from app.plans.schedule import schedule
from app.plans.schemas import HOLDOUT_ARM, PlanOut, SimulatedStep, SimulateIn, SimulateOut
from app.plans.service import get_plan
from app.policy import service as policy


def _arm(
    plan: PlanOut, asked: str | None, *, tenant_id: uuid.UUID, customer_ref: str
) -> str | None:
    """The arm asked for, or the customer's own: the one their enrolment would draw."""
    if asked is None:
        return arm_of(plan, tenant_id=tenant_id, customer_ref=customer_ref)
    arms = list(plan.arms())
    if asked not in arms:
        known = ", ".join(arms) or "none: the plan tests nothing"
        raise ValidationFailed(
            [FieldError(field="arm", detail=f"no arm '{asked}'; known: {known}")]
        )
    return asked


def simulate(
    session: Session, *, tenant_id: uuid.UUID, key: str, request: SimulateIn, now: datetime
) -> SimulateOut:
    plan = get_plan(session, tenant_id=tenant_id, key=key, version=request.version)
    arm = _arm(plan, request.arm, tenant_id=tenant_id, customer_ref=request.customer.ref)
    tenant, customer = policy.described(session, tenant_id=tenant_id, customer=request.customer)
    [zone, *_] = policy.zones_for(
        timezone=customer.timezone, phone=customer.phone, fallback=tenant.default_timezone
    )
    facts = facts_of(
        due_date=request.due_date,
        today=now.astimezone(zone).date(),
        amount_due=request.amount_due,
        attributes=request.attributes,
        segment=request.segment,
    )
    planned = schedule(
        plan.steps_of(arm), due_date=request.due_date, zone=zone, now=now, facts=facts
    )
    variants = {
        id(p): variant_of(plan, p.step, tenant_id=tenant_id, customer_ref=request.customer.ref)
        for p in planned
        if p.skipped is None
    }
    due = [p for p in planned if variants.get(id(p)) not in (None, HOLDOUT_ARM)]
    verdicts = policy.dry_run_series(
        session,
        tenant=tenant,
        customer=customer,
        loan_ref=request.loan_ref,
        sends=[(p.send_at, p.step.channels) for p in due],
    )
    decided = {id(p): v for p, v in zip(due, verdicts, strict=True)}
    steps = []
    for p in planned:
        verdict: dict[str, Any] = {"outcome": "skipped", "skipped": p.skipped}
        if variants.get(id(p)) == HOLDOUT_ARM:
            verdict["skipped"] = HOLDOUT_ARM
        if (send := decided.get(id(p))) is not None:
            verdict = {
                "outcome": send.verdict.action,
                "reason": send.verdict.reason,
                "channel": send.channel,
                "sent_at": send.sent_at,
                "sent_local": send.sent_at and send.sent_at.astimezone(zone),
            }
        steps.append(
            SimulatedStep(
                key=p.step.key,
                templates=list(p.step.template_weights()),
                template=variants.get(id(p)) if id(p) in decided else None,
                channels=p.step.channels,
                local=p.local,
                send_at=p.send_at,
                **verdict,
            )
        )
    return SimulateOut(
        plan=plan.key,
        version=plan.version,
        arm=arm,
        timezone=zone.key,
        policy=verdicts[0].verdict.policy if verdicts else None,
        steps=steps,
    )
