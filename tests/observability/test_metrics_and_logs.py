"""Prometheus metrics, request ids, and logs that never hold a contact detail in clear."""

import json
import logging
import logging.config
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.main import create_app
from app.observability.logs import config, request_id
from tests.conftest import DispatcherFactory, Tenant, app_settings
from tests.databases import BACKENDS, unreachable_database
from tests.dispatch.poisons import webhook_without_variant
from tests.factories import reminder
from tests.helpers.prometheus import sample
from tests.servers import serving

pytestmark = pytest.mark.anyio


async def test_metrics_count_acceptances_decisions_sends_and_show_the_backlog(
    tenant: Tenant,
    anonymous: httpx.Client,
    make_dispatcher: DispatcherFactory,
    clock: FrozenClock,
) -> None:
    before = anonymous.get("/metrics").text
    for i in range(3):
        tenant.client.post("/v1/reminders", json=reminder(loan_ref=f"l-{i}", channels=["sms"]))
    waiting = anonymous.get("/metrics")
    assert waiting.headers["content-type"].startswith("text/plain")
    assert (
        sample(waiting.text, "nudge_reminders_accepted_total")
        - sample(before, "nudge_reminders_accepted_total")
        == 3
    )
    assert sample(waiting.text, "nudge_due_backlog") == 3
    assert sample(waiting.text, "nudge_database_up") == 1
    clock.advance(timedelta(minutes=5))
    aged = anonymous.get("/metrics").text
    assert sample(aged, "nudge_due_backlog_oldest_age_seconds") == 300

    await make_dispatcher().run_once()
    after = anonymous.get("/metrics").text
    sends = ("nudge_sends_total", {"channel": "sms", "status": "queued"})
    assert sample(after, sends[0], **sends[1]) - sample(before, sends[0], **sends[1]) == 3
    allowed = ("nudge_policy_decisions_total", {"action": "send", "reason": ""})
    assert sample(after, allowed[0], **allowed[1]) - sample(before, allowed[0], **allowed[1]) == 3
    assert sample(after, "nudge_provider_latency_seconds_count", provider="twilio_sms") >= 3
    assert sample(after, "nudge_due_backlog") == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_metrics_still_answer_with_the_counters_while_the_database_is_unreachable(
    backend: str, tmp_path: Path
) -> None:
    with serving(create_app(app_settings(unreachable_database(backend, tmp_path)))) as base:
        response = httpx.get(f"{base}/metrics")
    assert response.status_code == 200
    lines = response.text.splitlines()
    assert "nudge_database_up 0.0" in lines
    assert any(line.startswith("nudge_reminders_accepted_total ") for line in lines)
    assert not any(line.startswith("nudge_due_backlog") for line in lines)


async def test_metrics_show_the_age_of_the_last_round_and_count_reminders_failed_alone(
    tenant: Tenant,
    db: Session,
    anonymous: httpx.Client,
    make_dispatcher: DispatcherFactory,
    clock: FrozenClock,
) -> None:
    age = "nudge_dispatch_last_success_age_seconds"
    failed = ("nudge_dispatch_item_failures_total", {"reason": "NO_VARIANT"})
    before = anonymous.get("/metrics").text
    assert f"\n{age} " not in before  # no round has finished yet: no sample, not a zero
    webhook_without_variant(db, tenant, clock.now())
    await make_dispatcher().run_once()
    clock.advance(timedelta(seconds=90))
    after = anonymous.get("/metrics").text
    assert sample(after, age) == 90
    assert sample(after, failed[0], **failed[1]) - sample(before, failed[0], **failed[1]) == 1


def test_every_response_carries_a_request_id_and_a_sane_given_one_is_kept(
    anonymous: httpx.Client,
) -> None:
    generated = anonymous.get("/healthz").headers["x-request-id"]
    assert len(generated) == 32
    assert (
        anonymous.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    hostile = anonymous.get("/healthz", headers={"X-Request-ID": "a b\tc<script>"})
    assert hostile.headers["x-request-id"] != "a b\tc<script>"


def test_log_lines_are_json_with_the_request_id_and_no_contact_detail_in_clear(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logging.config.dictConfig(config())
    try:
        token = request_id.set("req-42")
        logging.getLogger("nudge.test").info(
            "texted %s and %s: 您好", "+8613812345678", "wang.fang@example.com"
        )
        request_id.reset(token)
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    written = capsys.readouterr().err.strip().splitlines()[-1]
    assert "您好" in written  # Chinese stays readable in the log, not \u-escaped
    line = json.loads(written)
    assert line["request_id"] == "req-42"
    assert line["name"] == "nudge.test"
    assert "+8613812345678" not in line["message"]
    assert "+86 138****5678" in line["message"]
    assert "w***@example.com" in line["message"]
