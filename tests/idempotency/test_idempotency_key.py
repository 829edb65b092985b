"""Idempotency-Key: replays, reused keys, requests still in flight, expiry and tenant scope."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.idempotency.service import fingerprint
from app.main import create_app
from app.models.idempotency import IdempotencyRecord
from app.models.reminders import Reminder
from app.reminders.schemas import ReminderIn
from tests.conftest import START, Tenant, app_settings, count
from tests.factories import reminder
from tests.servers import serving


def post(tenant: Tenant, key: str, body: dict[str, object]):  # type: ignore[no-untyped-def]
    return tenant.client.post("/v1/reminders", json=body, headers={"Idempotency-Key": key})


def test_same_key_and_body_replays_the_first_response_without_a_second_reminder(
    tenant: Tenant, db: Session
) -> None:
    first = post(tenant, "k-1", reminder())
    again = post(tenant, "k-1", reminder())
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert count(db, Reminder) == 1


def test_same_key_with_another_body_is_422_and_stores_nothing(tenant: Tenant, db: Session) -> None:
    post(tenant, "k-1", reminder())
    response = post(tenant, "k-1", reminder(loan_ref="another-loan"))
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/idempotency-key-reused"
    assert count(db, Reminder) == 1


def test_a_twin_request_still_in_flight_gets_409(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    body = reminder()
    db.add(
        IdempotencyRecord(  # what the first request has written while it is still running
            tenant_id=tenant.id,
            key="k-1",
            fingerprint=fingerprint("POST", "/v1/reminders", ReminderIn.model_validate(body)),
            created_at=clock.now(),
            expires_at=clock.now() + timedelta(hours=24),
            locked_until=clock.now() + timedelta(seconds=60),
        )
    )
    db.commit()
    response = post(tenant, "k-1", body)
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/idempotency-in-flight"
    assert count(db, Reminder) == 0

    clock.advance(timedelta(seconds=61))  # the first request died: its lease runs out
    assert post(tenant, "k-1", body).status_code == 202
    assert count(db, Reminder) == 1


def test_concurrent_twins_create_exactly_one_reminder(tenant: Tenant, db: Session) -> None:
    body = reminder()
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: post(tenant, "race", body), range(8)))
    accepted = {r.json()["id"] for r in responses if r.status_code == 202}
    assert len(accepted) == 1
    assert {r.status_code for r in responses} <= {202, 409}
    assert count(db, Reminder) == 1


def test_a_failed_request_does_not_burn_its_key(tenant: Tenant, db: Session) -> None:
    body = reminder(customer={"ref": "unknown-contact"})
    assert post(tenant, "k-1", body).status_code == 422
    assert post(tenant, "k-1", body).status_code == 422  # validated again, not replayed as 409
    assert post(tenant, "k-1", reminder()).status_code == 202


def test_keys_are_scoped_to_the_tenant(tenant: Tenant, new_tenant, db: Session) -> None:  # type: ignore[no-untyped-def]
    other = new_tenant("other")
    mine, theirs = post(tenant, "shared", reminder()), post(other, "shared", reminder())
    assert mine.status_code == theirs.status_code == 202
    assert mine.json()["id"] != theirs.json()["id"]
    assert count(db, Reminder) == 2


def test_keys_are_kept_24_hours_then_free_again(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    first = post(tenant, "k-1", reminder()).json()["id"]
    clock.advance(timedelta(hours=23, minutes=59))
    assert post(tenant, "k-1", reminder()).json()["id"] == first
    clock.advance(timedelta(minutes=2))
    assert post(tenant, "k-1", reminder()).json()["id"] != first
    assert count(db, Reminder) == 2


def test_cancel_with_a_key_replays_instead_of_409(tenant: Tenant) -> None:
    reminder_id = tenant.client.post("/v1/reminders", json=reminder()).json()["id"]
    path, headers = f"/v1/reminders/{reminder_id}/cancel", {"Idempotency-Key": str(uuid.uuid4())}
    first = tenant.client.post(path, headers=headers)
    again = tenant.client.post(path, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()


def test_idempotent_requests_that_fail_answer_their_error_and_free_the_key(tenant: Tenant) -> None:
    """They used to hold SQLite's write lock while releasing the key, and ended in 500."""
    cancelled = tenant.client.post("/v1/reminders", json=reminder()).json()["id"]
    assert tenant.client.post(f"/v1/reminders/{cancelled}/cancel").status_code == 200
    failing = [
        (f"/v1/reminders/{uuid.uuid4()}/cancel", None, 404),
        (f"/v1/reminders/{cancelled}/cancel", None, 409),
        (f"/v1/reminders/{cancelled}/resolve", {"outcome": "sent"}, 409),
    ]
    for path, body, status in failing:
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        first = tenant.client.post(path, json=body, headers=headers)
        again = tenant.client.post(path, json=body, headers=headers)
        assert (first.status_code, again.status_code) == (status, status), path
        assert again.headers["content-type"] == "application/problem+json"


def test_an_idempotent_submit_needs_one_pooled_connection(
    database_url: str, tenant: Tenant
) -> None:
    """A pool of one connection is enough: the key, the work and the answer share it."""
    settings = app_settings(database_url, database_pool_size=1, database_max_overflow=0)
    with serving(create_app(settings, FrozenClock(START))) as url:
        client = httpx.Client(base_url=url, headers=tenant.client.headers, timeout=60)
        with client:
            first = client.post("/v1/reminders", json=reminder(), headers={"Idempotency-Key": "a"})
            again = client.post("/v1/reminders", json=reminder(), headers={"Idempotency-Key": "a"})
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
