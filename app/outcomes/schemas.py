"""The outcomes report as the API returns it and the CSV export writes it."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field


class Dimension(StrEnum):
    """What the report can group plan-made reminders by."""

    PLAN = "plan"
    STEP = "step"
    ARM = "arm"
    CHANNEL = "channel"
    SEGMENT = "segment"
    TEMPLATE = "template"
    """The step's template variant: its template, or `holdout` for its holdout share."""


class Money(BaseModel):
    currency: str = Field(description="ISO 4217 code.")
    amount: Decimal


class OutcomeGroup(BaseModel):
    """One group's outcomes; a dimension it is not grouped by is null (as is one its
    reminders do not have, such as the arm of a plan without an experiment)."""

    plan: str | None = None
    step: str | None = None
    arm: str | None = None
    channel: str | None = Field(default=None, description="The channel that delivered.")
    segment: str | None = None
    template: str | None = Field(
        default=None,
        description="The step's template variant the reminders were sent in; `holdout` for "
        "the step's holdout share, which got no message at that step.",
    )
    enrolled: int = Field(description="Enrolments with a plan-made reminder in the group.")
    sent: int = Field(description="Reminders sent to a provider.")
    delivered: int = Field(description="Reminders that reached the borrower.")
    repaid: int = Field(description="Enrolments with a repayment credited to the group.")
    repaid_amount: list[Money] = Field(
        description="The credited repayments' sum, per currency (a repayment without an "
        "amount is counted in `repaid` only)."
    )
    conversion: float | None = Field(description="`repaid / enrolled`; null when none enrolled.")
    conversion_low: float | None = Field(description="The 95% Wilson interval's lower bound.")
    conversion_high: float | None = Field(description="The 95% Wilson interval's upper bound.")
    median_hours_to_repay: float | None = Field(
        description="From the credited reminder to each enrolment's first credited repayment."
    )
    compared_with: str | None = Field(
        default=None,
        description="Grouped by arm: the arm this one is compared with, its plan's champion "
        "(the first variant) in the same group, else the `holdout`; the champion is compared "
        "with the holdout. Grouped by template: the template variant this one is compared "
        "with, the step's champion (its first template) in the same group, else the step's "
        "`holdout`. Null when there is neither, or for a holdout.",
    )
    difference: float | None = Field(
        default=None, description="This group's conversion minus `compared_with`'s."
    )
    p_value: float | None = Field(
        default=None,
        description="Two-sided, pooled two-proportion z-test that both convert alike; null when "
        "neither varies.",
    )


class OutcomeStats(BaseModel):
    group_by: list[Dimension]
    since: datetime | None = Field(description="Reminders scheduled at or after this moment.")
    until: datetime | None = Field(description="Reminders scheduled before this moment.")
    groups: list[OutcomeGroup]
    total: OutcomeGroup = Field(description="Every reminder in the report, ungrouped.")
