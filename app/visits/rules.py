"""Visits judged by their own rules: the policy's visit hours and caps, over earlier visits only.

The gate's `evaluate` stays the one decision function: a visit is evaluated against a policy
made from the visit rules, with a history holding only the customer's visits.
"""

from collections.abc import Sequence
from datetime import timedelta

from app.models.reasons import PolicyReason
from app.policy.evaluate import Contact
from app.policy.spec import Cap, HolidayMode, Policy

DAY, WEEK = timedelta(days=1), timedelta(days=7)


def visit_policy(policy: Policy) -> Policy:
    rules = policy.visits
    holidays = policy.holidays
    if holidays is not None:
        holidays = (
            None
            if rules.on_holidays
            else holidays.model_copy(update={"mode": HolidayMode.BLOCK, "windows": []})
        )
    return policy.model_copy(
        update={
            "windows": {"any": rules.windows},
            "holidays": holidays,
            "caps": [
                Cap(max=rules.per_day, window=DAY, reason=PolicyReason.VISIT_CAP_DAY),
                Cap(max=rules.per_week, window=WEEK, reason=PolicyReason.VISIT_CAP_WEEK),
            ],
            "min_gap": None,
            "after_conversation": None,
        }
    )


def visits_only(history: Sequence[Contact]) -> list[Contact]:
    return [contact for contact in history if contact.visit]
