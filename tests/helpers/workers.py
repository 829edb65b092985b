"""Real `nudge worker` processes for the tests that need one: its own process, settings from
the environment, output to a log file."""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import TWILIO_SID, TWILIO_TOKEN
from tests.fakes.twilio_server import FakeTwilio

NUDGE = str(Path(sys.executable).parent / "nudge")
ALWAYS = {"windows": {"any": [{"start": "00:00", "end": "24:00"}]}}
"""A policy that allows any hour: the tests that use it are about processes, not the policy."""


@contextmanager
def worker(
    url: str, twilio: FakeTwilio, log: Path, **settings: str
) -> Iterator[subprocess.Popen[bytes]]:
    """`nudge worker` sending SMS to `twilio`, in fast rounds; `settings` adds NUDGE_* ones."""
    env = (
        os.environ
        | {
            "NUDGE_DATABASE_URL": url,
            "NUDGE_ENV": "test",
            "NUDGE_TWILIO_ACCOUNT_SID": TWILIO_SID,
            "NUDGE_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "NUDGE_TWILIO_FROM_NUMBER": "+15005550006",
            "NUDGE_TWILIO_API_BASE": twilio.url,
            "NUDGE_PUBLIC_URL": "https://nudge.example",
            "NUDGE_DISPATCH_INTERVAL": "0.05",
            "NUDGE_DISPATCH_BATCH_SIZE": "50",
            "NUDGE_DISPATCH_LEASE_SECONDS": "2",
            "NUDGE_CHANNEL_RATE_LIMITS": '{"twilio_sms": 2000}',
        }
        | settings
    )
    with log.open("ab") as output:
        process = subprocess.Popen([NUDGE, "worker"], env=env, stdout=output, stderr=output)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
