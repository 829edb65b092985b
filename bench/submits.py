"""Part 3: single submits (`POST /v1/reminders` with an `Idempotency-Key`) in an open loop.

Request i is due to start at i / rate seconds and is timed from then, not from when it was
actually sent, so a service that falls behind is charged for the queue it causes (no
coordinated omission). Then `recovery_s`: from the end of the load until an ordinary submit,
one at a time, is answered in under 50 ms again. The ceiling beside the figures is the same
submit made one at a time on the idle service, before the load.
"""

import asyncio
import gc
import json
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bench.meter import Meter
from bench.scratch import fresh_database
from bench.seeding import body
from bench.serve import api
from bench.sizes import Sizes

TIMEOUT_S = 10.0
"""A submit not answered by then counts as an error."""
FAST_MS = 50.0
IDLE_SAMPLES = 20
WARM_UP = 64
"""Submits sent at once, twice, before anything is timed: every API process serves some and
opens its pooled connections, as in a service that has been up for a while. A new process's
first requests compile its statements and templates and connect its pool: without this, the
process the idle samples never reached took its first requests in the load's first 0.3 s at
50-190 ms each."""
API_WORKERS = 2
"""uvicorn worker processes serving the submits: one per core of the benchmark machine."""


@dataclass
class Submitter:
    session: aiohttp.ClientSession
    key: str
    send_at: str = field(
        default_factory=lambda: (datetime.now(UTC) + timedelta(days=30)).isoformat()
    )
    made: int = 0

    async def submit(self) -> tuple[float, bool]:
        """One submit of a new reminder under a new key: (milliseconds, answered 202)."""
        self.made += 1
        payload = json.dumps(body(self.made, send_at=self.send_at))
        headers = {
            "Authorization": f"Bearer {self.key}",
            "Content-Type": "application/json",
            "Idempotency-Key": f"bench-{self.made}",
        }
        started = time.perf_counter()
        try:
            async with self.session.post("/v1/reminders", data=payload, headers=headers) as r:
                await r.read()
                ok = r.status == 202
        except (aiohttp.ClientError, TimeoutError):
            ok = False
        return (time.perf_counter() - started) * 1000, ok


@contextmanager
def quiet_collector() -> Iterator[None]:
    """No garbage collection in the load generator while it sends: this process holds the
    harness and the service's modules (about 400,000 objects), and a full collection among
    them took 90-120 ms, which the open loop charged to the service as the latency of every
    request due meanwhile (p99 9 ms in one run, 290 ms in the next)."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def measure(base: str, key: str, sizes: Sizes) -> dict[str, float]:
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as session:
        submitter = Submitter(session, key)
        for _ in range(2):
            await asyncio.gather(*(submitter.submit() for _ in range(WARM_UP)))
        idle = [(await submitter.submit())[0] for _ in range(IDLE_SAMPLES)]

        total = max(1, round(sizes.submit_rate * sizes.submit_seconds))
        latencies: list[float] = []
        errors = 0
        origin = time.perf_counter() + 0.1

        async def one(intended: float) -> None:
            nonlocal errors
            _, ok = await submitter.submit()
            latencies.append((time.perf_counter() - intended) * 1000)
            errors += not ok

        tasks = []
        with quiet_collector():
            for i in range(total):
                intended = origin + i / sizes.submit_rate
                await asyncio.sleep(max(0.0, intended - time.perf_counter()))
                tasks.append(asyncio.create_task(one(intended)))
        load_end = time.perf_counter()

        reached, recovery = False, sizes.recovery_limit_s
        while time.perf_counter() - load_end < sizes.recovery_limit_s:
            elapsed_ms, ok = await submitter.submit()
            if ok and elapsed_ms < FAST_MS:
                reached, recovery = True, time.perf_counter() - load_end
                break
        await asyncio.gather(*tasks)
    return {
        "submit_idle_p50_ms": statistics.median(idle),
        "submit_p50_ms": percentile(latencies, 0.50),
        "submit_p99_ms": percentile(latencies, 0.99),
        "submit_p999_ms": percentile(latencies, 0.999),
        "submit_error_rate": errors / total,
        "submit_requests": total,
        "recovery_s": recovery,
        "recovery_reached": float(reached),
    }


def run(folder: Path, sizes: Sizes, meter: Meter) -> dict[str, float]:
    with (
        fresh_database("postgresql", folder) as url,
        api(url, folder, meter, "submits", workers=API_WORKERS) as (base, key),
    ):
        began = time.time()
        figures = asyncio.run(measure(base, key, sizes))
        figures["submit_api_cpu"] = meter.cpu_share("api:submits", began, time.time())
        figures["submit_api_workers"] = API_WORKERS
    return figures
