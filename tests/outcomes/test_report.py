"""The outcomes report over plain records, with the acceptance scenario's exact numbers."""

import statistics
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.outcomes.attribution import Repayment, Touch
from app.outcomes.report import Exposure
from app.outcomes.schemas import Dimension, Money, OutcomeGroup
from tests.outcomes import scenario
from tests.outcomes.independent import pearson_p, score_test_bound
from tests.outcomes.scenario import Records, scenario_records

ARM = [Dimension.ARM]


def by_arm(groups: list[OutcomeGroup]) -> dict[str | None, OutcomeGroup]:
    return {group.arm: group for group in groups}


def test_the_scenario_gives_exact_counts_intervals_medians_and_p_value() -> None:
    groups, total = scenario_records().report(ARM)
    arms = by_arm(groups)
    assert list(arms) == ["challenger", "champion"]
    champion, challenger = arms["champion"], arms["challenger"]

    assert (champion.enrolled, champion.sent, champion.delivered, champion.repaid) == (
        500,
        1000,
        1000,
        150,
    )
    assert (challenger.enrolled, challenger.sent, challenger.delivered, challenger.repaid) == (
        500,
        1000,
        990,
        100,
    )
    assert champion.repaid_amount == [Money(currency="CNY", amount=Decimal("15000.00"))]
    assert challenger.repaid_amount == [Money(currency="CNY", amount=Decimal("5000.00"))]
    assert (champion.conversion, challenger.conversion) == (0.3, 0.2)
    for group in (champion, challenger):
        assert group.conversion_low == pytest.approx(
            score_test_bound(group.repaid, group.enrolled, upper=False), abs=1e-12
        )
        assert group.conversion_high == pytest.approx(
            score_test_bound(group.repaid, group.enrolled, upper=True), abs=1e-12
        )
        hours = [wait / timedelta(hours=1) for wait in scenario.CREDITED_WAITS[group.arm or ""]]
        assert group.median_hours_to_repay == statistics.median(hours)

    assert champion.compared_with is None
    assert challenger.compared_with == "champion"
    assert challenger.difference == pytest.approx(-0.1)
    assert challenger.p_value == pytest.approx(pearson_p(100, 500, 150, 500), rel=1e-9)
    # by hand: z = 0.1 / sqrt(0.25 * 0.75 * 2 / 500) = 3.6515, two-sided p = 0.000261
    assert challenger.p_value == pytest.approx(0.000261, abs=1e-6)

    assert (total.enrolled, total.sent, total.delivered, total.repaid) == (1000, 2000, 1990, 250)
    assert total.arm is None


def test_by_step_each_repayment_counts_at_the_step_that_preceded_it() -> None:
    groups, _ = scenario_records().report([Dimension.STEP, Dimension.ARM])
    repaid = {(group.step, group.arm): group.repaid for group in groups}
    assert repaid == {
        ("d-1", "challenger"): 50,
        ("d-1", "champion"): 150,
        ("d0", "challenger"): 50,
        ("d0", "champion"): 0,
    }
    d0 = {group.arm: group for group in groups if group.step == "d0"}
    assert d0["challenger"].p_value == pytest.approx(pearson_p(50, 500, 0, 500), rel=1e-9)


def test_without_the_arm_dimension_nothing_is_compared() -> None:
    groups, _ = scenario_records().report([Dimension.PLAN, Dimension.SEGMENT])
    assert [(group.plan, group.segment, group.repaid) for group in groups] == [
        ("collections", "low-risk", 250)
    ]
    assert groups[0].compared_with is None
    assert groups[0].step is None


def test_a_later_reminder_outside_the_report_still_takes_the_credit() -> None:
    """Only `d-1` reported: the repayments that followed `d0` are `d0`'s, so not counted."""
    groups, _ = scenario_records(steps=("d-1",)).report([Dimension.STEP, Dimension.ARM])
    assert [(g.step, g.arm, g.enrolled, g.repaid) for g in groups] == [
        ("d-1", "challenger", 500, 50),
        ("d-1", "champion", 500, 150),
    ]


T = datetime(2026, 11, 1, 9, tzinfo=UTC)


