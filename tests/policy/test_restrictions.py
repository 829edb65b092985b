"""A borrower's inconvenient times as pure intervals in their zone: which moments they hold,
and when they end, across midnight and daylight-saving changes."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from app.policy.restrictions import Inconvenient, Restrictions, inconvenient_until
from channels.base import Channel

NEW_YORK = ZoneInfo("America/New_York")
SUNDAY_NIGHTS = Inconvenient(frozenset({6}), time(22), time(7))


@pytest.mark.parametrize(
    ("moment", "ends"),
    [
        (datetime(2026, 11, 30, 3, 0, tzinfo=UTC), datetime(2026, 11, 30, 12, 0, tzinfo=UTC)),
        (datetime(2026, 11, 30, 11, 59, tzinfo=UTC), datetime(2026, 11, 30, 12, 0, tzinfo=UTC)),
        (datetime(2026, 11, 30, 12, 0, tzinfo=UTC), None),  # its end is open again
        (datetime(2026, 11, 30, 2, 59, tzinfo=UTC), None),  # Sunday 21:59
        (datetime(2026, 12, 1, 3, 0, tzinfo=UTC), None),  # Monday night is not named
    ],
)
def test_a_window_across_midnight_holds_until_its_local_end(
    moment: datetime, ends: datetime | None
) -> None:
    assert inconvenient_until([SUNDAY_NIGHTS], NEW_YORK, moment) == ends


def test_a_window_ending_inside_the_spring_forward_gap_never_ends_before_the_gap_does() -> None:
    # Sunday 8 March 2026: New York's clocks jump from 02:00 EST to 03:00 EDT
    early = Inconvenient(frozenset({6}), time(1), time(2, 30))
    until = inconvenient_until([early], NEW_YORK, datetime(2026, 3, 8, 6, 30, tzinfo=UTC))
    assert until is not None
    assert until >= datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT, the gap's end


def test_overlapping_windows_hold_until_the_latest_end() -> None:
    lunch = Inconvenient(frozenset({0}), time(12), time(14))
    meeting = Inconvenient(frozenset({0}), time(13), time(15))
    moment = datetime(2026, 11, 30, 18, 30, tzinfo=UTC)  # Monday 13:30 in New York
    assert inconvenient_until([lunch, meeting], NEW_YORK, moment) == datetime(
        2026, 11, 30, 20, 0, tzinfo=UTC
    )


def test_preferred_channels_come_first_and_the_rest_keep_the_reminders_order() -> None:
    stated = Restrictions(preferred=("email", "voice"))
    offered = [Channel.SMS, Channel.VOICE, Channel.WEBHOOK]
    assert stated.ordered(offered) == [Channel.VOICE, Channel.SMS, Channel.WEBHOOK]
