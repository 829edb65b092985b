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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.outcomes.attribution import Repayment, Touch
from app.outcomes.report import Exposure, build
from app.outcomes.schemas import Dimension, OutcomeGroup

CHAMPIONS = {"collections": "champion"}

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


def reminder_id_of(number: int, step: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"scenario/{number}/{step}")


@dataclass
class Records:
    exposures: list[Exposure] = field(default_factory=list)
    touches: list[Touch] = field(default_factory=list)
    repayments: list[Repayment] = field(default_factory=list)

    def report(
        self, group_by: list[Dimension], champions: dict[str, str] | None = None
    ) -> tuple[list[OutcomeGroup], OutcomeGroup]:
        return build(
            self.exposures,
            self.touches,
            self.repayments,
            group_by=group_by,
            champions=CHAMPIONS if champions is None else champions,
        )


def scenario_records(*, steps: tuple[str, ...] = ("d-1", "d0")) -> Records:
    """The scenario's reminders in `steps` reported; every delivered one touches its loan."""
    records = Records()
    for person in customers():
        enrollment = uuid.uuid5(uuid.NAMESPACE_URL, person.loan_ref)
        for step, delivered in (("d-1", person.first_delivered), ("d0", person.second_delivered)):
            reminder_id = reminder_id_of(person.number, step)
            if delivered is not None:
                records.touches.append(Touch(reminder_id, person.loan_ref, delivered))
            if step in steps:
                records.exposures.append(
                    Exposure(
                        reminder_id=reminder_id,
                        enrollment_id=enrollment,
                        plan="collections",
                        step=step,
                        arm=person.arm,
                        channel="sms",
                        segment="low-risk",
                        sent=True,
                        delivered=delivered is not None,
                    )
                )
        if person.repaid_at is not None:
            records.repayments.append(
                Repayment(
                    event_id=f"pay-{person.number}",
                    loan_ref=person.loan_ref,
                    occurred_at=person.repaid_at,
                    amount=person.amount,
                    currency="CNY",
                )
            )
    return records
