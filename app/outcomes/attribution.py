"""Which reminder a repayment is credited to: pure, over plain records.

A repayment is credited to the last reminder of its loan that reached the borrower before it
(the last touch), when it came within that reminder's attribution window (the plan's
`attribution_hours`, 72 by default), the window's end included. An earlier reminder never gets
the credit: the latest message is the one the borrower acted on, and an earlier one's credit
would be counted twice across steps. A repayment outside the window, or before any reminder,
is credited to none.
"""

import uuid
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

DEFAULT_WINDOW = timedelta(hours=72)


@dataclass(frozen=True)
class Touch:
    """A moment a reminder reached (or, for the holdout, would have reached) a loan's borrower."""

    reminder_id: uuid.UUID
    loan_ref: str
    at: datetime
    window: timedelta = DEFAULT_WINDOW


@dataclass(frozen=True)
class Repayment:
    event_id: str
    loan_ref: str
    occurred_at: datetime
    amount: Decimal | None
    currency: str | None


@dataclass(frozen=True)
class Credit:
    reminder_id: uuid.UUID
    repayment: Repayment
    wait: timedelta
    """From the touch to the repayment."""


def attribute(touches: Iterable[Touch], repayments: Iterable[Repayment]) -> list[Credit]:
    """One credit per repayment that falls in the window of its loan's last earlier touch.

    Touches at the same moment are told apart by reminder id, so the answer never depends on
    the order records arrive in.
    """
    by_loan: dict[str, list[Touch]] = defaultdict(list)
    for touch in touches:
        by_loan[touch.loan_ref].append(touch)
    for loan_touches in by_loan.values():
        loan_touches.sort(key=lambda touch: (touch.at, touch.reminder_id))
    credits = []
    for repayment in repayments:
        loan_touches = by_loan.get(repayment.loan_ref, [])
        before = bisect_right(loan_touches, repayment.occurred_at, key=lambda touch: touch.at)
        if before == 0:
            continue
        last = loan_touches[before - 1]
        wait = repayment.occurred_at - last.at
        if wait <= last.window:
            credits.append(Credit(reminder_id=last.reminder_id, repayment=repayment, wait=wait))
    return credits
