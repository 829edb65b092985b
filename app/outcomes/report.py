"""The outcomes report from plain records: pure, so a known scenario gives exact numbers.

The unit is the enrolment. A group is a set of plan-made reminders (by plan, step, arm,
channel, segment, template); it has enrolled the enrolments those reminders belong to and
converted those with a repayment credited (see `attribution`) to one of them. Conversion over
enrolments, not messages, keeps a plan with more steps from looking worse per message, and
lets the holdout, which receives none, be compared.

The touches repayments are credited to are given apart from the reported reminders: a
repayment goes to its loan's last delivered reminder even when that one is outside the period
reported (or was not made by a plan), and then counts for no group here.
"""

import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
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
    template: str | None = None
    """The step's template variant (`holdout` for a step's holdout share)."""


StepAt = tuple[str, str | None, str]
"""(plan, arm, step): a step that splits its customers, as the plan's arms have it."""


def build(
    exposures: Sequence[Exposure],
    touches: Iterable[Touch],
    repayments: Iterable[Repayment],
    *,
    group_by: Sequence[Dimension],
    champions: Mapping[str, str],
    splits: Mapping[StepAt, Sequence[str]] | None = None,
) -> tuple[list[OutcomeGroup], OutcomeGroup]:
    """The groups in key order (nulls last), each arm (or, grouped by template, each template
    variant) compared with its baseline, and the total.

    `champions`: each plan's champion arm (its first variant); `splits`: each split step's
    template variants, its champion first (and `holdout` if it has one); for the comparisons.
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
    if Dimension.TEMPLATE in group_by:
        _compare(groups, group_by, Dimension.TEMPLATE, _template_rivals(group_by, splits or {}))
    elif Dimension.ARM in group_by:
        _compare(groups, group_by, Dimension.ARM, _arm_rivals(champions))
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


Rivals = tuple[str | None, Collection[str | None]]
"""Among groups that differ only along the dimension compared: the champion, if known, and the
values that take part in its experiment (the others are compared with nothing)."""
FindRivals = Callable[[Mapping[str | None, OutcomeGroup]], Rivals]


def _compare(
    groups: list[OutcomeGroup], group_by: Sequence[Dimension], along: Dimension, find: FindRivals
) -> None:
    """Each value along `along` against its champion, else the holdout; the champion against
    the holdout. Groups that differ only along `along` are compared."""
    others = [dimension for dimension in group_by if dimension is not along]
    rivals: dict[Key, dict[str | None, OutcomeGroup]] = defaultdict(dict)
    for group in groups:
        rivals[tuple(getattr(group, dimension) for dimension in others)][getattr(group, along)] = (
            group
        )
    for same in rivals.values():
        champion, members = find(same)
        taking_part = {value: group for value, group in same.items() if value in members}
        for value, group in taking_part.items():
            if value in (None, HOLDOUT_ARM):
                continue
            rival = champion if champion not in (None, value) else HOLDOUT_ARM
            baseline = taking_part.get(rival) or taking_part.get(HOLDOUT_ARM)
            if baseline is None or group.conversion is None or baseline.conversion is None:
                continue
            group.compared_with = getattr(baseline, along)
            group.difference = group.conversion - baseline.conversion
            group.p_value = two_proportion_p(
                group.repaid, group.enrolled, baseline.repaid, baseline.enrolled
            )


def _arm_rivals(champions: Mapping[str, str]) -> FindRivals:
    """Arms: every arm takes part; the champion is the plan's. Without the plan among the
    dimensions, it is the one arm of the group that champions some plan, if there is one."""

    def find(same: Mapping[str | None, OutcomeGroup]) -> Rivals:
        plans = {group.plan for group in same.values()}
        if len(plans) == 1 and (plan := plans.pop()) is not None:
            return champions.get(plan), same.keys()
        candidates = [arm for arm in same if arm in set(champions.values())]
        return (candidates[0] if len(candidates) == 1 else None), same.keys()

    return find


def _template_rivals(
    group_by: Sequence[Dimension], splits: Mapping[StepAt, Sequence[str]]
) -> FindRivals:
    """Template variants: those of the one split step the groups can be at (its plan, arm and
    step, as far as they are grouped by them) with a template among them, if there is exactly
    one such step; its first template is the champion. A template of another step, met when
    the report is not grouped by step, is compared with nothing."""
    at = (Dimension.PLAN, Dimension.ARM, Dimension.STEP)

    def find(same: Mapping[str | None, OutcomeGroup]) -> Rivals:
        group = next(iter(same.values()))
        wanted = [(i, getattr(group, d)) for i, d in enumerate(at) if d in group_by]
        candidates = {
            tuple(variants)
            for step, variants in splits.items()
            if all(step[i] == value for i, value in wanted)
            and any(v in same for v in variants if v != HOLDOUT_ARM)
        }
        if len(candidates) != 1:
            return None, ()
        variants = candidates.pop()
        return variants[0], variants

    return find


def _exact(amount: Decimal, currency: str) -> Decimal:
    """In the currency's minor unit, as lenders send amounts (`15000.00`, not `15000.000000`)."""
    return amount.quantize(Decimal(1).scaleb(-minor_digits(currency)))
