"""Nudge measured from outside against raw ceilings taken in the same run (docs/benchmarks.md).

    python -m bench [--scale 0.01] [--out bench/results/latest.json] [--only PART ...]

On PostgreSQL (NUDGE_TEST_POSTGRES_URL, default the local `test` database's server), each part
in fresh databases of its own, the service as real `nudge serve` and `nudge worker`
subprocesses on loopback, SMS through the real Twilio adapter to the benchmark's own Twilio
stand-in. Prints one table, each figure beside the ceiling it is compared with, and writes
every figure to a JSON file. `--scale` shrinks every part (the smoke test runs it tiny).
"""

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parents[1]))

from bench import backlog, dispatch, ingest, submits
from bench.meter import Meter
from bench.report import table
from bench.scratch import POSTGRES_URL
from bench.sizes import Sizes

ROOT = Path(__file__).parents[1]
PARTS: dict[str, Callable[[Path, Sizes, Meter], dict[str, float]]] = {
    "ingest": ingest.run,
    "submits": submits.run,
    "dispatch": dispatch.run,
    "backlog": lambda folder, sizes, _: backlog.run(folder, sizes),
}


def machine() -> dict[str, object]:
    engine = sa.create_engine(POSTGRES_URL)
    with engine.connect() as connection:
        postgres = connection.scalar(sa.text("SHOW server_version"))
    engine.dispose()
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "postgresql": postgres,
        "python": sys.version.split()[0],
        "commit": commit or None,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="every size times this")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    parser.add_argument("--only", nargs="+", choices=list(PARTS), default=list(PARTS))
    parser.add_argument(
        "--logs", type=Path, help="keep the processes' logs and the stand-in's here"
    )
    args = parser.parse_args()
    # SIGTERM unwinds like Ctrl-C, so the processes and databases of the part are cleaned up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    logging.disable(logging.INFO)  # the harness's own in-process service calls
    sizes = Sizes().scaled(args.scale)
    began = time.perf_counter()
    figures: dict[str, float] = {}
    with ExitStack() as stack:
        if args.logs:
            args.logs.mkdir(parents=True, exist_ok=True)
        folder = args.logs or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        meter = stack.enter_context(Meter())
        for part in args.only:
            started = time.perf_counter()
            figures |= PARTS[part](folder, sizes, meter)
            figures[f"{part}_seconds"] = time.perf_counter() - started
        figures["api_peak_rss_mb"] = meter.peak_rss_mb("api:")
        figures["worker_peak_rss_mb"] = meter.peak_rss_mb("worker:")
        figures["peak_rss_mb"] = max(figures["api_peak_rss_mb"], figures["worker_peak_rss_mb"])
    figures["duration_s"] = time.perf_counter() - began
    result = {"machine": machine(), "scale": args.scale, "sizes": vars(sizes), **figures}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(table(figures, sizes))
    print(f"\n{args.out} written; {figures['duration_s']:.0f} s in all")


if __name__ == "__main__":
    main()
