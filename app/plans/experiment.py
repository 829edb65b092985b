"""Which arm of a plan's experiment a customer is in: one answer for enrolment and simulate."""

import uuid

from app.outcomes import arms
from app.plans.schemas import PlanOut

PLAN_EXPERIMENT = "plan"
"""The experiment that puts a customer in one of a plan's variants (or its holdout)."""


def arm_of(plan: PlanOut, *, tenant_id: uuid.UUID, customer_ref: str) -> str | None:
    """The customer's arm of the plan's experiment; None when the plan tests nothing."""
    weights = plan.arms()
    if not weights:
        return None
    return arms.choose(
        tenant_id=tenant_id,
        plan_key=plan.key,
        experiment=PLAN_EXPERIMENT,
        customer_ref=customer_ref,
        weights=weights,
    )
