"""Whatever reminders arrive and however time moves, no cap or window is ever broken."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from app.policy.evaluate import Contact, evaluate
from app.policy.presets import PRESETS
from app.policy.spec import Policy
from app.policy.windows import next_open
from channels.base import Channel

ZONES = {
    "cn": (ZoneInfo("Asia/Shanghai"),),
    "us-regf": (ZoneInfo("America/Denver"), ZoneInfo("America/North_Dakota/Center")),
    "default": (ZoneInfo("America/New_York"),),
}
START = datetime(2026, 3, 1, tzinfo=UTC)  # spans the spring-forward change in the US

steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=8 * 60),  # minutes the clock advances
        st.sampled_from(list(Channel)[:3]),  # sms, voice, email
        st.sampled_from(["loan-a", "loan-b"]),
        st.booleans(),  # whether a call, if placed, is answered
    ),
    min_size=1,
    max_size=120,
)


def assert_never_over(policy: Policy, zones: tuple[ZoneInfo, ...], sent: list[Contact]) -> None:
    for contact in sent:
        channel = Channel(contact.channel)
        for zone in zones:
            assert next_open(policy, channel, zone, contact.at) == contact.at, "outside window"
        for cap in policy.caps:
            inside = [
                c
                for c in sent
                if contact.at - cap.window < c.at <= contact.at
                and cap.channel in ("any", c.channel)
                and (cap.per == "customer" or c.loan_ref == contact.loan_ref)
                and (cap.count == "attempts" or c.connected)
            ]
            assert len(inside) <= cap.max, f"{cap} broken at {contact.at}"
        if policy.min_gap:
            earlier = [c.at for c in sent if c.at < contact.at]
            assert not earlier or contact.at - max(earlier) >= policy.min_gap


@settings(max_examples=80, deadline=None)
@given(preset=st.sampled_from(sorted(ZONES)), script=steps)
def test_random_submissions_and_clock_moves_never_break_caps_or_windows(
    preset: str, script: list[tuple[int, Channel, str, bool]]
) -> None:
    policy, zones = PRESETS[preset], ZONES[preset]
    now, sent, waiting = START, [], []  # waiting: reminders deferred to a later moment
    for minutes, channel, loan_ref, answered in script:
        now += timedelta(minutes=minutes)
        waiting.append((now, channel, loan_ref, answered))
        still_waiting = []
        for due, ch, loan, answer in waiting:
            if due > now:
                still_waiting.append((due, ch, loan, answer))
                continue
            decision = evaluate(
                policy, channel=ch, zones=zones, now=now, history=sent, loan_ref=loan
            )
            if decision.allowed:
                sent.append(
                    Contact(
                        at=now, channel=ch, loan_ref=loan, connected=ch is Channel.VOICE and answer
                    )
                )
            elif decision.next_allowed_at is not None:
                assert decision.next_allowed_at > now
                still_waiting.append((decision.next_allowed_at, ch, loan, answer))
        waiting = still_waiting
    assert_never_over(policy, zones, sent)
