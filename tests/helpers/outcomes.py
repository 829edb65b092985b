"""Plans, enrolments, plan-made reminders, provider words and repayments written straight into
the database, as the enrolment and dispatch paths leave them: for the outcomes report's tests."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.models.customers import Customer
from app.models.enrollments import Enrollment, LoanEvent
from app.models.plans import PlanVersion
from app.models.reminders import Reminder, ReminderEvent
from tests.conftest import Tenant

STEPS = [
    {"key": "d-1", "offset": "-1d", "at": "10:00", "channels": ["sms"], "template": "pre-due"},
    {"key": "d0", "offset": "0d", "at": "10:00", "channels": ["sms"], "template": "due-today"},
]
EXPERIMENT = {
    "steps": STEPS,
    "variants": [{"name": "champion", "weight": 1}, {"name": "challenger", "weight": 1}],
    "attribution_hours": 72,
}


@dataclass
class Ledger:
    """Writes one tenant's plan outcomes, committed, in bulk."""

    db: Session
    tenant_id: uuid.UUID
    now: datetime
    rows: dict[type[Any], list[dict[str, Any]]] = field(default_factory=dict)

    def plan(self, key: str, body: dict[str, Any], version: int = 1) -> None:
        self._add(PlanVersion, key=key, version=version, description="", body=body)

    def enrol(
        self,
        loan_ref: str,
        *,
        plan: str,
        arm: str | None,
        segment: str | None = "low-risk",
        due_date: date = date(2026, 11, 2),
        timezone: str | None = None,
        enrolled_at: datetime | None = None,
        version: int = 1,
        steps: list[dict[str, Any]] | None = None,
    ) -> uuid.UUID:
        customer_id = self._add(
            Customer, ref=f"cust-{loan_ref}", timezone=timezone, updated_at=self.now
        )
        return self._add(
            Enrollment,
            loan_ref=loan_ref,
            customer_id=customer_id,
            segment=segment,
            segment_rule="named",
            plan_key=plan,
            plan_version=version,
            arm=arm,
            due_date=due_date,
            amount_due=Decimal("100.00"),
            currency="CNY",
            variables={},
            attributes={},
            steps=steps or [],
            status="active",
            created_at=enrolled_at or self.now,
            updated_at=enrolled_at or self.now,
        )

    def remind(
        self,
        enrollment_id: uuid.UUID,
        loan_ref: str,
        *,
        step: str,
        arm: str | None,
        send_at: datetime,
        sent: bool = True,
        delivered_at: datetime | None = None,
        channel: str = "sms",
        reminder_id: uuid.UUID | None = None,
        template: str = "pre-due",
    ) -> uuid.UUID:
        customer_id = next(
            row["customer_id"]
            for row in reversed(self.rows[Enrollment])
            if row["id"] == enrollment_id
        )
        reminder_id = self._add(
            Reminder,
            id=reminder_id or uuid.uuid4(),
            customer_id=customer_id,
            loan_ref=loan_ref,
            template=template,
            template_version=1,
            channels=[channel],
            variables={},
            policy=None,
            meta={},
            status="delivered" if delivered_at else "sent" if sent else "scheduled",
            send_at=send_at,
            expires_at=None,
            next_attempt_at=send_at,
            enrollment_id=enrollment_id,
            plan_step=step,
            arm=arm,
            step_variant=template,
            updated_at=send_at,
        )
        said = {"channel": channel, "provider": "twilio", "attempt_id": str(uuid.uuid4())}
        if sent:
            self._word(reminder_id, "sent", send_at + timedelta(seconds=1), said)
        if delivered_at is not None:
            self._word(reminder_id, "delivered", delivered_at, said)
        return reminder_id

    def repay(
        self, loan_ref: str, at: datetime, amount: Decimal | None, *, event_id: str | None = None
    ) -> None:
        self._add(
            LoanEvent,
            loan_ref=loan_ref,
            event_id=event_id or f"pay-{loan_ref}-{at.isoformat()}",
            type="repayment",
            occurred_at=at,
            amount=amount,
            currency="CNY" if amount is not None else None,
            full=True,
            detail={},
            outcome={},
        )

    def commit(self) -> None:
        for model in (PlanVersion, Customer, Enrollment, Reminder, ReminderEvent, LoanEvent):
            rows = self.rows.pop(model, [])
            for first in range(0, len(rows), 2000):
                self.db.execute(sa.insert(model), rows[first : first + 2000])
        self.db.commit()

    def _word(self, reminder_id: uuid.UUID, kind: str, at: datetime, detail: Any) -> None:
        self.rows.setdefault(ReminderEvent, []).append(
            {"tenant_id": self.tenant_id, "reminder_id": reminder_id, "kind": kind, "at": at}
            | {"reason": None, "detail": detail}
        )

    def _add(self, model: type[Any], **values: Any) -> uuid.UUID:
        row: dict[str, Any] = {
            "id": uuid.uuid4(),
            "tenant_id": self.tenant_id,
            "created_at": self.now,
        } | values
        self.rows.setdefault(model, []).append(row)
        identifier: uuid.UUID = row["id"]
        return identifier


SENT_AT = datetime(2026, 11, 20, 2, tzinfo=UTC)


def write_experiment(db: Session, clock: FrozenClock, tenant: Tenant) -> None:
    """Champion: 3 of 10 repay within a day of their reminder; challenger: 2 of 10."""
    ledger = Ledger(db=db, tenant_id=tenant.id, now=clock.now())
    ledger.plan("gentle", EXPERIMENT)
    for arm, repaying in (("champion", 3), ("challenger", 2)):
        for number in range(10):
            loan = f"{arm}-{number}"
            enrollment = ledger.enrol(loan, plan="gentle", arm=arm)
            ledger.remind(
                enrollment, loan, step="d-1", arm=arm, send_at=SENT_AT, delivered_at=SENT_AT
            )
            if number < repaying:
                ledger.repay(loan, SENT_AT + timedelta(hours=6), Decimal("100.00"))
    ledger.commit()


SPLIT_STEP = STEPS[0] | {
    "template": None,
    "templates": [{"template": "pre-due", "weight": 1}, {"template": "pre-due-b", "weight": 1}],
    "holdout": 0.2,
}


def write_step_experiment(db: Session, clock: FrozenClock, tenant: Tenant) -> None:
    """Step `d-1` of a plan without arms: `pre-due` 3 of 10 repay within a day, `pre-due-b`
    2 of 10, the 5 customers held out of the step 1 of 5."""
    ledger = Ledger(db=db, tenant_id=tenant.id, now=clock.now())
    ledger.plan("gentle", {"steps": [SPLIT_STEP]})
    held = {"key": "d-1", "send_at": SENT_AT.isoformat(), "local": "", "skipped": "holdout"}
    for template, customers, repaying in (("pre-due", 10, 3), ("pre-due-b", 10, 2), (None, 5, 1)):
        for number in range(customers):
            loan = f"{template or 'held'}-{number}"
            enrollment = ledger.enrol(
                loan, plan="gentle", arm=None, steps=[] if template else [held]
            )
            if template is not None:
                ledger.remind(
                    enrollment,
                    loan,
                    step="d-1",
                    arm=None,
                    send_at=SENT_AT,
                    delivered_at=SENT_AT,
                    template=template,
                )
            if number < repaying:
                ledger.repay(loan, SENT_AT + timedelta(hours=6), Decimal("100.00"))
    ledger.commit()


def outcomes(tenant: Tenant, **params: str) -> dict[str, Any]:
    """The outcomes report through the API, asserting it answered."""
    response = tenant.client.get("/v1/stats/outcomes", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
