"""Over the admission limit a submit is refused at once with 503, and nothing of it is stored."""

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi import FastAPI
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.main import create_app
from app.middleware import Admission
from app.models.idempotency import IdempotencyRecord
from app.models.reminders import Reminder
from tests.conftest import START, Tenant, app_settings, count
from tests.factories import reminder
from tests.servers import serving


def admission(app: FastAPI) -> Admission:
    layer = app.middleware_stack
    while not isinstance(layer, Admission):
        layer = layer.app  # type: ignore[union-attr]
    return layer


def wait_for(condition: object, what: str) -> None:
    """Synchronises with the server thread (no figure is asserted on the time it takes)."""
    for _ in range(3000):
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.01)
    raise AssertionError(f"never {what}")


def test_a_submit_over_the_limit_gets_503_with_retry_after_and_stores_nothing(
    database_url: str, tenant: Tenant, db: Session
) -> None:
    settings = app_settings(database_url, api_max_in_flight=1, api_max_queued=0)
    app = create_app(settings, FrozenClock(START))
    with serving(app) as url, ThreadPoolExecutor(1) as pool:
        http = httpx.Client(base_url=url, headers=tenant.client.headers, timeout=60)
        # Hold the first submit inside the service: its key is written by a transaction that
        # has not committed (on SQLite, any open write holds it back the same way).
        db.add(
            IdempotencyRecord(
                tenant_id=tenant.id,
                key="first",
                fingerprint="held",
                created_at=START,
                expires_at=START,
            )
        )
        db.flush()
        first = pool.submit(
            http.post, "/v1/reminders", json=reminder(), headers={"Idempotency-Key": "first"}
        )
        wait_for(lambda: admission(app).in_flight == 1, "took the first submit in")

        refused = http.post(
            "/v1/reminders",
            json=reminder(loan_ref="loan-2"),
            headers={"Idempotency-Key": "second"},
        )
        assert refused.status_code == 503
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["retry-after"] == "1"

        db.rollback()
        assert first.result().status_code == 202
        assert count(db, Reminder) == 1
        assert db.get(IdempotencyRecord, (tenant.id, "second")) is None

        retried = http.post(
            "/v1/reminders",
            json=reminder(loan_ref="loan-2"),
            headers={"Idempotency-Key": "second"},
        )
        assert retried.status_code == 202
        again = http.post(
            "/v1/reminders",
            json=reminder(loan_ref="loan-2"),
            headers={"Idempotency-Key": "second"},
        )
        assert (again.status_code, again.json()) == (202, retried.json())
        http.close()
    assert count(db, Reminder) == 2
