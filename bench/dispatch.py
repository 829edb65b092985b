"""Parts 4 and 5: end-to-end dispatch by real `nudge worker` processes through the real Twilio
adapter to the stand-in, beside the raw aiohttp loop and the twilio library's own loop to the
same stand-in in the same run; and the 08:00 wave.

Rates count from the first send to the last, by the stand-in's own clock: a worker's start-up
and its first poll are not the service's throughput. The stand-in's log is the witness that
every reminder reached the provider exactly once (`duplicates` and `lost` must be 0).
"""

import random
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import wire
from bench.bulk import connect, copy_rows, customers, reminders
from bench.meter import Meter
from bench.seeding import ZONE, Prototyped, prototyped
from bench.serve import Send, standin, workers
from bench.sizes import Sizes

POLICY = {
    "windows": {"any": [{"start": "00:00", "end": "24:00"}]},
    "caps": [{"max": 1000, "window": "P1D"}],
}
"""Any hour, and a daily cap no customer reaches: each decision reads the customer's day of
contacts, as a real policy's would."""
Due = Callable[[int], datetime]
BACKENDS = (
    "SELECT pid FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)
PENDING = "SELECT count(*) FROM reminders WHERE status IN ('scheduled', 'deferred', 'dispatching')"


def fill(seeded: Prototyped, count: int, owners: int, *, status: str, due: Due) -> set[str]:
    """`count` reminders over `owners` new customers, COPYed in one transaction; their ids."""
    with connect(seeded.url) as connection:
        with connection.transaction():
            people = customers(seeded.customer, owners)
            copy_rows(connection, "customers", people)
            rows = list(reminders(seeded.reminder, people, count, status=status, due=due))
            copy_rows(connection, "reminders", rows)
        connection.execute("ANALYZE")  # as autovacuum would soon after such a load
    return {str(row["id"]) for row in rows}


def wait_drained(
    url: str, procs: list[subprocess.Popen[bytes]], *, limit_s: float, meter: Meter, name: str
) -> None:
    """Until no reminder is left to send (the prototype, due in a year, is not counted).

    Meanwhile the PostgreSQL backends serving the workers are watched as `pg:<name>`, so that
    the database's CPU share is printed beside the workers'."""
    began = time.time()
    with connect(url) as connection:
        while True:
            for (pid,) in connection.execute(BACKENDS).fetchall():
                meter.watch(f"pg:{name}:{pid}", pid)
            row = connection.execute(PENDING).fetchone()
            left = (row[0] if row else 0) - 1
            if left <= 0:
                return
            dead = [p.returncode for p in procs if p.poll() is not None]
            if dead or time.time() - began > limit_s:
                raise RuntimeError(f"{left} reminders left; workers exited: {dead}")
            time.sleep(0.25)


def wait_polling(url: str, procs: list[subprocess.Popen[bytes]]) -> None:
    """Until every worker has finished a round (its heartbeat row): all are polling."""
    with connect(url) as connection:
        for _ in range(600):
            row = connection.execute("SELECT count(*) FROM dispatch_heartbeats").fetchone()
            if row and row[0] >= len(procs):
                return
            if any(p.poll() is not None for p in procs):
                break
            time.sleep(0.1)
    raise RuntimeError("the workers did not start polling within a minute")


def witness(sends: list[Send], expected: set[str]) -> tuple[list[Send], int, int]:
    """The sends of `expected` reminders, how many were sent twice, how many never."""
    ours = [s for s in sends if s.reference in expected]
    seen = Counter(s.reference for s in ours)
    return ours, sum(n - 1 for n in seen.values()), len(expected - seen.keys())


def rate(sends: list[Send]) -> float:
    if len(sends) < 2:
        return 0.0
    return (len(sends) - 1) / max(sends[-1].at - sends[0].at, 1e-6)


@contextmanager
def dispatch_database(folder: Path, sizes: Sizes) -> Iterator[tuple[Prototyped, set[str]]]:
    with prototyped(folder, policy="bench", spec=POLICY) as seeded:
        now = datetime.now(UTC)
        expected = fill(
            seeded,
            sizes.dispatch,
            min(sizes.dispatch_customers, sizes.dispatch),
            status="scheduled",
            due=lambda i: now - timedelta(seconds=1) + timedelta(microseconds=i),
        )
        yield seeded, expected


def dispatch(folder: Path, sizes: Sizes, meter: Meter, count: int) -> dict[str, float]:
    """`count` workers send the due reminders; with one, also the raw loop first."""
    name = f"dispatch{count}w"
    figures: dict[str, float] = {}
    with dispatch_database(folder, sizes) as (seeded, expected):
        with standin(folder, meter, f"twilio:{name}") as twilio:
            if count == 1:
                wire.post(twilio, sizes.wire)
                wire.create(twilio, sizes.wire)
            with workers(
                seeded.url, count, twilio=twilio, folder=folder, meter=meter, name=name
            ) as procs:
                wait_drained(seeded.url, procs, limit_s=sizes.drain_limit_s, meter=meter, name=name)
        sends = twilio.sends()
    ours, duplicates, lost = witness(sends, expected)
    first, last = ours[0].at, ours[-1].at
    figures[f"{name}_per_s"] = rate(ours)
    figures[f"{name}_duplicates"] = duplicates
    figures[f"{name}_lost"] = lost
    figures[f"{name}_standin_cpu"] = meter.cpu_share(f"twilio:{name}", first, last)
    figures[f"{name}_worker_cpu"] = meter.cpu_share(f"worker:{name}-", first, last)
    figures[f"{name}_postgres_cpu"] = meter.cpu_share(f"pg:{name}:", first, last)
    if count == 1:
        for loop, prefix in (("wire", wire.PREFIX), ("twilio_loop", wire.LIBRARY_PREFIX)):
            loop_ours, loop_dup, loop_lost = witness(
                sends, {f"{prefix}{i}" for i in range(sizes.wire)}
            )
            figures[f"{loop}_per_s"] = rate(loop_ours)
            figures[f"{loop}_duplicates"] = loop_dup
            figures[f"{loop}_lost"] = loop_lost
            figures[f"{loop}_standin_cpu"] = meter.cpu_share(
                f"twilio:{name}", loop_ours[0].at, loop_ours[-1].at
            )
        figures["twilio_loop_ratio"] = figures["twilio_loop_per_s"] / figures["wire_per_s"]
        quarter = (last - first) / 4
        figures["rss_first_quarter_mb"] = meter.mean_rss_mb(
            f"worker:{name}-0", first, first + quarter
        )
        figures["rss_last_quarter_mb"] = meter.mean_rss_mb(f"worker:{name}-0", last - quarter, last)
    return figures


def wave_policy(at: datetime, spread_s: float) -> dict[str, Any]:
    """Quiet until the minute of `at` (the customers' local time), then open for six hours:
    the reminders it deferred overnight fall due in that window."""
    local = at.astimezone(ZoneInfo(ZONE))
    start = local.replace(second=0, microsecond=0)
    end = start + timedelta(hours=6)
    return {
        "windows": {"any": [{"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}]},
        "spread": f"PT{spread_s:g}S",
    }


def wave(folder: Path, sizes: Sizes, meter: Meter, spread_s: float) -> dict[str, float]:
    """The reminders the policy deferred overnight all fall due at `due`, plus a random part
    of the spread (as the policy draws it); two workers are already polling when they do."""
    name = "wave" if spread_s == 0 else "wave_spread"
    lead = 3 + sizes.wave / 10_000  # the COPY of reminders and customers, with room to spare
    draw = random.Random(0)
    policy = wave_policy(datetime.now(UTC), spread_s)
    with prototyped(folder, policy="wave", spec=policy) as seeded:
        with (
            standin(folder, meter, f"twilio:{name}") as twilio,
            workers(seeded.url, 2, twilio=twilio, folder=folder, meter=meter, name=name) as procs,
        ):
            wait_polling(seeded.url, procs)
            due = datetime.now(UTC) + timedelta(seconds=lead)
            expected = fill(
                seeded,
                sizes.wave,
                sizes.wave,
                status="deferred",
                due=lambda _: due + timedelta(seconds=spread_s * draw.random()),
            )
            falls_due = max(due.timestamp(), time.time())  # the rows exist from the commit on
            wait_drained(seeded.url, procs, limit_s=sizes.drain_limit_s, meter=meter, name=name)
        sends = twilio.sends()
    ours, duplicates, lost = witness(sends, expected)
    return {
        f"{name}_drain_s": ours[-1].at - falls_due,
        f"{name}_first_send_s": ours[0].at - falls_due,
        f"{name}_duplicates": duplicates,
        f"{name}_lost": lost,
        f"{name}_late_commit_s": max(0.0, falls_due - due.timestamp()),
    }


def run(folder: Path, sizes: Sizes, meter: Meter) -> dict[str, float]:
    figures = dispatch(folder, sizes, meter, 1) | dispatch(folder, sizes, meter, 2)
    figures |= wave(folder, sizes, meter, 0.0) | wave(folder, sizes, meter, sizes.wave_spread_s)
    figures["dispatch_ratio"] = figures["dispatch1w_per_s"] / figures["wire_per_s"]
    figures["dispatch_2w_over_1w"] = figures["dispatch2w_per_s"] / figures["dispatch1w_per_s"]
    figures["rss_growth"] = figures["rss_last_quarter_mb"] / figures["rss_first_quarter_mb"]
    return figures
