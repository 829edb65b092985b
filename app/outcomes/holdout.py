"""When the holdout's messages would have gone out, and what the arms and step variants are
measured against: pure, from the plan and the loan.

A holdout enrolment gets no reminder, so nothing marks when a repayment would count as a
response. Its counterfactual touches are the champion's steps, scheduled as the enrolment would
have scheduled them (app/plans/schedule.py: past and non-matching steps skipped as of its
enrolment), so the holdout and the arms it is compared with are measured over the same windows.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from app.plans.conditions import facts_of
from app.plans.schedule import schedule
from app.plans.schemas import CHAMPION_ARM, HOLDOUT_ARM, PlanIn


@dataclass(frozen=True)
class HeldOut:
    """A holdout enrolment as its plan would have scheduled it."""

    due_date: date
    zone: ZoneInfo
    enrolled_at: datetime
    amount_due: Decimal
    attributes: Mapping[str, Any]
    segment: str | None


def champion(plan: PlanIn) -> str:
    """The arm a challenger is measured against: the plan's first variant."""
    return plan.variants[0].name if plan.variants else CHAMPION_ARM


def split_steps(plan: PlanIn) -> dict[tuple[str | None, str], list[str]]:
    """Each (arm, step key) whose step splits its customers (weighted templates or a holdout),
    with the step's variants: its champion template first, `holdout` last if it has one."""
    arms: list[str | None] = [arm for arm in plan.arms() if arm != HOLDOUT_ARM] or [None]
    return {
        (arm, step.key): list(step.template_shares())
        for arm in arms
        for step in plan.steps_of(arm)
        if step.tests_templates
    }


def would_have_sent(plan: PlanIn, loan: HeldOut) -> list[tuple[str, datetime]]:
    """(step key, moment) of each champion step the loan would have been sent."""
    facts = facts_of(
        due_date=loan.due_date,
        today=loan.enrolled_at.astimezone(loan.zone).date(),
        amount_due=loan.amount_due,
        attributes=loan.attributes,
        segment=loan.segment,
    )
    scheduled = schedule(
        plan.steps_of(champion(plan)),
        due_date=loan.due_date,
        zone=loan.zone,
        now=loan.enrolled_at,
        facts=facts,
    )
    return [(step.step.key, step.send_at) for step in scheduled if step.skipped is None]
