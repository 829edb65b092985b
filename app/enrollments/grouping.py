"""Which reminder a loan's step joins when its plan merges a customer's loans. Pure: the
digest service (app/enrollments/digests.py) reads the pending reminders and writes the result.

A step joins a pending reminder of the same customer made by the same plan, with the same
template and channels (the same message on the same channels), in the same currency (one
total), listing fewer than the most loans a reminder may list, not carrying this loan already,
and whose loans' moments all stay within the plan's window with this one's. The reminder goes
out at the earliest of its loans' moments: no loan's step is ever sent later than planned, and
none more than the window earlier.

A step that may call (`voice` among its channels) is never merged: per-loan caps count a
reminder for the loan that owns it, and call caps are per debt (Regulation F counts each call
attempt against every debt it is about), so a call about several loans would go uncounted for
all but one.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.templates.variables import MAX_LOANS
from channels.base import Channel


@dataclass(frozen=True)
class Member:
    """One loan's step in a digest: its enrolment, step, own moment and `loans` entry."""

    enrollment_id: uuid.UUID
    step: str
    moment: datetime
    loan: dict[str, Any]


@dataclass(frozen=True)
class Kind:
    """What must match for two steps to share a message."""

    customer_id: uuid.UUID
    plan: str
    template: str
    channels: tuple[str, ...]
    currency: str


@dataclass
class Digest:
    """A reminder's loans: one pending already, or one about to be stored (`new`)."""

    kind: Kind
    members: list[Member]
    reminder_id: uuid.UUID
    new: bool
    joined: list[Member] = field(default_factory=list)
    """Members added by this placement (a stored reminder must be written again)."""

    @property
    def send_at(self) -> datetime:
        return min(member.moment for member in self.members)

    def loans(self) -> list[dict[str, Any]]:
        """The `loans` variable: earliest step first, then by loan."""
        return [member.loan for member in ordered(self.members)]

    def takes(self, kind: Kind, member: Member, window: timedelta) -> bool:
        moments = [m.moment for m in self.members] + [member.moment]
        return (
            self.kind == kind
            and len(self.members) < MAX_LOANS
            and all(m.enrollment_id != member.enrollment_id for m in self.members)
            and max(moments) - min(moments) <= window
        )


def ordered(members: list[Member]) -> list[Member]:
    return sorted(members, key=lambda m: (m.moment, m.loan["loan_ref"]))


def join(digests: list[Digest], kind: Kind, member: Member, window: timedelta) -> Digest | None:
    """Adds the step to the earliest-sent digest that takes it and returns that digest; None
    when none does (the step starts a digest of its own)."""
    if Channel.VOICE in kind.channels:
        return None
    fitting = [digest for digest in digests if digest.takes(kind, member, window)]
    if not fitting:
        return None
    chosen = min(fitting, key=lambda digest: digest.send_at)
    chosen.members.append(member)
    chosen.joined.append(member)
    return chosen


def without(digest: Digest, enrollment_id: uuid.UUID) -> list[Member]:
    """The members left once a loan leaves, earliest first: the first owns the reminder when
    its owner left (its moment is when the reminder now goes out)."""
    return ordered([member for member in digest.members if member.enrollment_id != enrollment_id])
