"""Attribution: a repayment goes to its loan's last reminder before it, inside that window."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.outcomes.attribution import Repayment, Touch, attribute

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
FIRST, SECOND, THIRD = (uuid.UUID(int=n) for n in (1, 2, 3))


def paid(at: datetime, *, loan: str = "loan-1", event: str = "ev-1") -> Repayment:
    return Repayment(
        event_id=event, loan_ref=loan, occurred_at=at, amount=Decimal("100.00"), currency="CNY"
    )


def credited(
    touches: list[Touch], repayments: list[Repayment]
) -> list[tuple[uuid.UUID, timedelta]]:
    return [(credit.reminder_id, credit.wait) for credit in attribute(touches, repayments)]


def test_a_repayment_inside_the_window_is_credited_to_the_reminder_with_its_wait() -> None:
    touches = [Touch(FIRST, "loan-1", T0)]
    assert credited(touches, [paid(T0 + timedelta(hours=5))]) == [(FIRST, timedelta(hours=5))]


def test_the_window_end_is_inside_and_a_second_later_is_outside() -> None:
    touches = [Touch(FIRST, "loan-1", T0)]
    assert credited(touches, [paid(T0 + timedelta(hours=72))]) == [(FIRST, timedelta(hours=72))]
    assert credited(touches, [paid(T0 + timedelta(hours=72, seconds=1))]) == []


def test_the_plans_own_window_replaces_the_default() -> None:
    touches = [Touch(FIRST, "loan-1", T0, window=timedelta(hours=24))]
    assert credited(touches, [paid(T0 + timedelta(hours=30))]) == []
    touches = [Touch(FIRST, "loan-1", T0, window=timedelta(hours=96))]
    assert credited(touches, [paid(T0 + timedelta(hours=90))]) == [(FIRST, timedelta(hours=90))]


def test_of_several_reminders_the_last_before_the_repayment_gets_it() -> None:
    touches = [
        Touch(SECOND, "loan-1", T0 + timedelta(days=2)),
        Touch(FIRST, "loan-1", T0),
        Touch(THIRD, "loan-1", T0 + timedelta(days=5)),
    ]
    assert credited(touches, [paid(T0 + timedelta(days=3))]) == [(SECOND, timedelta(days=1))]


def test_a_later_reminder_outside_its_window_does_not_hand_credit_back_to_an_earlier_one() -> None:
    touches = [
        Touch(FIRST, "loan-1", T0, window=timedelta(days=30)),
        Touch(SECOND, "loan-1", T0 + timedelta(days=1)),
    ]
    assert credited(touches, [paid(T0 + timedelta(days=5))]) == []


def test_a_repayment_before_any_reminder_or_on_another_loan_is_credited_to_none() -> None:
    touches = [Touch(FIRST, "loan-1", T0)]
    assert credited(touches, [paid(T0 - timedelta(minutes=1))]) == []
    assert credited(touches, [paid(T0 + timedelta(hours=1), loan="loan-2")]) == []


def test_a_repayment_at_the_moment_of_delivery_counts() -> None:
    assert credited([Touch(FIRST, "loan-1", T0)], [paid(T0)]) == [(FIRST, timedelta(0))]


def test_each_partial_repayment_is_credited_on_its_own() -> None:
    touches = [Touch(FIRST, "loan-1", T0), Touch(SECOND, "loan-1", T0 + timedelta(days=1))]
    repayments = [
        paid(T0 + timedelta(hours=3), event="part-1"),
        paid(T0 + timedelta(days=1, hours=2), event="part-2"),
    ]
    assert credited(touches, repayments) == [
        (FIRST, timedelta(hours=3)),
        (SECOND, timedelta(hours=2)),
    ]


def test_touches_at_the_same_moment_credit_the_same_reminder_whatever_their_order() -> None:
    both = [Touch(SECOND, "loan-1", T0), Touch(FIRST, "loan-1", T0)]
    repayment = [paid(T0 + timedelta(hours=1))]
    assert credited(both, repayment) == credited(list(reversed(both)), repayment)
    assert credited(both, repayment)[0][0] == SECOND
