"""Each `nudge worker` serves its own Prometheus /metrics, so every worker can be scraped."""

from pathlib import Path

import httpx
import pytest

from app.clock import FrozenClock
from bench.scratch import free_port, fresh_database
from bench.seeding import seed
from tests.conftest import START
from tests.databases import BACKENDS
from tests.factories import customer, reminder
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.prometheus import sample
from tests.helpers.workers import ALWAYS, wait_for, worker

REMINDERS = 3


def scrape(port: int) -> str:
    """The worker's /metrics; empty until it listens."""
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    except httpx.TransportError:
        return ""
    assert response.status_code == 200, response.text
    return response.text


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_worker_serves_its_dispatch_metrics_on_its_own_port(
    backend: str, twilio: FakeTwilio, tmp_path: Path
) -> None:
    with fresh_database(backend, tmp_path) as url:
        bodies = [
            reminder(customer=customer(ref=f"c-{i}"), channels=["sms"], policy="always")
            for i in range(REMINDERS)
        ]
        seed(url, clock=FrozenClock(START), bodies=bodies, policy={"always": ALWAYS})
        port = free_port()
        log = tmp_path / "worker.log"
        with worker(url, twilio, log, NUDGE_WORKER_METRICS_PORT=str(port)):
            wait_for(
                lambda: (
                    sample(scrape(port), "nudge_sends_total", channel="sms", status="queued")
                    >= REMINDERS
                ),
                120,
                "the worker's metrics to count its sends",
            )
            text = scrape(port)

    assert len(twilio.received) == REMINDERS
    assert sample(text, "nudge_sends_total", channel="sms", status="queued") == REMINDERS
    assert sample(text, "nudge_policy_decisions_total", action="send", reason="") == REMINDERS
    assert sample(text, "nudge_provider_latency_seconds_count", provider="twilio_sms") == (
        REMINDERS
    )
    assert sample(text, "nudge_database_up") == 1
    assert "nudge_due_backlog 0.0" in text
