"""The segment chooser: ordered rules, the first whose conditions hold chooses."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from app.plans.conditions import facts_of
from app.plans.schemas import SEGMENTS_EXAMPLE, SegmentsIn
from app.plans.segments import SegmentChoice, choose_segment

RULES = SegmentsIn.model_validate(
    {
        "rules": [
            {
                "name": "flagged",
                "segment": "hardship",
                "conditions": {"risk_tier": ["hardship"]},
                "plan": "soft",
            },
            {
                "name": "first-late",
                "segment": "first-time-late",
                "conditions": {"first_time_late": True, "days_past_due": {"min": 1, "max": 30}},
                "plan": "gentle",
            },
            {
                "name": "big-card",
                "segment": "large",
                "conditions": {"product": ["card"], "amount_due": {"min": "5000"}},
                "plan": "firm",
            },
        ]
    }
).rules


def chosen(
    amount: str | None = "100", days_late: int = 0, **attributes: Any
) -> SegmentChoice | None:
    due = date(2026, 12, 1)
    return choose_segment(
        RULES,
        facts_of(
            due_date=due,
            today=date.fromordinal(due.toordinal() + days_late),
            amount_due=None if amount is None else Decimal(amount),
            attributes=attributes,
        ),
    )


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (
            {"risk_tier": "hardship", "first_time_late": True, "days_late": 3},
            ("hardship", "flagged"),
        ),
        ({"first_time_late": True, "days_late": 3}, ("first-time-late", "first-late")),
        ({"first_time_late": True, "days_late": 31}, None),
        ({"first_time_late": True, "days_late": 0}, None),
        ({"first_time_late": "yes", "days_late": 3}, None),
        ({"product": "card", "amount": "5000"}, ("large", "big-card")),
        ({"product": "card", "amount": "4999.99"}, None),
        ({"product": "card", "amount": None}, None),
        ({"product": "loan", "amount": "9000"}, None),
    ],
)
def test_the_first_rule_that_holds_chooses(
    case: dict[str, Any], expected: tuple[str, str] | None
) -> None:
    choice = chosen(**case)
    assert (choice and (choice.segment, choice.rule)) == expected


def test_a_rule_without_conditions_catches_every_loan() -> None:
    rules = SegmentsIn.model_validate(SEGMENTS_EXAMPLE)
    facts = facts_of(
        due_date=date(2026, 12, 1), today=date(2026, 12, 1), amount_due=None, attributes={}
    )
    assert choose_segment(rules.rules, facts) == SegmentChoice(
        "standard", "everyone-else", "standard"
    )
    assert rules.plan_for("first-time-late") == "gentle"
    assert rules.plan_for("nobody") is None
