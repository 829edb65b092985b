"""Reminders that cannot be sent, written straight into the database: submission may refuse
them one day (it should), but rows like these can still reach the dispatcher (written before
a check existed, by hand, by a migration), and it must fail them alone."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.policy import PolicyRecord
from app.models.reminders import Reminder
from app.models.templates import TemplateVersion
from app.templates.starters import STARTERS
from tests.conftest import Tenant
from tests.factories import customer, reminder

DIVIDES_BY_ZERO = "{% if n > 5 %}{{ 1 // 0 }}{% endif %}您的还款即将到期。"
"""Passes a dry run with a small `n`, raises ZeroDivisionError for n > 5."""


def submit(tenant: Tenant, **fields: Any) -> uuid.UUID:
    response = tenant.client.post("/v1/reminders", json=reminder(**fields))
    assert response.status_code == 202, response.text
    return uuid.UUID(response.json()["id"])


def rewrite(db: Session, reminder_id: uuid.UUID, **values: Any) -> uuid.UUID:
    db.execute(sa.update(Reminder).where(Reminder.id == reminder_id).values(**values))
    db.commit()
    return reminder_id


def webhook_without_variant(db: Session, tenant: Tenant, now: datetime) -> uuid.UUID:
    """A template with an SMS variant only, asked for a webhook: rendering one raises
    ValidationFailed."""
    starter = STARTERS["pre-due"].model_dump(mode="json")
    db.add(
        TemplateVersion(
            tenant_id=tenant.id,
            key="sms-only",
            version=1,
            description="no webhook variant",
            variables=starter["variables"],
            variants=[v for v in starter["variants"] if v["channel"] == "sms"],
            created_at=now,
        )
    )
    db.commit()
    reminder_id = submit(tenant, customer=customer(ref="poison"), channels=["sms"])
    return rewrite(db, reminder_id, template="sms-only", template_version=1, channels=["webhook"])


def template_dividing_by_zero(db: Session, tenant: Tenant, now: datetime) -> uuid.UUID:
    """A saved template that raises ZeroDivisionError for the reminder's value of `n`."""
    db.add(
        TemplateVersion(
            tenant_id=tenant.id,
            key="countdown",
            version=1,
            description="raises for n > 5",
            variables={"n": {"type": "int", "required": True}},
            variants=[{"channel": "sms", "locale": "zh-CN", "body": DIVIDES_BY_ZERO}],
            created_at=now,
        )
    )
    db.commit()
    reminder_id = submit(tenant, customer=customer(ref="poison"), channels=["sms"])
    return rewrite(db, reminder_id, template="countdown", template_version=1, variables={"n": 6})


def policy_that_no_longer_parses(db: Session, tenant: Tenant, now: datetime) -> str:
    """A stored policy the gate cannot read: it raises outside any per-item handling."""
    db.add(
        PolicyRecord(
            tenant_id=tenant.id,
            name="broken",
            spec={"caps": "many"},
            created_at=now,
            updated_at=now,
        )
    )
    db.commit()
    return "broken"
