"""A visit request reaches the tenant's own system, signed with its own secret, within the
visit rules; the outcome comes back through a signed callback and is recorded once."""

import secrets
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.models.audit import AuditEntry
from app.models.visits import VisitOutcome
from tests.conftest import DispatcherFactory, Tenant, count
from tests.factories import customer
from tests.fakes.webhook_receiver import Reply, webhook_receiver
from tests.visits.conftest import VISIT_TEMPLATE, WINDOW, Lender, report, set_target, submit_visit

pytestmark = pytest.mark.anyio

PROMISE = {
    "outcome": "promise_to_pay",
    "visited_at": "2026-11-28T02:30:00Z",
    "promise": {"amount": "600.00", "currency": "CNY", "date": "2026-12-05"},
}


def detail(tenant: Tenant, reminder_id: str) -> dict[str, Any]:
    body: dict[str, Any] = tenant.client.get(f"/v1/reminders/{reminder_id}").json()
    return body


async def test_each_tenants_visit_reaches_its_own_url_signed_with_its_own_secret(
    lender: Lender, new_tenant: Any, make_dispatcher: DispatcherFactory
) -> None:
    other = new_tenant("other")
    other_secret = secrets.token_urlsafe(32)
    with webhook_receiver(other_secret.encode()) as other_receiver:
        set_target(other, other_receiver.url, other_secret)
        other.client.put("/v1/templates/field-visit", json=VISIT_TEMPLATE)
        mine = submit_visit(lender.tenant)
        theirs = submit_visit(other, customer=customer(ref="their-customer"))
        assert await make_dispatcher().run_once() == 2

    [delivery] = lender.receiver.received
    [their_delivery] = other_receiver.received
    assert delivery.signature_valid
    assert their_delivery.signature_valid
    assert (delivery.payload["reference"], their_delivery.payload["reference"]) == (mine, theirs)
    assert delivery.payload["to"] == "cust-1"
    assert delivery.payload["data"] == {"kind": "field_visit", "owed": "1234.50", "lender": "acme"}
    assert delivery.payload["task"] == {
        "type": "visit",
        "id": mine,
        "address": "上海市浦东新区世纪大道100号",
        "window": {
            "start": "2026-11-28T10:00:00+08:00",
            "end": "2026-11-28T12:00:00+08:00",
            "timezone": "Asia/Shanghai",
        },
        "outcome_path": f"/v1/webhooks/tasks/{mine}/outcome",
    }
    assert detail(lender.tenant, mine)["status"] == "sent"


async def test_a_signed_outcome_is_recorded_on_the_timeline_and_audit_chain_once(
    lender: Lender,
    make_dispatcher: DispatcherFactory,
    anonymous: Any,
    clock: FrozenClock,
    db: Session,
) -> None:
    task = submit_visit(lender.tenant)
    await make_dispatcher().run_once()

    first = report(anonymous, task, PROMISE, secret=lender.secret, clock=clock)
    assert first.status_code == 200, first.text
    assert first.json()["promise"] == PROMISE["promise"]
    again = report(anonymous, task, PROMISE, secret=lender.secret, clock=clock)
    assert again.json() == first.json()

    events = [e for e in detail(lender.tenant, task)["events"] if e["kind"] == "visit_outcome"]
    assert [(e["reason"], e["detail"]["promise"]["amount"]) for e in events] == [
        ("PROMISE_TO_PAY", "600.00")
    ]
    db.rollback()
    kinds = db.scalars(sa.select(AuditEntry.payload).where(AuditEntry.ref.is_not(None))).all()
    assert sum(1 for payload in kinds if payload.get("kind") == "visit_outcome") == 1
    assert lender.tenant.client.get("/v1/audit/verify").json()["intact"] is True

    changed = report(anonymous, task, {"outcome": "refused"}, secret=lender.secret, clock=clock)
    assert changed.status_code == 409
    assert count(db, VisitOutcome) == 1


