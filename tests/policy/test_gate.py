"""The gate on the real database: deferrals, opt-outs and expiry land on the timeline."""

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.lifecycle.changes import changes
from app.models.customers import Customer
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import Reminder
from app.models.tenants import Tenant as TenantRow
from app.policy.outcomes import apply_block
from app.policy.service import Candidate, Verdict, gate
from channels.base import Channel
from tests.conftest import Tenant
from tests.factories import customer, reminder

SHANGHAI_2230 = datetime(2026, 12, 2, 14, 30, tzinfo=UTC)  # 22:30 in Asia/Shanghai


def submit(tenant: Tenant, **fields: Any) -> uuid.UUID:
    response = tenant.client.post("/v1/reminders", json=reminder(**fields))
    assert response.status_code == 202, response.text
    return uuid.UUID(response.json()["id"])


def run_gate(db: Session, reminder_id: uuid.UUID, now: datetime, seed: int = 7) -> Verdict:
    db.rollback()
    row = db.get_one(Reminder, reminder_id)
    candidate = Candidate(
        reminder=row,
        customer=db.get_one(Customer, row.customer_id),
        tenant=db.get_one(TenantRow, row.tenant_id),
        channels=[Channel(c) for c in row.channels],
    )
    [verdict] = gate(db, candidates=[candidate], now=now, rng=random.Random(seed))
    if verdict.action != "send":
        with changes(db, now=now) as blocked:
            apply_block(blocked, reminder=row, verdict=verdict)
    db.commit()
    return verdict


def timeline(tenant: Tenant, reminder_id: uuid.UUID) -> dict[str, Any]:
    body: dict[str, Any] = tenant.client.get(f"/v1/reminders/{reminder_id}").json()
    return body


def test_reminder_due_at_2230_shanghai_under_cn_is_deferred_to_0800_plus_spread(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    clock.set(SHANGHAI_2230)
    reminder_id = submit(tenant)
    verdict = run_gate(db, reminder_id, SHANGHAI_2230)
    eight = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)  # 08:00 next day in Shanghai
    assert verdict.action == "defer"
    assert verdict.at is not None
    assert eight <= verdict.at < eight + timedelta(minutes=10)

    body = timeline(tenant, reminder_id)
    assert body["status"] == "deferred"
    assert body["next_attempt_at"] == verdict.at.isoformat().replace("+00:00", "Z")
    event = body["events"][-1]
    assert (event["kind"], event["reason"]) == ("deferred", "QUIET_HOURS")
    assert event["detail"]["policy"] == "cn"
    assert event["detail"]["next_attempt_local"].startswith("2026-12-03T08:0")
    assert event["detail"]["next_attempt_local"].endswith("+08:00")


def test_spread_scatters_deferred_reminders_over_the_spread_window(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    clock.set(SHANGHAI_2230)
    ids = [submit(tenant, customer=customer(ref=f"c-{i}")) for i in range(20)]
    moments = {
        run_gate(db, reminder_id, SHANGHAI_2230, seed=i).at for i, reminder_id in enumerate(ids)
    }
    assert len(moments) == 20


def test_an_opted_out_customer_is_suppressed_and_the_reason_recorded(
    tenant: Tenant, db: Session
) -> None:
    reminder_id = submit(tenant)
    tenant.client.post("/v1/opt-outs", json={"customer_ref": "cust-1", "channel": "all"})
    verdict = run_gate(db, reminder_id, datetime(2026, 12, 2, 3, 0, tzinfo=UTC))
    assert (verdict.action, verdict.reason) == ("suppress", "OPTED_OUT")
    body = timeline(tenant, reminder_id)
    assert body["status"] == "suppressed"
    assert (body["events"][-1]["kind"], body["events"][-1]["reason"]) == ("suppressed", "OPTED_OUT")


def test_an_sms_opt_out_falls_back_to_the_next_channel(tenant: Tenant, db: Session) -> None:
    reminder_id = submit(tenant, channels=["sms", "email"])
    tenant.client.post("/v1/opt-outs", json={"phone": "+8613812345678", "channel": "sms"})
    verdict = run_gate(db, reminder_id, datetime(2026, 12, 2, 3, 0, tzinfo=UTC))
    assert (verdict.action, verdict.channel) == ("send", Channel.EMAIL)


def test_a_phone_opt_out_covers_every_customer_with_that_number(
    tenant: Tenant, db: Session
) -> None:
    reminder_id = submit(tenant, customer=customer(ref="someone-else"), channels=["sms"])
    tenant.client.post("/v1/opt-outs", json={"phone": "+86 138 1234 5678", "channel": "sms"})
    assert run_gate(db, reminder_id, datetime(2026, 12, 2, 3, 0, tzinfo=UTC)).reason == (
        "OPTED_OUT"
    )


def test_a_reminder_that_expires_while_deferred_becomes_expired(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    clock.set(SHANGHAI_2230)
    reminder_id = submit(tenant, expires_at="2026-12-03T12:00:00+08:00")
    assert run_gate(db, reminder_id, SHANGHAI_2230).action == "defer"
    noon_next_day = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
    verdict = run_gate(db, reminder_id, noon_next_day)
    assert (verdict.action, verdict.reason) == ("expire", "EXPIRED")
    body = timeline(tenant, reminder_id)
    assert body["status"] == "expired"
    assert [e["kind"] for e in body["events"]] == ["accepted", "deferred", "expired"]


def test_a_deferral_past_expiry_expires_at_once(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    clock.set(SHANGHAI_2230)
    reminder_id = submit(tenant, expires_at="2026-12-02T23:30:00+08:00")
    assert run_gate(db, reminder_id, SHANGHAI_2230).action == "expire"
    assert timeline(tenant, reminder_id)["status"] == "expired"


def test_recorded_attempts_count_against_the_caps(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    morning = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
    clock.set(morning)
    reminder_id = submit(tenant, policy="default", channels=["sms"])
    row = db.get_one(Reminder, reminder_id)
    for hours in (0, 4):
        db.add(
            DeliveryAttempt(
                tenant_id=row.tenant_id,
                reminder_id=row.id,
                customer_id=row.customer_id,
                channel="sms",
                provider="console",
                status="sent",
                started_at=morning + timedelta(hours=hours),
            )
        )
    db.commit()
    verdict = run_gate(db, reminder_id, morning + timedelta(hours=9))
    assert (verdict.action, verdict.reason) == ("defer", "CAP_DAY")
