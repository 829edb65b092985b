"""The contact policy as a pure function, driven by an injected moment and history."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.policy.evaluate import Contact, Decision, evaluate
from app.policy.presets import PRESETS
from app.policy.spec import Cap, Policy, Window
from channels.base import Channel

SHANGHAI, NEW_YORK = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")
DENVER, ND_CENTER = ZoneInfo("America/Denver"), ZoneInfo("America/North_Dakota/Center")


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone).astimezone(UTC)  # type: ignore[misc]


def decide(
    policy: Policy,
    at: datetime,
    *,
    channel: Channel = Channel.SMS,
    zones: tuple[ZoneInfo, ...] = (SHANGHAI,),
    history: list[Contact] | None = None,
    loan_ref: str = "loan-1",
) -> Decision:
    return evaluate(
        policy, channel=channel, zones=zones, now=at, history=history or [], loan_ref=loan_ref
    )


def calls(*moments: datetime, connected: bool = False, loan_ref: str = "loan-1") -> list[Contact]:
    return [Contact(at=m, channel="voice", loan_ref=loan_ref, connected=connected) for m in moments]


def test_quiet_hours_defer_to_0800_local_next_day_under_cn() -> None:
    decision = decide(PRESETS["cn"], local(SHANGHAI, 2026, 12, 2, 22, 30))
    assert decision == Decision(False, "QUIET_HOURS", local(SHANGHAI, 2026, 12, 3, 8, 0))


def test_daytime_contact_is_allowed_under_cn() -> None:
    assert decide(PRESETS["cn"], local(SHANGHAI, 2026, 12, 2, 10, 0)).allowed


def test_the_fourth_connected_call_of_a_day_is_deferred_under_cn() -> None:
    morning = [local(SHANGHAI, 2026, 12, 2, h, 0) for h in (9, 11, 13)]
    decision = decide(
        PRESETS["cn"],
        local(SHANGHAI, 2026, 12, 2, 15, 0),
        channel=Channel.VOICE,
        history=calls(*morning, connected=True),
    )
    assert decision.reason == "CAP_CONNECTED_CALLS"
    assert decision.next_allowed_at == local(SHANGHAI, 2026, 12, 3, 9, 0)


def test_unanswered_calls_do_not_use_up_the_cn_connected_call_cap() -> None:
    tries = [local(SHANGHAI, 2026, 12, 2, h, 0) for h in (9, 10, 11)]
    assert decide(
        PRESETS["cn"],
        local(SHANGHAI, 2026, 12, 2, 15, 0),
        channel=Channel.VOICE,
        history=calls(*tries),
    ).allowed


def test_the_seventh_call_attempt_of_a_day_is_deferred_under_cn() -> None:
    tries = [local(SHANGHAI, 2026, 12, 2, h, 0) for h in range(9, 15)]
    decision = decide(
        PRESETS["cn"],
        local(SHANGHAI, 2026, 12, 2, 16, 0),
        channel=Channel.VOICE,
        history=calls(*tries),
    )
    assert decision.reason == "CAP_CALL_ATTEMPTS"


def test_a_cn_public_holiday_is_blocked_until_the_next_working_day() -> None:
    national_day = local(SHANGHAI, 2026, 10, 1, 10, 0)
    decision = decide(PRESETS["cn"], national_day)
    assert decision.reason == "HOLIDAY"
    assert decision.next_allowed_at is not None
    reopened = decision.next_allowed_at.astimezone(SHANGHAI)
    assert reopened.date() > national_day.date()
    assert reopened.time() == time(8, 0)


def test_a_number_spanning_two_zones_gets_only_the_hours_both_allow() -> None:
    zones = (DENVER, ND_CENTER)  # +1 701: North Dakota
    early = local(DENVER, 2026, 12, 2, 7, 30)  # 08:30 in Central time
    assert decide(PRESETS["us-regf"], early, zones=zones).next_allowed_at == local(
        DENVER, 2026, 12, 2, 8, 0
    )
    late = local(ND_CENTER, 2026, 12, 2, 21, 30)  # 20:30 in Denver
    assert decide(PRESETS["us-regf"], late, zones=zones).next_allowed_at == local(
        DENVER, 2026, 12, 3, 8, 0
    )
    assert decide(PRESETS["us-regf"], local(DENVER, 2026, 12, 2, 12, 0), zones=zones).allowed


def test_new_york_spring_forward_day_opens_at_0800_daylight_time() -> None:
    night = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)  # 01:00 EST, before the clocks jump
    decision = decide(PRESETS["us-regf"], night, zones=(NEW_YORK,))
    assert decision.next_allowed_at == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # 08:00 EDT


def test_new_york_fall_back_day_closes_at_2100_standard_time() -> None:
    evening = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)  # 20:30 EST on Nov 1
    assert decide(PRESETS["us-regf"], evening, zones=(NEW_YORK,)).allowed
    after = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 21:00 EST
    assert decide(PRESETS["us-regf"], after, zones=(NEW_YORK,)).reason == "QUIET_HOURS"


def test_daily_and_weekly_caps_and_minimum_gap_under_default() -> None:
    policy, start = PRESETS["default"], local(SHANGHAI, 2026, 12, 7, 9, 0)  # a Monday
    sms = [Contact(at=start, channel="sms", loan_ref="loan-1")]
    gap = decide(policy, start + timedelta(hours=1), history=sms)
    assert (gap.reason, gap.next_allowed_at) == ("MIN_GAP", start + timedelta(hours=4))

    two = [*sms, Contact(at=start + timedelta(hours=4), channel="sms", loan_ref="loan-1")]
    day = decide(policy, start + timedelta(hours=9), history=two)
    assert (day.reason, day.next_allowed_at) == ("CAP_DAY", start + timedelta(days=1))

    week = [
        Contact(at=start + timedelta(days=d), channel="email", loan_ref="loan-1") for d in range(5)
    ]
    weekly = decide(policy, start + timedelta(days=5), history=week)
    assert (weekly.reason, weekly.next_allowed_at) == ("CAP_WEEK", start + timedelta(days=7))


def test_seven_call_attempts_in_seven_days_block_that_loan_only() -> None:
    start = local(NEW_YORK, 2026, 12, 1, 10, 0)
    tries = calls(*(start + timedelta(days=d) for d in range(7)), loan_ref="loan-a")
    at = start + timedelta(days=6, hours=2)
    blocked = decide(
        PRESETS["us-regf"],
        at,
        channel=Channel.VOICE,
        zones=(NEW_YORK,),
        history=tries,
        loan_ref="loan-a",
    )
    assert (blocked.reason, blocked.next_allowed_at) == ("CALL_7_IN_7", start + timedelta(days=7))
    assert decide(
        PRESETS["us-regf"],
        at,
        channel=Channel.VOICE,
        zones=(NEW_YORK,),
        history=tries,
        loan_ref="loan-b",
    ).allowed


def test_no_call_for_seven_days_after_a_conversation_but_sms_is_fine() -> None:
    talked = local(NEW_YORK, 2026, 12, 1, 10, 0)
    history = calls(talked, connected=True)
    two_days = talked + timedelta(days=2)
    voice = decide(
        PRESETS["us-regf"], two_days, channel=Channel.VOICE, zones=(NEW_YORK,), history=history
    )
    assert (voice.reason, voice.next_allowed_at) == (
        "RECENT_CONVERSATION",
        talked + timedelta(days=7),
    )
    assert decide(PRESETS["us-regf"], two_days, zones=(NEW_YORK,), history=history).allowed


def test_a_channel_window_replaces_the_any_window() -> None:
    policy = Policy(
        windows={
            "any": [Window(start=time(8), end=time(21))],
            Channel.VOICE: [Window(days="mon-fri", start=time(10), end=time(12))],
        }
    )
    at = local(SHANGHAI, 2026, 12, 5, 11, 0)  # a Saturday
    assert decide(policy, at).allowed
    assert decide(policy, at, channel=Channel.VOICE).next_allowed_at == local(
        SHANGHAI, 2026, 12, 7, 10, 0
    )


def test_a_cap_of_zero_never_allows_and_says_so() -> None:
    policy = Policy(caps=[Cap(channel=Channel.VOICE, max=0, window=timedelta(days=1))])
    decision = decide(policy, local(SHANGHAI, 2026, 12, 2, 10, 0), channel=Channel.VOICE)
    assert decision == Decision(False, "CAP_DAY", None)