@pytest.mark.parametrize(
    ("secret", "age_seconds", "status"),
    [
        ("someone-else-entirely-0123456789-abcdefgh", 0, 403),
        (None, 301, 401),
        (None, -301, 401),
    ],
)
async def test_a_bad_or_stale_signature_is_refused_and_changes_nothing(
    lender: Lender,
    make_dispatcher: DispatcherFactory,
    anonymous: Any,
    clock: FrozenClock,
    db: Session,
    secret: str | None,
    age_seconds: int,
    status: int,
) -> None:
    task = submit_visit(lender.tenant)
    await make_dispatcher().run_once()
    response = report(
        anonymous,
        task,
        {"outcome": "visited"},
        secret=secret or lender.secret,
        clock=clock,
        age_seconds=age_seconds,
    )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert count(db, VisitOutcome) == 0
    kinds = [e["kind"] for e in detail(lender.tenant, task)["events"]]
    assert "visit_outcome" not in kinds


async def test_another_tenants_secret_cannot_report_on_this_tenants_visit(
    lender: Lender,
    new_tenant: Any,
    make_dispatcher: DispatcherFactory,
    anonymous: Any,
    clock: FrozenClock,
    db: Session,
) -> None:
    other, other_secret = new_tenant("other"), secrets.token_urlsafe(32)
    set_target(other, "http://127.0.0.1:9/other", other_secret)
    task = submit_visit(lender.tenant)
    await make_dispatcher().run_once()
    response = report(anonymous, task, {"outcome": "visited"}, secret=other_secret, clock=clock)
    assert response.status_code == 403
    assert count(db, VisitOutcome) == 0


async def test_the_visit_cap_defers_a_second_visit_to_the_same_customer(
    lender: Lender, make_dispatcher: DispatcherFactory
) -> None:
    first = submit_visit(lender.tenant)
    second = submit_visit(
        lender.tenant,
        loan_ref="loan-2",
        variables={"visit_start": "2026-11-28T14:00", "visit_end": "2026-11-28T15:00"},
    )
    await make_dispatcher().run_once()
    [delivery] = lender.receiver.received
    sent = delivery.payload["reference"]
    assert sent in {first, second}
    later = detail(lender.tenant, second if sent == first else first)
    assert later["status"] == "deferred"
    assert later["events"][-1]["reason"] == "VISIT_CAP_DAY"


@pytest.mark.parametrize(
    ("window", "field", "words"),
    [
        (
            {"visit_start": "2026-11-28T20:00", "visit_end": "2026-11-28T21:00"},
            "visit_start",
            "outside the policy's visit hours",
        ),
        (
            {"visit_start": "2026-11-29T10:00", "visit_end": "2026-11-29T11:00"},
            "visit_start",
            "outside the policy's visit hours",
        ),  # a Sunday
        (
            {"visit_start": "2026-11-28T12:00", "visit_end": "2026-11-28T10:00"},
            "visit_end",
            "must be after visit_start",
        ),
        (
            {"visit_start": "2026-11-28T10:00+08:00", "visit_end": "2026-11-28T12:00"},
            "visit_start",
            "local date and time",
        ),
        (
            {"visit_start": "2026-11-27T08:00", "visit_end": "2026-11-27T09:00"},
            "visit_start",
            "not in the future",
        ),
    ],
)
def test_a_window_outside_the_visit_rules_is_refused_with_its_variable(
    lender: Lender, db: Session, window: dict[str, str], field: str, words: str
) -> None:
    from app.models.reminders import Reminder

    response = lender.tenant.client.post("/v1/reminders", json=visit_body(variables=window))
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == f"variables.{field}"
    assert words in error["detail"]
    assert count(db, Reminder) == 0


def visit_body(**overrides: Any) -> dict[str, Any]:
    from tests.visits.conftest import visit

    return visit(**overrides)


def test_the_window_is_read_in_the_customers_own_zone(lender: Lender) -> None:
    """10:00 in New York is 23:00 in Shanghai: allowed for a New York customer only."""
    new_yorker = customer(ref="ny", phone="+12125550123", timezone="America/New_York")
    body = visit_body(customer=new_yorker, policy="cn", variables=WINDOW)
    assert lender.tenant.client.post("/v1/reminders", json=body).status_code == 202


@pytest.mark.parametrize(("answer", "kind"), [(503, "retry"), (422, "failed")])
async def test_a_refused_visit_request_follows_the_webhook_rules(
    lender: Lender, make_dispatcher: DispatcherFactory, answer: int, kind: str
) -> None:
    lender.receiver.script.answer(Reply(status=answer))
    task = submit_visit(lender.tenant)
    await make_dispatcher().run_once()
    assert [d.signature_valid for d in lender.receiver.received] == [True]
    assert detail(lender.tenant, task)["events"][-1]["kind"] == kind
