"""`nudge serve` in its own process on a loopback port, against a fresh database."""

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parents[1]))

from bench.scratch import free_port, fresh_database

NUDGE = str(Path(sys.executable).parent / "nudge")


@contextmanager
def serving_url(url: str) -> Iterator[tuple[str, str]]:
    """Migrates `url`, makes a tenant, serves the API alone (no dispatcher): base URL and key."""
    env = os.environ | {
        "NUDGE_DATABASE_URL": url,
        "NUDGE_ENV": "test",
        "NUDGE_EMBEDDED_WORKER": "false",
        # The benchmarks measure ingestion from one key (a burst of 250 submits): the per-key
        # rate limit (20/s, burst 100 by default) would measure the limiter instead.
        "NUDGE_RATE_LIMIT_PER_SECOND": "1000000",
        "NUDGE_RATE_LIMIT_BURST": "1000000",
    }
    subprocess.run([NUDGE, "migrate"], env=env, check=True, capture_output=True)
    made = subprocess.run(
        [NUDGE, "tenants", "create", "bench", "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    key = json.loads(made.stdout)["api_key"]
    port = free_port()
    server = subprocess.Popen(
        [NUDGE, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/healthz")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, key
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a wedged server must not wedge the benchmark too
            server.kill()
            server.wait()


@contextmanager
def nudge_serve(database: str, folder: Path) -> Iterator[tuple[str, str, Callable[[], int]]]:
    """A fresh database of kind `database`, served: base URL, API key, and a reminder counter."""
    with fresh_database(database, folder) as url, serving_url(url) as (base, key):
        engine = sa.create_engine(url)

        def count_reminders() -> int:
            with engine.connect() as connection:
                return connection.scalar(sa.text("SELECT count(*) FROM reminders")) or 0

        try:
            yield base, key, count_reminders
        finally:
            engine.dispose()
