"""The outcomes report from plain records: pure, so a known scenario gives exact numbers.

The unit is the enrolment. A group is a set of plan-made reminders (by plan, step, arm,
channel, segment); it has enrolled the enrolments those reminders belong to and converted those
with a repayment credited (see `attribution`) to one of them. Conversion over enrolments, not
messages, keeps a plan with more steps from looking worse per message, and lets the holdout,
which receives none, be compared.

The touches repayments are credited to are given apart from the reported reminders: a
repayment goes to its loan's last delivered reminder even when that one is outside the period
reported (or was not made by a plan), and then counts for no group here.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.money import minor_digits
from app.outcomes.attribution import Credit, Repayment, Touch, attribute
from app.outcomes.schemas import Dimension, Money, OutcomeGroup
from app.outcomes.stats import median_hours, two_proportion_p, wilson
from app.plans.schemas import HOLDOUT_ARM

Key = tuple[str | None, ...]


@dataclass(frozen=True)
class Exposure:
    """One reported plan-made reminder (or a step the holdout would have had), with what the
    report groups it by."""

    reminder_id: uuid.UUID
    enrollment_id: uuid.UUID
    plan: str
    step: str | None
    arm: str | None
    channel: str | None
    segment: str | None
    sent: bool
    delivered: bool


def build(
    exposures: Sequence[Exposure],
    touches: Iterable[Touch],
    repayments: Iterable[Repayment],
    *,
    group_by: Sequence[Dimension],
    champions: Mapping[str, str],
) -> tuple[list[OutcomeGroup], OutcomeGroup]:
    """The groups in key order (nulls last), each arm compared with its baseline, and the total.

    `champions`: each plan's champion arm (its first variant), for the comparisons.
    """
    credits: dict[uuid.UUID, list[Credit]] = defaultdict(list)
    for credit in attribute(touches, repayments):
        credits[credit.reminder_id].append(credit)
    members: dict[Key, list[Exposure]] = defaultdict(list)
    for exposure in exposures:
        members[tuple(getattr(exposure, dimension) for dimension in group_by)].append(exposure)
    groups = [
        _summarise(dict(zip(group_by, key, strict=True)), members[key], credits)
        for key in sorted(members, key=lambda key: [(part is None, part or "") for part in key])
    ]
    if Dimension.ARM in group_by:
        _compare(groups, group_by, champions)
    return groups, _summarise({}, exposures, credits)


def _summarise(
    key: dict[Dimension, str | None],
    exposures: Sequence[Exposure],
    credits: dict[uuid.UUID, list[Credit]],
) -> OutcomeGroup:
    enrolled = {exposure.enrollment_id for exposure in exposures}
    first: dict[uuid.UUID, Credit] = {}
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    for exposure in exposures:
        for credit in credits.get(exposure.reminder_id, []):
            earliest = first.get(exposure.enrollment_id)
            if earliest is None or credit.repayment.occurred_at < earliest.repayment.occurred_at:
                first[exposure.enrollment_id] = credit
            if credit.repayment.amount is not None and credit.repayment.currency is not None:
                amounts[credit.repayment.currency] += credit.repayment.amount
    interval = wilson(len(first), len(enrolled))
    return OutcomeGroup(
        **{dimension.value: value for dimension, value in key.items()},
        enrolled=len(enrolled),
        sent=sum(exposure.sent for exposure in exposures),
        delivered=sum(exposure.delivered for exposure in exposures),
        repaid=len(first),
        repaid_amount=[
            Money(currency=code, amount=_exact(amounts[code], code)) for code in sorted(amounts)
        ],
        conversion=len(first) / len(enrolled) if enrolled else None,
        conversion_low=interval.low if interval else None,
        conversion_high=interval.high if interval else None,
        median_hours_to_repay=median_hours(credit.wait for credit in first.values()),
    )


def _compare(
    groups: list[OutcomeGroup], group_by: Sequence[Dimension], champions: Mapping[str, str]
) -> None:
    """Each arm against its plan's champion, else the holdout; the champion against the holdout.
    Groups that differ only in their arm are compared. Without the plan among the dimensions,
    the champion is the one arm of the group that champions some plan, if there is one."""
    others = [dimension for dimension in group_by if dimension is not Dimension.ARM]
    arms: dict[Key, dict[str | None, OutcomeGroup]] = defaultdict(dict)
    for group in groups:
        arms[tuple(getattr(group, dimension) for dimension in others)][group.arm] = group
    for same in arms.values():
        champion = _champion(same, champions)
        for arm, group in same.items():
            if arm in (None, HOLDOUT_ARM):
                continue
            rival = champion if champion not in (None, arm) else HOLDOUT_ARM
            baseline = same.get(rival) or same.get(HOLDOUT_ARM)
            if baseline is None or group.conversion is None or baseline.conversion is None:
                continue
            group.compared_with = baseline.arm
            group.difference = group.conversion - baseline.conversion
            group.p_value = two_proportion_p(
                group.repaid, group.enrolled, baseline.repaid, baseline.enrolled
            )


def _champion(same: Mapping[str | None, OutcomeGroup], champions: Mapping[str, str]) -> str | None:
    plans = {group.plan for group in same.values()}
    if len(plans) == 1 and (plan := plans.pop()) is not None:
        return champions.get(plan)
    candidates = [arm for arm in same if arm in set(champions.values())]
    return candidates[0] if len(candidates) == 1 else None


def _exact(amount: Decimal, currency: str) -> Decimal:
    """In the currency's minor unit, as lenders send amounts (`15000.00`, not `15000.000000`)."""
    return amount.quantize(Decimal(1).scaleb(-minor_digits(currency)))
