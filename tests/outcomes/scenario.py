"""The acceptance scenario, as plain records: 1,000 customers, champion repays at 30% and
challenger at 20% inside the window, with known timestamps and repayments the window leaves out.

Each customer gets two steps, `d-1` and, a day later, `d0`:
- champion customers 0-149 repay 1-20 hours after `d-1` (credited to `d-1`); 150-179 repay
  80 hours after `d0` (outside the 72-hour window);
- challenger customers 500-549 repay 1-20 hours after `d-1`, 550-599 2-11 hours after `d0`;
  600-619 repay 73 hours after `d0` (outside), 620-624 an hour before their first reminder;
- challenger customers 990-999's `d0` was sent but never delivered.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
CUSTOMERS = 1_000
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Customer:
    number: int
    arm: str
    first_delivered: datetime
    second_delivered: datetime | None
    repaid_at: datetime | None
    amount: Decimal

    @property
    def loan_ref(self) -> str:
        return f"loan-{self.number:04d}"

    @property
    def customer_ref(self) -> str:
        return f"cust-{self.number:04d}"


def _repaid_at(number: int, first: datetime, second: datetime) -> datetime | None:
    if number < 150 or 500 <= number < 550:
        return first + timedelta(hours=1 + number % 20)
    if 550 <= number < 600:
        return second + timedelta(hours=2 + number % 10)
    if 150 <= number < 180:
        return second + timedelta(hours=80)
    if 600 <= number < 620:
        return second + timedelta(hours=73)
    if 620 <= number < 625:
        return first - timedelta(hours=1)
    return None


def customers() -> list[Customer]:
    people = []
    for number in range(CUSTOMERS):
        first = T0 + timedelta(minutes=number)
        second = first + DAY
        people.append(
            Customer(
                number=number,
                arm="champion" if number < 500 else "challenger",
                first_delivered=first,
                second_delivered=None if number >= 990 else second,
                repaid_at=_repaid_at(number, first, second),
                amount=Decimal("100.00") if number < 500 else Decimal("50.00"),
            )
        )
    return people


CREDITED_WAITS = {
    "champion": [timedelta(hours=1 + number % 20) for number in range(150)],
    "challenger": [timedelta(hours=1 + number % 20) for number in range(500, 550)]
    + [timedelta(hours=2 + number % 10) for number in range(550, 600)],
}
"""What each arm's repayers waited after the reminder credited, by construction."""


def reminder_id(number: int, step: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"scenario/{number}/{step}")
