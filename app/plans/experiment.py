"""Which arm of a plan's experiment, and which template variant of each step, a customer is in:
one answer for enrolment and simulate."""

import uuid

from app.outcomes import arms
from app.plans.schemas import PlanOut, Step

PLAN_EXPERIMENT = "plan"
"""The experiment that puts a customer in one of a plan's variants (or its holdout)."""
STEP_EXPERIMENT = "step:{key}"
"""Each step's own experiment: its template variants (or its holdout), drawn apart from the
plan's arm, so every arm's step of that key splits its customers alike."""


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


def variant_of(plan: PlanOut, step: Step, *, tenant_id: uuid.UUID, customer_ref: str) -> str:
    """The customer's template of the step, or `holdout` (no message at this step)."""
    variants = step.template_shares()
    if len(variants) == 1:
        return next(iter(variants))
    return arms.choose(
        tenant_id=tenant_id,
        plan_key=plan.key,
        experiment=STEP_EXPERIMENT.format(key=step.key),
        customer_ref=customer_ref,
        weights=variants,
    )
