"""A hardship request: every enrolled loan of the customer pauses as a `hardship` loan event
does, the lender's webhook receives a signed notice after the request commits (retried when it
fails), and the request is on the customer's timeline and audit chain."""

import hashlib
import hmac
import json
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.clock import FrozenClock
from app.errors import NotFound, ValidationFailed
from app.models.preferences import LenderNotice
from app.preferences import service
from app.preferences.schemas import Hardship
from tests.conftest import DispatcherFactory, Tenant
from tests.fakes.webhook_receiver import Reply, WebhookReceiver
from tests.helpers.audit import link
from tests.helpers.borrower import ask_for_help, notices
from tests.helpers.enrollments import enrol, put_plan

pytestmark = pytest.mark.anyio


def ask_for_help_in_words(db: Session, tenant: Tenant, clock: FrozenClock) -> Hardship:
    return ask_for_help(
        db,
        tenant,
        clock,
        note="Lost my job, call 13812345678",
        callback="weekday mornings",
    )


async def test_hardship_pauses_every_loan_and_the_lender_receives_it_signed(
    db: Session,
    tenant: Tenant,
    receiver: WebhookReceiver,
    make_dispatcher: DispatcherFactory,
    clock: FrozenClock,
    engine: sa.Engine,
) -> None:
    put_plan(tenant)
    enrol(tenant, loan_ref="loan-1")
    enrol(tenant, loan_ref="loan-2")
    answer = ask_for_help_in_words(db, tenant, clock)
    assert receiver.received == []  # nothing leaves before the request commits
    db.commit()
    assert (answer.paused, answer.lender_notified) == (2, True)

    for loan_ref in ("loan-1", "loan-2"):
        loan = tenant.client.get(f"/v1/enrollments/{loan_ref}").json()
        assert (loan["status"], loan["pause_reason"]) == ("paused", "hardship")
        assert all(
            step["reminder"] is None or step["reminder"]["status"] == "cancelled"
            for step in loan["steps"]
        )

    assert await notices(make_dispatcher, clock).run_once() == 1
    [delivery] = receiver.received
    assert delivery.signature_valid
    # verified again as a lender would, from the documented recipe
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    signed = f"{delivery.headers['nudge-timestamp']}.".encode() + body
    expected = "v1=" + hmac.new(receiver.secret, signed, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, delivery.headers["nudge-signature"])
    notice = delivery.payload["notice"]
    assert notice | {"requested_at": None} == {
        "type": "hardship",
        "customer_ref": "cust-1",
        "source": "borrower",
        "reason": "job_loss",
        "note": "Lost my job, call 13812345678",
        "callback": "weekday mornings",
        "paused_loans": ["loan-1", "loan-2"],
        "requested_at": None,
    }
    db.rollback()
    [row] = db.scalars(sa.select(LenderNotice)).all()
    assert delivery.headers["idempotency-key"] == str(row.id)
    assert (row.delivered_at, row.next_attempt_at, row.attempts) == (clock.now(), None, 1)

    link(engine)
    assert audit.verify(db, tenant_id=tenant.id).broken is None


async def test_a_refused_notice_is_retried_after_the_backoff_until_it_is_delivered(
    db: Session,
    tenant: Tenant,
    receiver: WebhookReceiver,
    make_dispatcher: DispatcherFactory,
    clock: FrozenClock,
) -> None:
    put_plan(tenant)
    enrol(tenant)
    ask_for_help(db, tenant, clock)
    db.commit()
    receiver.script.answer(Reply(status=503))
    sender = notices(make_dispatcher, clock)
    assert await sender.run_once() == 1
    assert await sender.run_once() == 0  # not due again before its backoff
    db.rollback()
    [row] = db.scalars(sa.select(LenderNotice)).all()
    assert (row.delivered_at, row.attempts) == (None, 1)
    assert "503" in (row.last_error or "")
    assert row.next_attempt_at is not None
    clock.set(row.next_attempt_at + timedelta(seconds=1))
    assert await sender.run_once() == 1
    assert [d.signature_valid for d in receiver.received] == [True, True]
    db.rollback()
    db.refresh(row)
    assert row.delivered_at is not None


async def test_a_request_rolled_back_sends_nothing(
    db: Session,
    tenant: Tenant,
    receiver: WebhookReceiver,
    make_dispatcher: DispatcherFactory,
    clock: FrozenClock,
) -> None:
    put_plan(tenant)
    enrol(tenant)
    ask_for_help(db, tenant, clock)
    db.rollback()
    assert await notices(make_dispatcher, clock).run_once() == 0
    assert receiver.received == []
    assert tenant.client.get("/v1/enrollments/loan-1").json()["status"] == "active"


async def test_without_a_webhook_target_the_plan_still_pauses_and_the_answer_says_so(
    db: Session, tenant: Tenant, clock: FrozenClock
) -> None:
    put_plan(tenant)
    enrol(tenant)
    answer = ask_for_help(db, tenant, clock)
    db.commit()
    assert (answer.paused, answer.lender_notified) == (1, False)
    assert tenant.client.get("/v1/enrollments/loan-1").json()["status"] == "paused"


def test_an_unknown_customer_is_not_found(db: Session, tenant: Tenant, clock: FrozenClock) -> None:
    with pytest.raises(NotFound):
        service.request_hardship(
            db,
            tenant_id=tenant.id,
            customer_id=uuid.uuid4(),
            reason="illness",
            note=None,
            callback=None,
            now=clock.now(),
        )


def test_a_reason_off_the_list_is_refused_at_its_field_and_pauses_nothing(
    db: Session, tenant: Tenant, clock: FrozenClock
) -> None:
    put_plan(tenant)
    enrol(tenant)
    with pytest.raises(ValidationFailed) as refused:
        ask_for_help(db, tenant, clock, reason="bored")
    assert [error.field for error in refused.value.errors] == ["reason"]
    db.rollback()
    assert tenant.client.get("/v1/enrollments/loan-1").json()["status"] == "active"
