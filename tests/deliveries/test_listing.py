"""The delivery log over HTTP: filters, stable paging, one delivery, tenancy and scopes."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.auth import Scope
from app.clock import FrozenClock
from app.models.deliveries import DeliveryAttempt
from tests.conftest import DispatcherFactory, Tenant
from tests.deliveries.conftest import EMAIL, PHONE, Log
from tests.factories import reminder
from tests.fakes.twilio_server import FakeTwilio, Reply


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def three(tenant: Tenant, log_for: Any) -> dict[str, str]:
    """Three attempts differing in every filtered field, an hour apart."""
    log: Log = log_for(tenant.id)
    now = log.now
    first, second = log.customer("cust-1"), log.customer("cust-2")
    sms = log.attempts(
        log.reminder(first, loan_ref="loan-1"), first, start=now - timedelta(hours=3)
    )[0]
    email_reminder = log.reminder(second, loan_ref="loan-2", template="overdue")
    email = log.attempts(
        email_reminder,
        second,
        start=now - timedelta(hours=2),
        channel="email",
        provider="smtp",
        status="failed",
        provider_status=None,
        error_kind="permanent",
        error_code="550",
        recipient=EMAIL,
        locale="zh-Hant",
    )[0]
    voice = log.attempts(
        log.reminder(first, loan_ref="loan-3"),
        first,
        start=now - timedelta(hours=1),
        channel="voice",
        provider="twilio_voice",
        status="no_answer",
        provider_status="no-answer",
    )[0]
    return {
        "sms": str(sms),
        "email": str(email),
        "voice": str(voice),
        "email_reminder": str(email_reminder),
    }


FILTERS: list[tuple[dict[str, str], list[str]]] = [
    ({}, ["voice", "email", "sms"]),
    ({"customer_ref": "cust-1"}, ["voice", "sms"]),
    ({"loan_ref": "loan-2"}, ["email"]),
    ({"channel": "voice"}, ["voice"]),
    ({"provider": "twilio_sms"}, ["sms"]),
    ({"status": "failed"}, ["email"]),
    ({"error_code": "550"}, ["email"]),
    ({"since": "2026-11-27T07:00:00+00:00"}, ["voice", "email"]),
    ({"until": "2026-11-27T16:00:00+08:00"}, ["email", "sms"]),
    ({"since": "2026-11-27T07:00:00Z", "until": "2026-11-27T08:00:00Z"}, ["email"]),
    ({"customer_ref": "cust-1", "channel": "sms"}, ["sms"]),
    ({"customer_ref": "nobody"}, []),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS)
def test_each_filter_narrows_the_log_newest_first(
    tenant: Tenant, three: dict[str, str], query: dict[str, str], expected: list[str]
) -> None:
    assert ids(tenant.client.get("/v1/deliveries", params=query)) == [three[e] for e in expected]


def test_the_reminder_filter_lists_only_that_reminders_attempts(
    tenant: Tenant, three: dict[str, str]
) -> None:
    query = {"reminder_id": three["email_reminder"]}
    assert ids(tenant.client.get("/v1/deliveries", params=query)) == [three["email"]]


def test_an_item_carries_the_whole_story_of_the_attempt(
    tenant: Tenant, three: dict[str, str]
) -> None:
    response = tenant.client.get(f"/v1/deliveries/{three['email']}")
    assert response.status_code == 200, response.text
    item = response.json()
    assert item | {"provider_message_id": None, "body": None} == {
        "id": three["email"],
        "reminder_id": three["email_reminder"],
        "customer_ref": "cust-2",
        "loan_ref": "loan-2",
        "template": "overdue",
        "channel": "email",
        "provider": "smtp",
        "provider_message_id": None,
        "status": "failed",
        "provider_status": None,
        "error_kind": "permanent",
        "error_code": "550",
        "error_message": None,
        "recipient": EMAIL,
        "body": None,
        "locale": "zh-Hant",
        "body_sha256": None,
        "started_at": "2026-11-27T07:30:00Z",
        "finished_at": "2026-11-27T07:30:00.120000Z",
        "latency_ms": 120,
        "worker": "worker-1",
        "cost_amount": None,
        "cost_currency": None,
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"since": "2026-11-27T07:00:00"}, "query.since"),
        ({"since": "2026-11-27T08:00:00Z", "until": "2026-11-27T07:00:00Z"}, "query.until"),
        ({"channel": "pigeon"}, "query.channel"),
        ({"cursor": "not-a-cursor"}, "query.cursor"),
        ({"reminder_id": "42"}, "query.reminder_id"),
    ],
)
def test_bad_filters_are_422_with_the_field_path(
    tenant: Tenant, query: dict[str, str], field: str
) -> None:
    response = tenant.client.get("/v1/deliveries", params=query)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_pages_continue_exactly_while_newer_attempts_arrive(
    tenant: Tenant, log_for: Any, clock: FrozenClock
) -> None:
    log: Log = log_for(tenant.id)
    customer = log.customer()
    reminder_id = log.reminder(customer)
    made = log.attempts(reminder_id, customer, 7, start=clock.now() - timedelta(minutes=10))
    # Two attempts in the same instant: the id breaks the tie, so none is skipped or repeated.
    made += log.attempts(reminder_id, customer, 2, start=clock.now(), step=timedelta(0))
    expected = [str(i) for i in reversed(made[:7])]
    expected = sorted(str(i) for i in made[7:])[::-1] + expected

    first = tenant.client.get("/v1/deliveries", params={"limit": 4}).json()
    assert [i["id"] for i in first["items"]] == expected[:4]
    log.attempts(reminder_id, customer, 3, start=clock.now() + timedelta(minutes=1))
    seen = [i["id"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = tenant.client.get("/v1/deliveries", params={"limit": 4, "cursor": cursor}).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert seen == expected


def test_another_tenants_delivery_is_404_and_never_listed(
    tenant: Tenant, new_tenant: Any, log_for: Any
) -> None:
    other: Tenant = new_tenant("other")
    theirs = log_for(other.id).one()
    assert tenant.client.get(f"/v1/deliveries/{theirs}").status_code == 404
    assert ids(tenant.client.get("/v1/deliveries")) == []
    assert tenant.client.get("/v1/deliveries.csv").text.count("\n") == 1
    stats = tenant.client.get("/v1/stats/deliveries", params={"group_by": "channel"}).json()
    assert stats["total"]["attempts"] == 0


@pytest.mark.parametrize(
    "path", ["/v1/deliveries", "/v1/deliveries.csv", "/v1/stats/deliveries?group_by=status"]
)
def test_a_key_without_deliveries_read_gets_403(
    tenant: Tenant, db: Session, clock: FrozenClock, anonymous: httpx.Client, path: str
) -> None:
    reader = tenant.key(db, clock, Scope.REMINDERS_READ, Scope.PII_READ)
    assert reader.get(path).status_code == 403
    assert anonymous.get(path).status_code == 401
    assert tenant.key(db, clock, Scope.DELIVERIES_READ).get(path).status_code == 200


@pytest.mark.anyio
async def test_a_dispatched_reminder_appears_in_the_log_with_its_recipient(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> None:
    submitted = tenant.client.post("/v1/reminders", json=reminder(channels=["sms"])).json()
    assert await make_dispatcher().run_once() == 1
    [item] = tenant.client.get("/v1/deliveries", params={"reminder_id": submitted["id"]}).json()[
        "items"
    ]
    assert (item["channel"], item["provider"], item["status"]) == ("sms", "twilio_sms", "queued")
    assert item["recipient"] == PHONE
    assert item["body"] == twilio.received[0].form["Body"]
    assert (item["customer_ref"], item["loan_ref"], item["template"]) == (
        "cust-1",
        "loan-1",
        "pre-due",
    )
    assert item["worker"] == "test"


@pytest.mark.anyio
async def test_the_price_twilio_answers_with_is_kept_as_the_attempts_cost(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, db: Session
) -> None:
    twilio.answer(Reply(price="-0.04380"))
    submitted = tenant.client.post("/v1/reminders", json=reminder(channels=["sms"])).json()
    assert await make_dispatcher().run_once() == 1
    [item] = tenant.client.get("/v1/deliveries", params={"reminder_id": submitted["id"]}).json()[
        "items"
    ]
    assert (Decimal(item["cost_amount"]), item["cost_currency"]) == (Decimal("0.0438"), "USD")
    kept = db.scalars(sa.select(DeliveryAttempt.provider_response)).one()
    assert kept is not None
    assert (kept["sid"], kept["price"], kept["price_unit"]) == (
        item["provider_message_id"],
        "-0.04380",
        "USD",
    )
