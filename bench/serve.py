"""The processes under test, each its own subprocess on a free loopback port: `nudge serve`,
`nudge worker`s and the Twilio stand-in. Every one is stopped (SIGTERM, then SIGKILL) when its
block ends, also when the benchmark fails, and its output goes to a log file beside the run."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.clock import SystemClock
from bench.meter import Meter
from bench.scratch import free_port
from bench.seeding import tenant

NUDGE = str(Path(sys.executable).parent / "nudge")
TWILIO_SID = "AC" + "5e" * 16
TWILIO_TOKEN = "9c1f4a7e2b6d8035f1e4c7a9b2d6e8f0"  # shaped like a real one: test settings judge it
FROM_NUMBER = "+15005550006"


def service_env(url: str) -> dict[str, str]:
    """The settings every process of a part shares: its database, and limits out of reach.

    The per-key rate limit (20/s by default) would measure the limiter instead of the service,
    and Twilio's default 10 messages a second per adapter would cap dispatch at the rate a
    small Twilio account allows; the benchmark measures what Nudge itself can do.
    """
    return os.environ | {
        "NUDGE_DATABASE_URL": url,
        "NUDGE_ENV": "test",
        "NUDGE_EMBEDDED_WORKER": "false",
        "NUDGE_RATE_LIMIT_PER_SECOND": "1000000",
        "NUDGE_RATE_LIMIT_BURST": "1000000",
        "NUDGE_CHANNEL_RATE_LIMITS": json.dumps({"twilio_sms": 1e6}),
    }


@contextmanager
def running(
    argv: list[str], *, env: dict[str, str], log: Path, name: str, meter: Meter
) -> Iterator[subprocess.Popen[bytes]]:
    """`argv` as a subprocess watched by `meter` as `name`, stopped when the block ends."""
    with log.open("ab") as output:
        process = subprocess.Popen(argv, env=env, stdout=output, stderr=subprocess.STDOUT)
    meter.watch(name, process.pid)
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, so a worker drains its round and the stand-in writes its log; SIGKILL if it
    is still there 30 s later (a wedged process must not wedge the benchmark)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{tail(log)}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within 30 s:\n{tail(log)}")


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


@contextmanager
def api(
    url: str, folder: Path, meter: Meter, name: str, *, workers: int = 1
) -> Iterator[tuple[str, str]]:
    """Migrates `url`, makes a tenant and serves the API alone (`nudge serve --no-worker
    --workers N`): its base URL and the key. The meter watches every worker process too, as
    `api:<name>-w<n>`, so the part's CPU share adds them up."""
    key = tenant(url, clock=SystemClock()).secret
    port, log = free_port(), folder / f"{name}.log"
    argv = [NUDGE, "serve", "--no-worker", "--port", str(port), "--workers", str(workers)]
    with running(argv, env=service_env(url), log=log, name=f"api:{name}", meter=meter) as process:
        base = f"http://127.0.0.1:{port}"
        if workers > 1:
            for n, pid in enumerate(worker_pids(process, workers, log)):
                meter.watch(f"api:{name}-w{n}", pid)
        wait_until_answering(f"{base}/healthz", process, log)
        yield base, key


def _cmdline(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def worker_pids(process: subprocess.Popen[bytes], count: int, log: Path) -> list[int]:
    """The pids of the `count` uvicorn worker processes `process` supervises, once all are up."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"nudge serve exited with {process.returncode}:\n{tail(log)}")
        listed = children.read_text().split() if children.exists() else []
        pids = [int(pid) for pid in listed if b"spawn_main" in _cmdline(pid)]  # not the tracker
        if len(pids) >= count:
            return pids[:count]
        time.sleep(0.1)
    raise RuntimeError(f"nudge serve did not start {count} workers within 30 s:\n{tail(log)}")


@dataclass(frozen=True)
class Send:
    at: float
    """When the stand-in accepted it (time.time())."""
    reference: str


@dataclass
class StandIn:
    url: str
    log: Path
    process: subprocess.Popen[bytes]

    def accepted(self) -> int:
        count: int = httpx.get(f"{self.url}/accepted", timeout=10).json()["accepted"]
        return count

    def sends(self) -> list[Send]:
        """Every message it accepted, in order; readable once it has stopped."""
        if self.process.poll() is None:
            raise RuntimeError("the stand-in writes its log when it stops")
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        return [Send(float(at), ref) for at, _, ref in (line.partition(" ") for line in lines)]


@contextmanager
def standin(folder: Path, meter: Meter, name: str) -> Iterator[StandIn]:
    port, log = free_port(), folder / f"{name}.sends"
    argv = [sys.executable, "-m", "bench.standin", "--port", str(port), "--log", str(log)]
    argv += ["--account", TWILIO_SID, "--token", TWILIO_TOKEN]
    output = folder / f"{name}.log"
    env = os.environ | {"PYTHONPATH": str(Path(__file__).parents[1])}
    with running(argv, env=env, log=output, name=name, meter=meter) as process:
        url = f"http://127.0.0.1:{port}"
        wait_until_answering(f"{url}/accepted", process, output)
        yield StandIn(url, log, process)


def worker_env(url: str, twilio: StandIn) -> dict[str, str]:
    """A worker's settings: the service's, and SMS through the real Twilio adapter to the
    stand-in."""
    return service_env(url) | {
        "NUDGE_TWILIO_ACCOUNT_SID": TWILIO_SID,
        "NUDGE_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "NUDGE_TWILIO_FROM_NUMBER": FROM_NUMBER,
        "NUDGE_TWILIO_API_BASE": twilio.url,
        "NUDGE_PUBLIC_URL": "https://nudge.example",
    }


@contextmanager
def workers(
    url: str, count: int, *, twilio: StandIn, folder: Path, meter: Meter, name: str
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` `nudge worker` processes sending SMS through the real Twilio adapter to the
    stand-in, with their ordinary JSON logs (to a file)."""
    env = worker_env(url, twilio)
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                running(
                    [NUDGE, "worker"],
                    env=env,
                    log=folder / f"{name}-{n}.log",
                    name=f"worker:{name}-{n}",
                    meter=meter,
                )
            )
            for n in range(count)
        ]
