"""A burst of concurrent idempotent submits with replays (the load test of `bench/submit_load.py`,
at the same size, against the test server on each database)."""

import asyncio

from sqlalchemy.orm import Session

from app.models.reminders import Reminder
from bench.submit_load import burst
from tests.conftest import Server, Tenant, count

SUBMITS, REPLAYS = 200, 50


def test_200_concurrent_submits_and_50_replays_answer_without_5xx_and_store_each_once(
    server: Server, tenant: Tenant, db: Session
) -> None:
    api_key = tenant.client.headers["Authorization"].removeprefix("Bearer ")
    report = asyncio.run(burst(server.url, api_key, submits=SUBMITS, replays=REPLAYS))
    assert report.transport_errors == []
    assert report.server_errors == 0, report.statuses
    assert report.mismatched_replays == []
    assert len(report.accepted) == SUBMITS
    assert len(set(report.accepted.values())) == SUBMITS
    assert count(db, Reminder) == SUBMITS
