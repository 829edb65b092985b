"""Parts 1 and 2: batch ingestion through `POST /v1/reminders/batch`, beside the raw ceilings
of the same rows written straight into PostgreSQL.

The ceilings write a customer and a reminder per item, as the service's rows are (cloned from
one it stored): with psycopg's `executemany` of a plain INSERT (no RETURNING), one transaction
per batch of the API's size; and with `COPY`, all rows in one go. No HTTP, validation,
rendering, idempotency, events or audit entries: what the database alone can take.
"""

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bench.bulk import Row, connect, copy_rows, customers, insert_rows, reminders
from bench.meter import Meter
from bench.scratch import fresh_database
from bench.seeding import body, prototyped
from bench.serve import api
from bench.sizes import Sizes


def raw_ceilings(folder: Path, sizes: Sizes) -> dict[str, float]:
    """Reminders a second through `executemany` and through `COPY`."""
    later = datetime.now(UTC) + timedelta(days=30)
    count, size = sizes.ingest, sizes.ingest_batch
    with prototyped(folder, policy="bench", spec={}) as seeded, connect(seeded.url) as connection:

        def rows() -> tuple[list[Row], list[Row]]:
            owners = customers(seeded.customer, count)
            due = list(
                reminders(seeded.reminder, owners, count, status="scheduled", due=lambda _: later)
            )
            return owners, due

        owners, due = rows()
        started = time.perf_counter()
        for first in range(0, count, size):
            with connection.transaction():
                insert_rows(connection, "customers", owners[first : first + size])
                insert_rows(connection, "reminders", due[first : first + size])
        executemany = count / (time.perf_counter() - started)

        owners, due = rows()
        started = time.perf_counter()
        with connection.transaction():
            copy_rows(connection, "customers", owners)
            copy_rows(connection, "reminders", due)
        copy = count / (time.perf_counter() - started)
    return {"executemany_per_s": executemany, "copy_per_s": copy}


async def post_batches(base: str, key: str, batches: list[bytes], clients: int) -> float:
    """Every batch posted by `clients` concurrent clients (one connection each); seconds."""
    queue = list(reversed(batches))
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    async def client() -> None:
        connector = aiohttp.TCPConnector(limit=1)
        timeout = aiohttp.ClientTimeout(total=300)
        async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as session:
            while queue:
                batch = queue.pop()
                async with session.post("/v1/reminders/batch", data=batch, headers=headers) as r:
                    if r.status != 202:
                        raise RuntimeError(f"batch refused: {r.status} {await r.text()}")

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - started


def through_api(folder: Path, sizes: Sizes, meter: Meter) -> dict[str, float]:
    count, size = sizes.ingest, sizes.ingest_batch
    batches = [
        json.dumps({"items": [body(i) for i in range(first, min(first + size, count))]}).encode()
        for first in range(0, count, size)
    ]
    with (
        fresh_database("postgresql", folder) as url,
        api(url, folder, meter, "ingest") as (
            base,
            key,
        ),
    ):
        began = time.time()
        seconds = asyncio.run(post_batches(base, key, batches, sizes.ingest_clients))
        cpu = meter.cpu_share("api:ingest", began, time.time())
    return {"api_per_s": count / seconds, "api_cpu": cpu}


def run(folder: Path, sizes: Sizes, meter: Meter) -> dict[str, float]:
    raw = raw_ceilings(folder, sizes)
    served = through_api(folder, sizes, meter)
    return {
        "ingest_api_per_s": served["api_per_s"],
        "ingest_api_cpu": served["api_cpu"],
        "raw_executemany_per_s": raw["executemany_per_s"],
        "raw_copy_per_s": raw["copy_per_s"],
        "ingest_ratio": served["api_per_s"] / raw["executemany_per_s"],
        "ingest_over_copy": served["api_per_s"] / raw["copy_per_s"],
    }
