"""`nudge serve --workers N`: several API processes share the port and the database, and an
Idempotency-Key stores one reminder whichever process each of its requests reaches."""

import os
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy.orm import Session

from app.models.reminders import Reminder
from bench.scratch import free_port
from tests.conftest import Tenant, count
from tests.factories import reminder
from tests.helpers.cli import NUDGE, nudge

WORKERS = 2


@contextmanager
def served(database_url: str, log: Path) -> Iterator[str]:
    port = free_port()
    env = os.environ | {
        "NUDGE_DATABASE_URL": database_url,
        "NUDGE_ENV": "test",
        "NUDGE_RATE_LIMIT_PER_SECOND": "1000000",
        "NUDGE_RATE_LIMIT_BURST": "1000000",
    }
    argv = [NUDGE, "serve", "--no-worker", "--workers", str(WORKERS), "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(argv, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):  # waits for the processes to start; nothing is timed
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_several_api_workers_store_one_reminder_per_key(
    database_url: str, tenant: Tenant, db: Session, tmp_path: Path
) -> None:
    with (
        served(database_url, tmp_path / "serve.log") as url,
        httpx.Client(base_url=url, headers=tenant.client.headers, timeout=60) as http,
        ThreadPoolExecutor(8) as pool,
    ):

        def submit(n: int) -> httpx.Response:
            body = reminder(loan_ref=f"loan-{n % 4}")
            return http.post("/v1/reminders", json=body, headers={"Idempotency-Key": f"k-{n % 4}"})

        answers = list(pool.map(submit, range(32)))
    assert {a.status_code for a in answers} == {202}
    by_key: dict[int, set[str]] = {key: set() for key in range(4)}
    for n, answer in enumerate(answers):
        by_key[n % 4].add(answer.json()["id"])
    assert all(len(ids) == 1 for ids in by_key.values())
    assert count(db, Reminder) == 4
    assert "died" not in (tmp_path / "serve.log").read_text()  # no worker was restarted


def test_several_workers_need_the_dispatcher_apart(database_url: str) -> None:
    refused = nudge(database_url, "serve", "--workers", "2", "--port", str(free_port()))
    assert refused.returncode != 0
    assert "--no-worker" in refused.stderr
