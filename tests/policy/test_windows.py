"""Windows on daylight-saving days open exactly once."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.policy.spec import Policy, Window
from app.policy.windows import intervals_on, next_open
from channels.base import Channel

NEW_YORK = ZoneInfo("America/New_York")


def policy(start: time, end: time) -> Policy:
    return Policy(windows={"any": [Window(start=start, end=end)]})


def test_a_window_starting_in_the_spring_forward_gap_opens_once_right_after_it() -> None:
    [(start, end)] = intervals_on(
        policy(time(2, 30), time(21)), Channel.SMS, NEW_YORK, date(2026, 3, 8)
    )
    assert start == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT
    assert end == datetime(2026, 3, 9, 1, 0, tzinfo=UTC)  # 21:00 EDT


def test_a_window_starting_in_the_repeated_fall_back_hour_opens_once_at_its_first_occurrence() -> (
    None
):
    weekday_policy = policy(time(1, 30), time(23))
    [(start, end)] = intervals_on(weekday_policy, Channel.SMS, NEW_YORK, date(2026, 11, 1))
    assert start == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    assert end - start == timedelta(hours=22, minutes=30)  # the day has 25 hours
    second_0130 = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST: still the same window
    assert next_open(weekday_policy, Channel.SMS, NEW_YORK, second_0130) == second_0130


def test_every_day_of_a_dst_year_opens_its_window_exactly_once() -> None:
    daily = policy(time(8), time(21))
    day = date(2026, 1, 1)
    while day.year == 2026:
        opened = intervals_on(daily, Channel.SMS, NEW_YORK, day)
        assert len(opened) == 1
        start, end = opened[0]
        assert start.astimezone(NEW_YORK).time() == time(8)
        assert end.astimezone(NEW_YORK).time() == time(21)
        day += timedelta(days=1)


def test_a_window_past_midnight_runs_into_the_next_day() -> None:
    night = policy(time(20), time(2))
    moment = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)  # 01:00 EST, inside yesterday's window
    assert next_open(night, Channel.SMS, NEW_YORK, moment) == moment
