"""What the plan's conditions are checked against: the loan as it is when enrolled.

Pure: the segment chooser and the step conditions both read `LoanFacts`, so a rule means the
same in a segment and in a step.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app.plans.schemas import LoanConditions, SegmentConditions, StepConditions


@dataclass(frozen=True)
class LoanFacts:
    days_past_due: int
    """Whole days since the due date in the customer's zone; 0 before and on it."""
    amount_due: Decimal | None
    segment: str | None = None
    risk_tier: str | None = None
    first_time_late: bool | None = None
    product: str | None = None


def facts_of(
    *,
    due_date: date,
    today: date,
    amount_due: Decimal | None,
    attributes: Mapping[str, Any],
    segment: str | None = None,
) -> LoanFacts:
    """The facts of a loan, its `attributes` (`risk_tier`, `first_time_late`, `product`) as
    the lender sent them; `today` is the customer's local date."""
    late = attributes.get("first_time_late")
    return LoanFacts(
        days_past_due=max(0, (today - due_date).days),
        amount_due=amount_due,
        segment=segment,
        risk_tier=_text(attributes.get("risk_tier")),
        first_time_late=late if isinstance(late, bool) else None,
        product=_text(attributes.get("product")),
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def holds(conditions: LoanConditions | None, facts: LoanFacts) -> bool:
    """Whether every condition given holds; an unknown fact fails a condition on it."""
    if conditions is None:
        return True
    if conditions.days_past_due and not conditions.days_past_due.holds(facts.days_past_due):
        return False
    if conditions.amount_due and (
        facts.amount_due is None or not conditions.amount_due.holds(facts.amount_due)
    ):
        return False
    if isinstance(conditions, StepConditions):
        return conditions.segment is None or facts.segment in conditions.segment
    if isinstance(conditions, SegmentConditions):
        return (
            (conditions.risk_tier is None or facts.risk_tier in conditions.risk_tier)
            and (
                conditions.first_time_late is None
                or facts.first_time_late == conditions.first_time_late
            )
            and (conditions.product is None or facts.product in conditions.product)
        )
    return True
