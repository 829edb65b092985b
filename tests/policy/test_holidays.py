"""Official holiday periods: China's whole periods, weekends inside them and make-up workdays."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.policy.evaluate import Decision, evaluate
from app.policy.presets import PRESETS
from app.policy.spec import Holidays, Policy, Window
from channels.base import Channel

SHANGHAI, NEW_YORK = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")
CN = PRESETS["cn"]


def at_ten(day: date, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.combine(day, time(10), tzinfo=zone).astimezone(UTC)


def decide(policy: Policy, moment: datetime, zone: ZoneInfo = SHANGHAI) -> Decision:
    return evaluate(
        policy, channel=Channel.SMS, zones=[zone], now=moment, history=[], loan_ref="loan-1"
    )


def test_sunday_4_october_2026_inside_national_day_is_blocked_until_thursday_0800() -> None:
    decision = decide(CN, at_ten(date(2026, 10, 4)))
    assert (decision.allowed, decision.reason) == (False, "HOLIDAY")
    assert decision.next_allowed_at == datetime(2026, 10, 8, 8, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2026, 1, 1), date(2026, 1, 3)),  # New Year
        (date(2026, 2, 15), date(2026, 2, 23)),  # Spring Festival
        (date(2026, 4, 4), date(2026, 4, 6)),  # Qingming
        (date(2026, 5, 1), date(2026, 5, 5)),  # Labour Day
        (date(2026, 6, 19), date(2026, 6, 21)),  # Dragon Boat
        (date(2026, 9, 25), date(2026, 9, 27)),  # Mid-Autumn
        (date(2026, 10, 1), date(2026, 10, 7)),  # National Day
    ],
)
def test_every_day_of_the_state_councils_2026_holiday_periods_is_blocked_and_no_more(
    first: date, last: date
) -> None:
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    assert [decide(CN, at_ten(day)).reason for day in days] == ["HOLIDAY"] * len(days)
    assert decide(CN, at_ten(first - timedelta(days=1))).allowed
    assert decide(CN, at_ten(last + timedelta(days=1))).allowed


@pytest.mark.parametrize(
    "make_up_workday",
    [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 9, 20), date(2026, 10, 10)],
)
def test_a_2026_make_up_workday_is_open_under_cn(make_up_workday: date) -> None:
    assert make_up_workday.weekday() >= 5  # a Saturday or Sunday worked instead of a holiday
    assert decide(CN, at_ten(make_up_workday)).allowed


def test_an_ordinary_weekend_is_open_under_cn_whose_windows_cover_every_day() -> None:
    assert decide(CN, at_ten(date(2026, 10, 17))).allowed  # Saturday
    assert decide(CN, at_ten(date(2026, 10, 18))).allowed  # Sunday


def test_a_make_up_saturday_opens_a_weekday_only_window_and_an_ordinary_one_does_not() -> None:
    office_hours = Policy(
        windows={"any": [Window(days="mon-fri", start=time(9), end=time(18))]},
        holidays=Holidays(country="CN"),
    )
    assert decide(office_hours, at_ten(date(2026, 10, 10))).allowed  # worked for National Day
    ordinary = decide(office_hours, at_ten(date(2026, 10, 17)))
    assert ordinary.reason == "QUIET_HOURS"
    assert ordinary.next_allowed_at == datetime(2026, 10, 19, 9, tzinfo=SHANGHAI)


def test_without_whole_periods_only_the_holidays_themselves_are_blocked() -> None:
    us_holidays = Policy(holidays=Holidays(country="US"))
    assert decide(us_holidays, at_ten(date(2026, 12, 25), NEW_YORK), NEW_YORK).reason == "HOLIDAY"
    assert decide(us_holidays, at_ten(date(2026, 12, 26), NEW_YORK), NEW_YORK).allowed
