"""Python CPU per request, in-process: one keyed submit and one 1,000-item batch through the
real ASGI app on a fresh PostgreSQL database (docs/benchmarks.md, "What was profiled").

    python -m bench.api_cpu [--submits 300] [--batches 10] [--profile submit|batch] [--top 40]

The machine running the benchmark is often shared, so wall time is noise: this counts the
process's CPU time (`time.process_time`, every thread), the statements and commits the app
sends, and the time garbage collection takes, per request, after a warm-up. The requests go
through httpx's ASGI transport (no sockets), so the in-process client's share is in the
figure too; it is the same before and after a change. `--profile` runs the same requests under
cProfile with FastAPI's thread hand-offs made inline (cProfile sees one thread only) and
prints the functions by cumulative time.
"""

import argparse
import asyncio
import cProfile
import gc
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import anyio.to_thread
import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parents[1]))

from app.clock import SystemClock
from app.config import Settings
from app.main import create_app
from bench.scratch import fresh_database
from bench.seeding import body, tenant

BATCH = 1_000
WARM_UP = 20
"""Submits (and a tenth as many batches, at least one) made before measuring: the first
requests compile statements, templates and pydantic's validators."""


@dataclass
class Counts:
    """What the app sent to the database and spent on garbage collection."""

    statements: int = 0
    commits: int = 0
    gc_seconds: float = 0.0
    _gc_started: float = field(default=0.0, repr=False)

    def on_gc(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.process_time()
        else:
            self.gc_seconds += time.process_time() - self._gc_started

    def listen(self, engine: sa.Engine) -> None:
        sa.event.listen(engine, "before_cursor_execute", self._statement)
        sa.event.listen(engine, "commit", self._commit)

    def _statement(self, *_: object) -> None:
        self.statements += 1

    def _commit(self, *_: object) -> None:
        self.commits += 1


@dataclass
class Client:
    http: httpx.AsyncClient
    key: str
    send_at: str = field(
        default_factory=lambda: (datetime.now(UTC) + timedelta(days=30)).isoformat()
    )
    made: int = 0

    async def submit(self) -> None:
        self.made += 1
        answer = await self.http.post(
            "/v1/reminders",
            content=json.dumps(body(self.made, send_at=self.send_at)),
            headers=self._headers() | {"Idempotency-Key": f"cpu-{self.made}"},
        )
        assert answer.status_code == 202, answer.text

    async def batch(self) -> None:
        first, self.made = self.made + 1, self.made + BATCH
        items = [body(i, send_at=self.send_at) for i in range(first, first + BATCH)]
        answer = await self.http.post(
            "/v1/reminders/batch", content=json.dumps({"items": items}), headers=self._headers()
        )
        assert answer.status_code == 202, answer.text

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}


@contextmanager
def inline_threads() -> Iterator[None]:
    """FastAPI's sync endpoints and dependencies run on the event loop's thread, where
    cProfile is watching."""

    async def run_sync(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
        return func(*args)

    with mock.patch.object(anyio.to_thread, "run_sync", run_sync):
        yield


@asynccontextmanager
async def served(url: str) -> AsyncIterator[tuple[Client, Counts]]:
    """The app as `nudge serve` builds it (no embedded worker, limits out of reach), its
    lifespan started, and a client holding a tenant's key."""
    key = tenant(url, clock=SystemClock()).secret
    settings = Settings(
        _env_file=None,
        database_url=url,
        env="test",
        embedded_worker=False,
        rate_limit_per_second=1_000_000,
        rate_limit_burst=1_000_000,
    )
    app = create_app(settings)
    counts = Counts()
    counts.listen(app.state.engine)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http,
    ):
        yield Client(http, key), counts


async def per_request(
    counts: Counts, request: Callable[[], Awaitable[None]], times: int
) -> dict[str, float]:
    """CPU milliseconds per request (the median, which a busy machine moves least, and the
    mean), and statements, commits and gc milliseconds per request."""
    before = (counts.statements, counts.commits, counts.gc_seconds)
    spans = []
    gc.callbacks.append(counts.on_gc)
    try:
        for _ in range(times):
            started = time.process_time()
            await request()
            spans.append(time.process_time() - started)
    finally:
        gc.callbacks.remove(counts.on_gc)
    return {
        "cpu_ms": statistics.median(spans) * 1000,
        "mean_ms": statistics.fmean(spans) * 1000,
        "statements": (counts.statements - before[0]) / times,
        "commits": (counts.commits - before[1]) / times,
        "gc_ms": (counts.gc_seconds - before[2]) * 1000 / times,
    }


async def measure(url: str, submits: int, batches: int) -> dict[str, dict[str, float]]:
    async with served(url) as (client, counts):
        for _ in range(WARM_UP):
            await client.submit()
        await client.batch()
        return {
            "submit": await per_request(counts, client.submit, submits),
            "batch": await per_request(counts, client.batch, batches),
        }


async def profile(url: str, which: str, times: int, top: int, out: Path | None) -> None:
    async with served(url) as (client, _):
        request = client.submit if which == "submit" else client.batch
        for _ in range(WARM_UP if which == "submit" else 1):
            await request()
        profiler = cProfile.Profile(time.process_time)
        with inline_threads():
            profiler.enable()
            for _ in range(times):
                await request()
            profiler.disable()
    if out is not None:
        profiler.dump_stats(out)
    stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
    stats.print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submits", type=int, default=300)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--profile", choices=["submit", "batch"])
    parser.add_argument("--top", type=int, default=40, help="functions the profile prints")
    parser.add_argument("--out", type=Path, help="write the profile here too (for pstats)")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        fresh_database("postgresql", Path(folder)) as url,
    ):
        if args.profile:
            times = args.submits if args.profile == "submit" else args.batches
            asyncio.run(profile(url, args.profile, times, args.top, args.out))
            return
        figures = asyncio.run(measure(url, args.submits, args.batches))
    for name, row in figures.items():
        print(f"{name:7} " + "  ".join(f"{k} {v:8.2f}" for k, v in row.items()))


if __name__ == "__main__":
    main()
