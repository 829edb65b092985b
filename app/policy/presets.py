"""Built-in policies for jurisdictions, each traceable to its source (see docs/policy.md)."""

from datetime import time, timedelta

from app.models.reasons import PolicyReason
from app.policy.spec import Cap, Holidays, Policy, Window
from channels.base import Channel

DAY, WEEK = timedelta(days=1), timedelta(days=7)
SPREAD = timedelta(minutes=10)

PRESETS: dict[str, Policy] = {
    "cn": Policy(
        description=(
            "China: no contact 22:00-08:00 local and at most 3 connected calls a day per debtor "
            "(NIFA post-loan collection guideline, 2024; national standard on post-loan "
            "collection for online consumer credit, 2025); at most 6 outgoing call attempts a "
            "day to one number (China Banking Association collection guideline); no reminders "
            "in the State Council's public holiday periods, weekends inside them included."
        ),
        windows={"any": [Window(start=time(8), end=time(22))]},
        holidays=Holidays(country="CN", whole_periods=True),
        caps=[
            Cap(
                channel=Channel.VOICE,
                max=3,
                window=DAY,
                count="connected",
                reason=PolicyReason.CAP_CONNECTED_CALLS,
            ),
            Cap(channel=Channel.VOICE, max=6, window=DAY, reason=PolicyReason.CAP_CALL_ATTEMPTS),
        ],
        spread=SPREAD,
    ),
    "us-regf": Policy(
        description=(
            "United States, Regulation F (12 CFR 1006): 08:00-21:00 local (1006.6(b)(1)(i)); "
            "at most 7 call attempts in 7 days per debt and none for 7 days after a telephone "
            "conversation about it (1006.14(b)(2)); opt-out notice in SMS and email "
            "(1006.6(e))."
        ),
        windows={"any": [Window(start=time(8), end=time(21))]},
        caps=[
            Cap(
                channel=Channel.VOICE,
                max=7,
                window=WEEK,
                per="loan",
                reason=PolicyReason.CALL_7_IN_7,
            )
        ],
        after_conversation=WEEK,
        spread=SPREAD,
    ),
    "in-rbi": Policy(
        description=(
            "India: contact only 08:00-19:00 local (RBI Master Circular on outsourcing of "
            "financial services / Fair Practices Code for recovery agents)."
        ),
        windows={"any": [Window(start=time(8), end=time(19))]},
        spread=SPREAD,
    ),
    "default": Policy(
        description=(
            "The strictest sensible mix when nothing else applies: 09:00-19:00 local (inside "
            "every preset above), calls 10:00-18:00 on weekdays and Saturdays, at most 2 "
            "contacts a day and 5 a week, 1 call a day, 7 call attempts a week per loan, none "
            "for 7 days after a conversation, 4 hours between contacts."
        ),
        windows={
            "any": [Window(start=time(9), end=time(19))],
            Channel.VOICE: [Window(days="mon-sat", start=time(10), end=time(18))],
        },
        caps=[
            Cap(max=2, window=DAY),
            Cap(max=5, window=WEEK),
            Cap(channel=Channel.VOICE, max=1, window=DAY, reason=PolicyReason.CAP_CALLS_DAY),
            Cap(
                channel=Channel.VOICE,
                max=7,
                window=WEEK,
                per="loan",
                reason=PolicyReason.CALL_7_IN_7,
            ),
        ],
        min_gap=timedelta(hours=4),
        after_conversation=WEEK,
        spread=SPREAD,
    ),
}
