"""A burst of idempotent submits with replays, as a careless integrator's retry loop makes.

    python bench/submit_load.py [--database sqlite|postgresql] [--submits 200] [--replays 50]

Starts `nudge serve` on a loopback port against a fresh database and fires `--submits`
concurrent `POST /v1/reminders`, each with its own `Idempotency-Key`; `--replays` of them are
sent again with the same key and body once their first answer is in, while the rest of the
burst is still running. Prints what came back: 5xx and connection errors must be zero, every
replay must equal its first answer, and each accepted key must have stored one reminder.

`tests/reminders/test_submit_load.py` runs the same burst against the test server.
"""

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parents[1]))

from bench.meter import Meter
from bench.scratch import fresh_database
from bench.seeding import body
from bench.serve import api


@dataclass
class LoadReport:
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: list[str] = field(default_factory=list)
    mismatched_replays: list[str] = field(default_factory=list)
    accepted: dict[str, str] = field(default_factory=dict)
    """Idempotency key -> the reminder id its first answer gave."""
    seconds: float = 0.0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


LATER = (datetime.now(UTC) + timedelta(days=30)).isoformat()

"""Far enough ahead that no submit is due while the burst runs."""


async def burst(base_url: str, api_key: str, *, submits: int, replays: int) -> LoadReport:
    """Every submit at once; each of the first `replays` is sent again after its answer."""
    report = LoadReport()
    limits = httpx.Limits(max_connections=submits + replays, max_keepalive_connections=0)
    headers = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=120
    ) as client:

        async def post(index: int, key: str) -> httpx.Response | None:
            try:
                response = await client.post(
                    "/v1/reminders",
                    json=body(index, send_at=LATER),
                    headers={"Idempotency-Key": key},
                )
            except httpx.TransportError as error:
                report.transport_errors.append(f"{key}: {type(error).__name__}: {error}")
                return None
            report.statuses[response.status_code] += 1
            return response

        async def one(index: int) -> None:
            key = f"burst-{index}"
            first = await post(index, key)
            if first is None or first.status_code != 202:
                return
            report.accepted[key] = first.json()["id"]
            if index < replays:
                again = await post(index, key)
                if again is not None and (again.status_code, again.json()) != (
                    first.status_code,
                    first.json(),
                ):
                    report.mismatched_replays.append(f"{key}: {again.status_code}")

        began = time.perf_counter()
        await asyncio.gather(*(one(index) for index in range(submits)))
        report.seconds = time.perf_counter() - began
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--submits", type=int, default=200)
    parser.add_argument("--replays", type=int, default=50)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        fresh_database(args.database, Path(folder)) as database,
        Meter() as meter,
        api(database, Path(folder), meter, "burst") as (url, api_key),
    ):
        report = asyncio.run(burst(url, api_key, submits=args.submits, replays=args.replays))
        engine = sa.create_engine(database)
        with engine.connect() as connection:
            stored = connection.scalar(sa.text("SELECT count(*) FROM reminders")) or 0
        engine.dispose()
    print(
        json.dumps(
            {
                "database": args.database,
                "submits": args.submits,
                "replays": args.replays,
                "statuses": dict(sorted(report.statuses.items())),
                "server_errors": report.server_errors,
                "transport_errors": len(report.transport_errors),
                "mismatched_replays": len(report.mismatched_replays),
                "accepted": len(report.accepted),
                "reminders_stored": stored,
                "seconds": round(report.seconds, 2),
            },
            indent=2,
        )
    )
    ok = (
        report.server_errors == 0
        and not report.transport_errors
        and not report.mismatched_replays
        and stored == len(report.accepted) == args.submits
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
