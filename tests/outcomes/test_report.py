"""The outcomes report over plain records, with the acceptance scenario's exact numbers."""

import statistics
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.outcomes.attribution import Repayment
from app.outcomes.report import Exposure, build
from app.outcomes.schemas import Dimension, Money, OutcomeGroup
from tests.outcomes import scenario
from tests.outcomes.independent import pearson_p, score_test_bound

ARM = [Dimension.ARM]
CHAMPIONS = {"collections": "champion"}


def scenario_records() -> tuple[list[Exposure], list[Repayment]]:
    exposures, repayments = [], []
    for person in scenario.customers():
        enrollment = uuid.uuid5(uuid.NAMESPACE_URL, person.loan_ref)
        for step, delivered in (("d-1", person.first_delivered), ("d0", person.second_delivered)):
            exposures.append(
                Exposure(
                    reminder_id=scenario.reminder_id(person.number, step),
                    enrollment_id=enrollment,
                    loan_ref=person.loan_ref,
                    plan="collections",
                    step=step,
                    arm=person.arm,
                    channel="sms",
                    segment="low-risk",
                    sent=True,
                    delivered_at=delivered,
                    send_at=person.first_delivered
                    if step == "d-1"
                    else person.first_delivered + scenario.DAY,
                )
            )
        if person.repaid_at is not None:
            repayments.append(
                Repayment(
                    event_id=f"pay-{person.number}",
                    loan_ref=person.loan_ref,
                    occurred_at=person.repaid_at,
                    amount=person.amount,
                    currency="CNY",
                )
            )
    return exposures, repayments


def by_arm(groups: list[OutcomeGroup]) -> dict[str | None, OutcomeGroup]:
    return {group.arm: group for group in groups}


def test_the_scenario_gives_exact_counts_intervals_medians_and_p_value() -> None:
    groups, total = build(*scenario_records(), group_by=ARM, champions=CHAMPIONS)
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
    groups, _ = build(
        *scenario_records(), group_by=[Dimension.STEP, Dimension.ARM], champions=CHAMPIONS
    )
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
    groups, _ = build(
        *scenario_records(), group_by=[Dimension.PLAN, Dimension.SEGMENT], champions=CHAMPIONS
    )
    assert [(group.plan, group.segment, group.repaid) for group in groups] == [
        ("collections", "low-risk", 250)
    ]
    assert groups[0].compared_with is None
    assert groups[0].step is None


T = datetime(2026, 12, 1, 9, tzinfo=UTC)


def exposure(number: int, arm: str | None, *, delivered: bool = True, plan: str = "p") -> Exposure:
    return Exposure(
        reminder_id=uuid.UUID(int=number),
        enrollment_id=uuid.UUID(int=10_000 + number),
        loan_ref=f"loan-{number}",
        plan=plan,
        step="d0",
        arm=arm,
        channel=None if arm == "holdout" else "sms",
        segment=None,
        sent=delivered,
        delivered_at=T if delivered else None,
        send_at=T,
    )


def repayment(number: int, after: timedelta) -> Repayment:
    return Repayment(f"r{number}", f"loan-{number}", T + after, None, None)


def test_the_holdout_is_touched_when_its_step_would_have_been_sent_and_is_the_baseline() -> None:
    exposures = [exposure(n, "champion") for n in range(10)]
    exposures += [exposure(n, "holdout", delivered=False) for n in range(10, 20)]
    repayments = [repayment(n, timedelta(hours=2)) for n in (0, 1, 2, 3, 10)]
    groups, _ = build(exposures, repayments, group_by=ARM, champions={"p": "champion"})
    arms = by_arm(groups)
    assert (arms["holdout"].sent, arms["holdout"].delivered, arms["holdout"].repaid) == (0, 0, 1)
    assert arms["holdout"].compared_with is None
    assert arms["champion"].compared_with == "holdout"
    assert arms["champion"].difference == pytest.approx(0.3)
    assert arms["champion"].p_value == pytest.approx(pearson_p(4, 10, 1, 10), rel=1e-9)


def test_an_undelivered_reminder_earns_no_credit_and_a_repayment_without_amount_no_sum() -> None:
    exposures = [exposure(0, None, delivered=False), exposure(1, None)]
    groups, total = build(
        exposures,
        [repayment(0, timedelta(hours=1)), repayment(1, timedelta(hours=1))],
        group_by=ARM,
        champions={},
    )
    assert [(group.arm, group.repaid, group.repaid_amount) for group in groups] == [(None, 1, [])]
    assert total.median_hours_to_repay == 1.0


def test_an_empty_report_has_a_total_of_nothing() -> None:
    groups, total = build([], [], group_by=ARM, champions={})
    assert groups == []
    assert (
        total.enrolled,
        total.conversion,
        total.conversion_low,
        total.median_hours_to_repay,
    ) == (
        0,
        None,
        None,
        None,
    )


def test_the_champion_is_the_plans_first_variant_whatever_its_name() -> None:
    exposures = [exposure(n, "gentle") for n in range(10)] + [
        exposure(n, "firm") for n in range(10, 20)
    ]
    exposures += [exposure(n, "holdout", delivered=False) for n in range(20, 30)]
    repayments = [repayment(n, timedelta(hours=1)) for n in (0, 1, 10, 11, 12, 20)]
    for group_by in (ARM, [Dimension.PLAN, Dimension.ARM]):
        arms = by_arm(build(exposures, repayments, group_by=group_by, champions={"p": "gentle"})[0])
        assert (arms["firm"].compared_with, arms["gentle"].compared_with) == ("gentle", "holdout")
        assert arms["firm"].difference == pytest.approx(0.1)


def test_arms_of_two_plans_are_compared_within_their_own_plan() -> None:
    exposures = [exposure(n, "a", plan="p") for n in range(5)] + [
        exposure(n, "b", plan="p") for n in range(5, 10)
    ]
    exposures += [exposure(n, "b", plan="q") for n in range(10, 15)] + [
        exposure(n, "c", plan="q") for n in range(15, 20)
    ]
    repayments = [repayment(n, timedelta(hours=1)) for n in (0, 5, 6, 10, 15, 16, 17)]
    groups, _ = build(
        exposures,
        repayments,
        group_by=[Dimension.PLAN, Dimension.ARM],
        champions={"p": "a", "q": "b"},
    )
    compared = {(g.plan, g.arm): (g.compared_with, g.difference) for g in groups}
    assert compared == {
        ("p", "a"): (None, None),
        ("p", "b"): ("a", pytest.approx(0.2)),
        ("q", "b"): (None, None),
        ("q", "c"): ("b", pytest.approx(0.4)),
    }
    # across plans, "b" champions one plan and challenges another: no single baseline
    assert all(
        g.compared_with is None
        for g in build(exposures, repayments, group_by=ARM, champions={"p": "a", "q": "b"})[0]
    )


def test_arms_without_a_champion_or_holdout_are_not_compared() -> None:
    exposures = [exposure(n, "x") for n in range(5)] + [exposure(n, "y") for n in range(5, 10)]
    groups, _ = build(exposures, [repayment(0, timedelta(hours=1))], group_by=ARM, champions={})
    assert [(g.arm, g.compared_with, g.p_value) for g in groups] == [
        ("x", None, None),
        ("y", None, None),
    ]
