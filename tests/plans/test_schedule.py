"""The schedule is pure: each step's local moment and UTC send_at, across DST changes."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.plans.conditions import facts_of
from app.plans.schedule import Skipped, schedule
from app.plans.schemas import Step

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def step(offset: str = "0d", at: str = "10:00", key: str = "s", **extra: object) -> Step:
    return Step.model_validate(
        {"key": key, "offset": offset, "at": at, "channels": ["sms"], "template": "t", **extra}
    )


@pytest.mark.parametrize(
    ("zone", "day", "at", "local", "utc"),
    [
        # spring forward: 02:00 -> 03:00; 02:30 does not exist and moves forward by the gap
        (BERLIN, date(2026, 3, 29), "02:30", "2026-03-29T03:30:00+02:00", "01:30"),
        (NEW_YORK, date(2026, 3, 8), "02:30", "2026-03-08T03:30:00-04:00", "07:30"),
        # fall back: 02:30 (Berlin) and 01:30 (New York) happen twice; the first one is taken
        (BERLIN, date(2026, 10, 25), "02:30", "2026-10-25T02:30:00+02:00", "00:30"),
        (NEW_YORK, date(2026, 11, 1), "01:30", "2026-11-01T01:30:00-04:00", "05:30"),
        # the same wall time keeps its local hour on either side of a change
        (BERLIN, date(2026, 3, 28), "10:00", "2026-03-28T10:00:00+01:00", "09:00"),
        (BERLIN, date(2026, 3, 30), "10:00", "2026-03-30T10:00:00+02:00", "08:00"),
        (NEW_YORK, date(2026, 11, 2), "10:00", "2026-11-02T10:00:00-05:00", "15:00"),
    ],
)
def test_a_steps_wall_time_resolves_on_dst_days(
    zone: ZoneInfo, day: date, at: str, local: str, utc: str
) -> None:
    [planned] = schedule([step(at=at)], due_date=day, zone=zone, now=LONG_AGO)
    assert planned.local.isoformat() == local
    assert planned.send_at.tzinfo is UTC
    assert planned.send_at.strftime("%H:%M") == utc
    assert planned.send_at == datetime.fromisoformat(local)
    assert planned.skipped is None


def test_steps_keep_their_local_time_across_the_change_between_them() -> None:
    steps = [step("-3d", "10:00", "d-3"), step("0d", "10:00", "d0"), step("+3d", "10:00", "d+3")]
    planned = schedule(steps, due_date=date(2026, 3, 29), zone=BERLIN, now=LONG_AGO)
    assert [p.local.strftime("%m-%d %H:%M %z") for p in planned] == [
        "03-26 10:00 +0100",
        "03-29 10:00 +0200",
        "04-01 10:00 +0200",
    ]
    assert [p.send_at.hour for p in planned] == [9, 8, 8]


def test_steps_already_past_are_skipped_not_sent_late() -> None:
    steps = [step("-3d", key="d-3"), step("0d", "09:00", key="d0"), step("+1d", key="d+1")]
    now = datetime(2026, 12, 10, 1, 5, tzinfo=UTC)  # 09:05 in Shanghai on the due date
    planned = schedule(steps, due_date=date(2026, 12, 10), zone=SHANGHAI, now=now)
    assert [p.skipped for p in planned] == [Skipped.PAST, Skipped.PAST, None]
    assert planned[2].send_at == datetime(2026, 12, 11, 2, 0, tzinfo=UTC)


def test_a_step_exactly_now_is_still_sent() -> None:
    now = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
    [planned] = schedule([step()], due_date=date(2026, 12, 10), zone=SHANGHAI, now=now)
    assert planned.skipped is None


def test_a_step_whose_conditions_fail_is_skipped_for_them() -> None:
    steps = [
        step(key="big", conditions={"amount_due": {"min": "100"}}),
        step(key="late", conditions={"days_past_due": {"min": 5}}),
        step(key="vip", conditions={"segment": ["vip"]}),
    ]
    facts = facts_of(
        due_date=date(2026, 12, 10),
        today=date(2026, 12, 1),
        amount_due=Decimal("99.99"),
        attributes={},
        segment="vip",
    )
    planned = schedule(steps, due_date=date(2026, 12, 10), zone=SHANGHAI, now=LONG_AGO, facts=facts)
    assert [p.skipped for p in planned] == [Skipped.CONDITIONS, Skipped.CONDITIONS, None]


ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "UTC"]


@given(
    zone=st.sampled_from(ZONES).map(ZoneInfo),
    day=st.dates(date(2020, 1, 1), date(2035, 12, 31)),
    offset=st.integers(-30, 30),
    minutes=st.integers(0, 24 * 60 - 1),
)
@example(zone=BERLIN, day=date(2026, 3, 30), offset=-1, minutes=150)  # 02:30 does not exist
@example(zone=ZoneInfo("Australia/Lord_Howe"), day=date(2026, 10, 4), offset=0, minutes=135)
@example(zone=NEW_YORK, day=date(2026, 11, 1), offset=0, minutes=90)  # 01:30 happens twice
def test_a_step_lands_at_its_wall_time_or_just_after_a_gap_never_before(
    zone: ZoneInfo, day: date, offset: int, minutes: int
) -> None:
    at = f"{minutes // 60:02d}:{minutes % 60:02d}"
    sign = "-" if offset < 0 else "+"
    [planned] = schedule([step(f"{sign}{abs(offset)}d", at)], due_date=day, zone=zone, now=LONG_AGO)
    wall = datetime.combine(day + timedelta(days=offset), time(minutes // 60, minutes % 60))
    shown = planned.local.replace(tzinfo=None)
    assert planned.send_at.astimezone(zone) == planned.local
    exists = wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall
    if exists:
        assert shown == wall
    else:  # skipped by the clocks: moved forward by the gap, at most an hour here
        assert wall < shown <= wall + timedelta(hours=1)
