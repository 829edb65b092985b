"""When a reminder leaves one of its channels for the next, and what its timeline says about it.

A channel is *spent* for a reminder after `NUDGE_DISPATCH_FALLBACK_AFTER` retryable failures
or once its open circuit refused it; a permanent error rules it out for good. A spent channel
moves to the end of the reminder's preference: the next channel goes through the gate first,
and the spent one is tried again only when the gate can use no other (opted out, say), so a
provider outage never turns into a dropped reminder. Nothing here ever adds a send: one round
makes at most one provider call per reminder, and a reminder whose call may have gone out
(`unknown`) or went out (`sent`) never comes back to the dispatcher by itself.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import among
from app.lifecycle.events import Skipped
from app.models.deliveries import DeliveryAttempt
from app.models.reasons import DispatchReason
from app.models.reminders import Reminder
from app.models.vocabulary import ErrorKind
from channels.base import Channel
from channels.registry import Registry

KNOWN = frozenset(channel.value for channel in Channel)
"""A stored channel name no build knows (a row written by hand) is served by nothing."""


@dataclass(frozen=True)
class ChannelRecord:
    """What a reminder's earlier attempts on one channel came to."""

    retryable: int = 0
    permanent: bool = False
    circuit_refused: bool = False

    def spent(self, after: int) -> bool:
        return self.circuit_refused or self.retryable >= after

    def plus(self, kind: ErrorKind | None, code: str | None) -> "ChannelRecord":
        """This record with one more failed attempt of that kind and code."""
        if kind == ErrorKind.PERMANENT:
            return replace(self, permanent=True)
        if kind == ErrorKind.RETRYABLE:
            return replace(
                self,
                retryable=self.retryable + 1,
                circuit_refused=self.circuit_refused or code == DispatchReason.CIRCUIT_OPEN,
            )
        return self


NONE = ChannelRecord()
History = Mapping[str, ChannelRecord]
"""A reminder's records by channel name; a channel never tried has none."""


def histories(session: Session, reminder_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, History]:
    """The failed attempts of these reminders, by reminder and channel, in one query."""
    rows = session.execute(
        sa.select(
            DeliveryAttempt.reminder_id,
            DeliveryAttempt.channel,
            DeliveryAttempt.error_kind,
            DeliveryAttempt.error_code,
        ).where(
            among(session, DeliveryAttempt.reminder_id, reminder_ids),
            DeliveryAttempt.error_kind.in_((ErrorKind.RETRYABLE, ErrorKind.PERMANENT)),
        )
    )
    found: dict[uuid.UUID, dict[str, ChannelRecord]] = {}
    for reminder_id, channel, kind, code in rows:
        records = found.setdefault(reminder_id, {})
        records[channel] = records.get(channel, NONE).plus(kind, code)
    return dict(found)


@dataclass(frozen=True)
class Fallback:
    """The fallback rules of one dispatcher: its threshold and the adapters it has."""

    after: int
    registry: Registry

    def serves(self, channel: str) -> bool:
        return channel in KNOWN and self.registry.serves(Channel(channel))

    def offer(self, usable: Sequence[Channel], history: History) -> list[Channel]:
        """The order the gate gets the channels: in the reminder's order, those neither spent
        nor behind an open circuit first, the others as a last resort."""

        def held_back(channel: Channel) -> bool:
            spent = history.get(channel, NONE).spent(self.after)
            return spent or self.registry.circuit_open(channel)

        return sorted(usable, key=held_back)

    def successors(self, channels: Sequence[str], history: History, *, leaving: str) -> list[str]:
        """The channels a reminder may move on to from `leaving`, best first: served here and
        not failed permanently, those not spent before those that are."""
        others = [
            c
            for c in channels
            if c != leaving and self.serves(c) and not history.get(c, NONE).permanent
        ]
        return sorted(others, key=lambda c: history.get(c, NONE).spent(self.after))

    def fresh(self, channel: str, history: History) -> bool:
        return not history.get(channel, NONE).spent(self.after)


@dataclass(frozen=True)
class Skip:
    """Why a channel was passed over in a round without a provider call."""

    reason: str
    """A DispatchReason, or the policy's reason for refusing the channel."""
    error: str | None = None


def skipped_events(
    reminder: Reminder,
    skips: Mapping[str, Skip],
    *,
    offered: Sequence[Channel],
    chosen: Channel | None,
) -> list[Skipped]:
    """A `skipped` event for each channel passed over: each one ahead of the channel it is
    sent on, in the reminder's order or in the order the gate was offered them this round,
    or every one when it is sent on none."""

    def passed_over(channel: str) -> bool:
        if chosen is None:
            return True
        if reminder.channels.index(channel) < reminder.channels.index(chosen):
            return True
        return channel in offered and offered.index(Channel(channel)) < offered.index(chosen)

    return [
        Skipped(
            reason=skip.reason,
            channel=channel,
            next_channel=None if chosen is None else str(chosen),
            error=skip.error,
        )
        for channel in reminder.channels
        if (skip := skips.get(channel)) is not None and passed_over(channel)
    ]
