"""`python -m bench` at a tiny size, so the benchmark cannot rot between full runs: every part
runs end to end against real processes, writes every figure as a number, and the Twilio
stand-in's own log shows each message sent exactly once. Timings are not judged here."""

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADLINE = (
    "ingest_ratio",
    "dispatch_ratio",
    "dispatch_2w_over_1w",
    "submit_p99_ms",
    "submit_error_rate",
    "recovery_s",
    "claim_scale_ratio",
    "policy_scale_ratio",
    "peak_rss_mb",
)
RAW = ("wire_per_s", "twilio_loop_per_s", "twilio_loop_ratio")
"""The ceilings the dispatch figures are read against."""
WITNESSED = ("wire", "twilio_loop", "dispatch1w", "dispatch2w", "wave", "wave_spread")


def test_a_tiny_benchmark_run_reports_every_figure_and_sends_each_message_once(
    tmp_path: Path,
) -> None:
    out = tmp_path / "latest.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--scale", "0.005", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    figures = json.loads(out.read_text())

    for key in HEADLINE + RAW:
        value = figures[key]
        assert isinstance(value, int | float), (key, value)
        assert not isinstance(value, bool), key
        assert math.isfinite(value), (key, value)
    for name in WITNESSED:
        assert figures[f"{name}_duplicates"] == 0, f"{name}: a message was sent twice"
        assert figures[f"{name}_lost"] == 0, f"{name}: a message never reached the stand-in"
    assert figures["peak_rss_mb"] > 0, "the processes' memory was never read"
    assert "dispatch, 2 workers" in run.stdout, "the table was not printed"
