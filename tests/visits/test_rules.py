"""The visit rules as the gate applies them: their own hours, holidays and caps, counting only
earlier visits."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.policy.evaluate import Contact, evaluate
from app.policy.presets import PRESETS
from app.visits.rules import visit_policy, visits_only
from channels.base import Channel

SHANGHAI = (ZoneInfo("Asia/Shanghai"),)
FRIDAY_1030 = datetime(2026, 11, 27, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai


def judge(now: datetime, history: list[Contact] | None = None) -> tuple[bool, str | None]:
    decision = evaluate(
        visit_policy(PRESETS["cn"]),
        channel=Channel.WEBHOOK,
        zones=SHANGHAI,
        now=now,
        history=visits_only(history or []),
        loan_ref="loan-1",
    )
    return decision.allowed, decision.reason


def visit(at: datetime) -> Contact:
    return Contact(at=at, channel="webhook", loan_ref="loan-2", visit=True)


def test_a_first_visit_in_daytime_is_allowed() -> None:
    assert judge(FRIDAY_1030) == (True, None)


@pytest.mark.parametrize(
    ("now", "reason"),
    [
        (FRIDAY_1030 + timedelta(hours=9), "QUIET_HOURS"),  # 19:30, after visit hours
        (FRIDAY_1030 + timedelta(days=2), "QUIET_HOURS"),  # a Sunday
        (datetime(2026, 10, 1, 2, 30, tzinfo=UTC), "HOLIDAY"),  # National Day
    ],
)
def test_visits_keep_to_their_own_hours_and_no_holidays(now: datetime, reason: str) -> None:
    assert judge(now) == (False, reason)


def test_one_visit_a_day_and_two_a_week_by_default() -> None:
    assert judge(FRIDAY_1030, [visit(FRIDAY_1030 - timedelta(hours=1))]) == (
        False,
        "VISIT_CAP_DAY",
    )
    week = [visit(FRIDAY_1030 - timedelta(days=2)), visit(FRIDAY_1030 - timedelta(days=4))]
    assert judge(FRIDAY_1030, week) == (False, "VISIT_CAP_WEEK")


def test_messages_do_not_count_against_the_visit_caps() -> None:
    calls = [
        Contact(at=FRIDAY_1030 - timedelta(minutes=m), channel="voice", loan_ref="l")
        for m in (5, 10, 20)
    ]
    assert judge(FRIDAY_1030, calls) == (True, None)
