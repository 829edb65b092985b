"""Each `nudge worker` serves its own Prometheus /metrics, so every worker can be scraped."""

from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.clock import FrozenClock
from bench.scratch import free_port, fresh_database
from bench.seeding import seed
from tests.conftest import START
from tests.databases import BACKENDS
from tests.dispatch.test_processes import ALWAYS, wait_for, worker
from tests.factories import customer, reminder
from tests.fakes.twilio_server import FakeTwilio

REMINDERS = 3


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample the worker's /metrics shows, by name and labels; empty until it listens."""
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    except httpx.TransportError:
        return {}
    assert response.status_code == 200, response.text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def total(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str) -> float:
    return sum(value for (named, _), value in samples.items() if named == name)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_worker_serves_its_dispatch_metrics_on_its_own_port(
    backend: str, twilio: FakeTwilio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fresh_database(backend, tmp_path) as url:
        bodies = [
            reminder(customer=customer(ref=f"c-{i}"), channels=["sms"], policy="always")
            for i in range(REMINDERS)
        ]
        seed(url, clock=FrozenClock(START), bodies=bodies, policy={"always": ALWAYS})
        port = free_port()
        monkeypatch.setenv("NUDGE_WORKER_METRICS_PORT", str(port))
        with worker(url, twilio, tmp_path / "worker.log"):
            wait_for(
                lambda: total(scrape(port), "nudge_sends_total") >= REMINDERS,
                120,
                "the worker's metrics to count its sends",
            )
            samples = scrape(port)

    assert len(twilio.received) == REMINDERS
    assert total(samples, "nudge_sends_total") == REMINDERS
    assert samples[("nudge_policy_decisions_total", (("action", "send"), ("reason", "")))] == (
        REMINDERS
    )
    assert total(samples, "nudge_provider_latency_seconds_count") == REMINDERS
    assert samples[("nudge_database_up", ())] == 1
    assert samples[("nudge_due_backlog", ())] == 0
