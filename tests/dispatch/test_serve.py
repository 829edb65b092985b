"""`nudge serve` as `make run` starts it: the embedded dispatcher sends through the console."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.scratch import free_port, fresh_database
from tests.factories import reminder

NUDGE = str(Path(sys.executable).parent / "nudge")
ALWAYS = {"windows": {"any": [{"start": "00:00", "end": "24:00"}]}}


def test_serve_sends_a_reminder_through_the_console_within_seconds(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        env = os.environ | {
            "NUDGE_DATABASE_URL": url,
            "NUDGE_ENV": "development",
            "NUDGE_DISPATCH_INTERVAL": "0.5",
        }
        key_file = tmp_path / "key"
        for command in (["migrate"], ["dev-tenant", "--key-file", str(key_file)]):
            subprocess.run([NUDGE, *command], env=env, check=True, capture_output=True)
        port = free_port()
        log = tmp_path / "serve.log"
        with log.open("wb") as output:
            server = subprocess.Popen(
                [NUDGE, "serve", "--port", str(port)],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            headers = {"Authorization": f"Bearer {key_file.read_text().strip()}"}
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
                deadline = time.monotonic() + 20
                while True:
                    try:
                        client.get("/healthz")
                        break
                    except httpx.TransportError:
                        assert time.monotonic() < deadline, log.read_text()
                        time.sleep(0.1)
                client.put("/v1/policies/always", json=ALWAYS).raise_for_status()
                submitted = client.post("/v1/reminders", json=reminder(policy="always"))
                reminder_id = submitted.json()["id"]
                accepted = time.monotonic()
                while client.get(f"/v1/reminders/{reminder_id}").json()["status"] != "sent":
                    assert time.monotonic() - accepted < 5, log.read_text()[-3000:]
                    time.sleep(0.1)
        finally:
            server.terminate()
            server.wait(timeout=30)
        printed = log.read_text()
        assert "nudge.channels.console" in printed
        assert "1,234.50" in printed