def cohort(numbers: range, arm: str | None, *, delivered: bool = True, plan: str = "p") -> Records:
    """One reminder each, at T; the holdout's touch their loans without being delivered."""
    records = Records()
    for number in numbers:
        reminder_id = uuid.UUID(int=number)
        records.exposures.append(
            Exposure(
                reminder_id=reminder_id,
                enrollment_id=uuid.UUID(int=10_000 + number),
                plan=plan,
                step="d0",
                arm=arm,
                channel=None if arm == "holdout" else "sms",
                segment=None,
                sent=delivered,
                delivered=delivered,
            )
        )
        if delivered or arm == "holdout":
            records.touches.append(Touch(reminder_id, f"loan-{number}", T))
    return records


def together(
    *parts: Records, repaid: tuple[int, ...], after: timedelta = timedelta(hours=1)
) -> Records:
    return Records(
        [e for part in parts for e in part.exposures],
        [t for part in parts for t in part.touches],
        [Repayment(f"r{n}", f"loan-{n}", T + after, None, None) for n in repaid],
    )


def test_the_holdout_is_the_baseline_of_a_plan_without_variants() -> None:
    records = together(
        cohort(range(10), "champion"),
        cohort(range(10, 20), "holdout", delivered=False),
        repaid=(0, 1, 2, 3, 10),
    )
    arms = by_arm(records.report(ARM, {"p": "champion"})[0])
    assert (arms["holdout"].sent, arms["holdout"].delivered, arms["holdout"].repaid) == (0, 0, 1)
    assert arms["holdout"].compared_with is None
    assert arms["champion"].compared_with == "holdout"
    assert arms["champion"].difference == pytest.approx(0.3)
    assert arms["champion"].p_value == pytest.approx(pearson_p(4, 10, 1, 10), rel=1e-9)


def test_an_undelivered_reminder_earns_no_credit_and_a_repayment_without_amount_no_sum() -> None:
    records = together(
        cohort(range(1), None, delivered=False), cohort(range(1, 2), None), repaid=(0, 1)
    )
    groups, total = records.report(ARM, {})
    assert [(group.arm, group.repaid, group.repaid_amount) for group in groups] == [(None, 1, [])]
    assert total.median_hours_to_repay == 1.0


def test_an_empty_report_has_a_total_of_nothing() -> None:
    groups, total = Records().report(ARM, {})
    assert groups == []
    assert (total.enrolled, total.conversion, total.conversion_low) == (0, None, None)
    assert total.median_hours_to_repay is None


def test_the_champion_is_the_plans_first_variant_whatever_its_name() -> None:
    records = together(
        cohort(range(10), "gentle"),
        cohort(range(10, 20), "firm"),
        cohort(range(20, 30), "holdout", delivered=False),
        repaid=(0, 1, 10, 11, 12, 20),
    )
    for group_by in (ARM, [Dimension.PLAN, Dimension.ARM]):
        arms = by_arm(records.report(group_by, {"p": "gentle"})[0])
        assert (arms["firm"].compared_with, arms["gentle"].compared_with) == ("gentle", "holdout")
        assert arms["firm"].difference == pytest.approx(0.1)


def test_arms_of_two_plans_are_compared_within_their_own_plan() -> None:
    records = together(
        cohort(range(5), "a", plan="p"),
        cohort(range(5, 10), "b", plan="p"),
        cohort(range(10, 15), "b", plan="q"),
        cohort(range(15, 20), "c", plan="q"),
        repaid=(0, 5, 6, 10, 15, 16, 17),
    )
    champions = {"p": "a", "q": "b"}
    groups, _ = records.report([Dimension.PLAN, Dimension.ARM], champions)
    assert {(g.plan, g.arm): (g.compared_with, g.difference) for g in groups} == {
        ("p", "a"): (None, None),
        ("p", "b"): ("a", pytest.approx(0.2)),
        ("q", "b"): (None, None),
        ("q", "c"): ("b", pytest.approx(0.4)),
    }
    # across plans, "b" champions one plan and challenges another: no single baseline
    assert all(g.compared_with is None for g in records.report(ARM, champions)[0])


def test_arms_without_a_champion_or_holdout_are_not_compared() -> None:
    records = together(cohort(range(5), "x"), cohort(range(5, 10), "y"), repaid=(0,))
    assert [(g.arm, g.compared_with, g.p_value) for g in records.report(ARM, {})[0]] == [
        ("x", None, None),
        ("y", None, None),
    ]
