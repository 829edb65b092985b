"""Delivery tests: delivery-log rows bulk-inserted straight into the database for volume."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.models.customers import Customer
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import Reminder
from app.models.states import ReminderStatus

PHONE = "+8613812345678"
EMAIL = "wang.fang@example.com"
BODY = f"Wang Fang, 1,234.50 is due on 2026-12-01. Questions: {EMAIL} or {PHONE}."


@dataclass
class Log:
    """Writes a tenant's delivery log straight into the database, committed."""

    db: Session
    tenant_id: uuid.UUID
    now: datetime

    def customer(self, ref: str = "cust-1", **fields: Any) -> uuid.UUID:
        customer_id = uuid.uuid4()
        values = {"phone": PHONE, "email": EMAIL} | fields
        self.db.execute(
            sa.insert(Customer),
            [
                {
                    "id": customer_id,
                    "tenant_id": self.tenant_id,
                    "ref": ref,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
                | values
            ],
        )
        self.db.commit()
        return customer_id

    def reminder(
        self,
        customer_id: uuid.UUID,
        *,
        loan_ref: str = "loan-1",
        template: str = "pre-due",
        status: ReminderStatus = ReminderStatus.SENT,
        at: datetime | None = None,
    ) -> uuid.UUID:
        reminder_id, at = uuid.uuid4(), at or self.now
        self.db.execute(
            sa.insert(Reminder),
            [
                {
                    "id": reminder_id,
                    "tenant_id": self.tenant_id,
                    "customer_id": customer_id,
                    "loan_ref": loan_ref,
                    "template": template,
                    "template_version": 1,
                    "channels": ["sms", "email"],
                    "variables": {},
                    "policy": None,
                    "meta": {},
                    "status": status,
                    "send_at": at,
                    "expires_at": None,
                    "next_attempt_at": at,
                    "created_at": at,
                    "updated_at": at,
                }
            ],
        )
        self.db.commit()
        return reminder_id

    def attempts(
        self,
        reminder_id: uuid.UUID,
        customer_id: uuid.UUID,
        count: int = 1,
        *,
        start: datetime | None = None,
        step: timedelta = timedelta(seconds=1),
        **fields: Any,
    ) -> list[uuid.UUID]:
        """`count` attempts, `step` apart from `start` (oldest first), in batches."""
        start = start or self.now
        ids = [uuid.uuid4() for _ in range(count)]
        for first in range(0, count, 5000):
            self.db.execute(
                sa.insert(DeliveryAttempt),
                [
                    {
                        "id": ids[n],
                        "tenant_id": self.tenant_id,
                        "reminder_id": reminder_id,
                        "customer_id": customer_id,
                        "channel": "sms",
                        "provider": "twilio_sms",
                        "worker": "worker-1",
                        "provider_message_id": f"SM{n:032d}",
                        "status": "delivered",
                        "provider_status": "delivered",
                        "recipient": PHONE,
                        "body": BODY,
                        "started_at": start + step * n,
                        "finished_at": start + step * n + timedelta(milliseconds=120),
                        "latency_ms": 120,
                    }
                    | fields
                    for n in range(first, min(first + 5000, count))
                ],
            )
        self.db.commit()
        return ids

    def one(self, customer_ref: str = "cust-1", **fields: Any) -> uuid.UUID:
        """A customer with one reminder and one attempt; returns the attempt's id."""
        customer_id = self.customer(customer_ref)
        reminder_id = self.reminder(customer_id)
        [attempt_id] = self.attempts(reminder_id, customer_id, **fields)
        return attempt_id


@pytest.fixture
def log_for(db: Session, clock: FrozenClock) -> Any:
    def make(tenant_id: uuid.UUID) -> Log:
        return Log(db=db, tenant_id=tenant_id, now=clock.now())

    return make
