"""Which segment a loan falls in: the tenant's ordered rules, the first that holds. Pure."""

from collections.abc import Sequence
from dataclasses import dataclass

from app.plans.conditions import LoanFacts, holds
from app.plans.schemas import SegmentRule


@dataclass(frozen=True)
class SegmentChoice:
    segment: str
    rule: str
    """The rule that chose it, recorded on the enrolment."""
    plan: str


def choose_segment(rules: Sequence[SegmentRule], facts: LoanFacts) -> SegmentChoice | None:
    """The first rule whose conditions hold, or None when none does."""
    for rule in rules:
        if holds(rule.conditions, facts):
            return SegmentChoice(segment=rule.segment, rule=rule.name, plan=rule.plan)
    return None
