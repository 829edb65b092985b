"""The contact policy as a pure function: may this customer be contacted now, and if not, when?

No I/O here: the caller passes the policy, the customer's zones, the clock's now and the
customer's recent contacts, so the rules are tested (and property-tested) without a database.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from app.models.reasons import PolicyReason
from app.policy.restrictions import Inconvenient, inconvenient_until
from app.policy.spec import Cap, Policy
from app.policy.windows import is_holiday, next_open
from channels.base import Channel

MAX_STEPS = 1000
"""Each step moves the candidate time forward past one rule; this many means no moment works."""


@dataclass(frozen=True)
class Contact:
    """One earlier attempt to reach the customer."""

    at: datetime
    channel: str
    loan_ref: str
    connected: bool = False
    """An answered call: a conversation."""
    visit: bool = False
    """A request for an in-person visit (app/visits/), counted by the visit caps only."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str | None
    """Why not now (the first rule that blocked), e.g. `QUIET_HOURS`; None when allowed."""
    next_allowed_at: datetime | None
    """UTC; None when allowed now, or when no moment within the horizon is allowed."""


def evaluate(
    policy: Policy,
    *,
    channel: Channel,
    zones: Sequence[ZoneInfo],
    now: datetime,
    history: Sequence[Contact],
    loan_ref: str | None,
    inconvenient: Sequence[Inconvenient] = (),
) -> Decision:
    """Walks forward from `now` past every rule until one moment satisfies them all.

    `loan_ref` None: the loan is not known, so per-loan caps count every loan's contacts.
    `inconvenient`: the times the customer named, blocked like quiet hours in their zones."""
    moment, first_reason = now, None
    for _ in range(MAX_STEPS):
        blocked = _first_block(policy, channel, zones, moment, history, loan_ref, inconvenient)
        if blocked is None:
            if moment == now:
                return Decision(allowed=True, reason=None, next_allowed_at=None)
            return Decision(allowed=False, reason=first_reason, next_allowed_at=moment)
        reason, later = blocked
        first_reason = first_reason or reason
        if later is None:
            break
        moment = later
    return Decision(allowed=False, reason=first_reason, next_allowed_at=None)


def _first_block(
    policy: Policy,
    channel: Channel,
    zones: Sequence[ZoneInfo],
    moment: datetime,
    history: Sequence[Contact],
    loan_ref: str | None,
    inconvenient: Sequence[Inconvenient],
) -> tuple[str, datetime | None] | None:
    """The first rule `moment` breaks, and the earliest moment that rule alone would allow."""
    for zone in zones:
        opens = next_open(policy, channel, zone, moment)
        if opens != moment:
            local_day = moment.astimezone(zone).date()
            return (
                PolicyReason.HOLIDAY if is_holiday(policy, local_day) else PolicyReason.QUIET_HOURS
            ), opens
        until = inconvenient_until(inconvenient, zone, moment)
        if until is not None:
            return PolicyReason.BORROWER_RESTRICTED, until
    if channel is Channel.VOICE and policy.after_conversation is not None:
        talks = [c.at for c in history if c.channel == Channel.VOICE and c.connected]
        if talks and moment < max(talks) + policy.after_conversation:
            return PolicyReason.RECENT_CONVERSATION, max(talks) + policy.after_conversation
    if policy.min_gap is not None and history:
        last = max(c.at for c in history)
        if moment < last + policy.min_gap:
            return PolicyReason.MIN_GAP, last + policy.min_gap
    for cap in policy.caps:
        if cap.channel in ("any", channel):
            freed = _cap_frees_at(cap, moment, history, loan_ref)
            if freed != moment:
                return cap.reason_code, freed
    return None


def _cap_frees_at(
    cap: Cap, moment: datetime, history: Sequence[Contact], loan_ref: str | None
) -> datetime | None:
    """`moment` if the cap has room then, else when enough contacts leave its rolling window."""
    counted = sorted(
        c.at
        for c in history
        if (cap.channel == "any" or c.channel == cap.channel)
        and (cap.per == "customer" or loan_ref is None or c.loan_ref == loan_ref)
        and (cap.count == "attempts" or c.connected)
        and moment - cap.window < c.at <= moment
    )
    excess = len(counted) - cap.max
    if excess < 0:
        return moment
    if cap.max == 0:
        return None
    return counted[excess] + cap.window
