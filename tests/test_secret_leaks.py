"""Configured secrets never leave the process: not in its logs, its error bodies, /metrics,
/readyz, nor in the message of a start-up it refuses.

Each secret is set to a known random value, `nudge serve` runs in production on loopback as it
is deployed, requests fail in the ways an attacker or a broken deployment makes them fail, and
everything printed or answered is searched for every value (and for the start and end of each,
since a truncated repr shows those)."""

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from bench.scratch import free_port, fresh_database
from tests.databases import BACKENDS
from tests.factories import reminder

NUDGE = str(Path(sys.executable).parent / "nudge")
PUBLIC_URL = "https://nudge.example"
INBOUND = "/v1/webhooks/twilio/inbound"
STATUS = "/v1/webhooks/twilio/status"
SECRET_SETTINGS = (
    "NUDGE_SECRET_KEY",
    "NUDGE_TWILIO_AUTH_TOKEN",
    "NUDGE_SMTP_PASSWORD",
)


def known_secrets() -> dict[str, str]:
    return {name: secrets.token_urlsafe(32) for name in SECRET_SETTINGS}


def production(database_url: str, values: dict[str, str]) -> dict[str, str]:
    """Every provider configured, so every secret is in use."""
    return os.environ | {
        "NUDGE_ENV": "production",
        "NUDGE_DATABASE_URL": database_url,
        "NUDGE_EMBEDDED_WORKER": "false",
        "NUDGE_PUBLIC_URL": PUBLIC_URL,
        "NUDGE_TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
        "NUDGE_TWILIO_FROM_NUMBER": "+15005550006",
        "NUDGE_SMTP_HOST": "smtp.example.com",
        "NUDGE_SMTP_USERNAME": "mailer",
        "NUDGE_SMTP_FROM_ADDRESS": "reminders@lender.example",
        **values,
    }


def traces(value: str) -> list[str]:
    return [value, value[:10], value[-10:]]


def assert_shows_none(text: str, values: dict[str, str]) -> None:
    for name, value in values.items():
        for trace in traces(value):
            assert trace not in text, f"{name} (or part of it) appears in the output"


@contextmanager
def served(env: dict[str, str], folder: Path) -> Iterator[tuple[httpx.Client, Path]]:
    port, log = free_port(), folder / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [NUDGE, "serve", "--port", str(port)],
            env=env,
            cwd=folder,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    assert server.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.1)
            yield client, log
    finally:
        server.terminate()
        server.wait(timeout=30)


def signed(token: str, path: str, form: dict[str, str]) -> dict[str, str]:
    return {
        "X-Twilio-Signature": RequestValidator(token).compute_signature(PUBLIC_URL + path, form)
    }


def failing_requests(
    client: httpx.Client, *, api_key: str, token: str, database_url: str
) -> list[httpx.Response]:
    """Refusals, bad input, a server error and the health pages, as an outsider sees them."""
    form = {"From": "+8613812345678", "Body": "STOP", "MessageSid": "SMleak0001"}
    auth = {"Authorization": f"Bearer {api_key}"}
    answers = [
        client.get("/v1/reminders"),
        client.get("/v1/reminders", headers={"Authorization": "Bearer nudge_not-a-key"}),
        client.post(INBOUND, data=form),
        client.post(INBOUND, data=form, headers={"X-Twilio-Signature": "c2lnbmF0dXJl"}),
        client.post(INBOUND, data=form, headers=signed("not-the-token", INBOUND, form)),
        client.post(STATUS, data={"MessageSid": "SM1", "MessageStatus": "delivered"}),
        client.post(
            INBOUND, data={"Body": "STOP"}, headers=signed(token, INBOUND, {"Body": "STOP"})
        ),
        client.post("/v1/reminders", json={"customer": {"ref": 7}}, headers=auth),
        client.post("/v1/reminders", content=b"{not json", headers=auth),
        client.get("/ops/login"),
        client.post("/ops/login", data={"csrf": "forged", "api_key": "nudge_not-a-key"}),
        client.get("/ops/deliveries", headers={"Cookie": "nudge_ops_session=forged.session"}),
        client.get("/metrics"),
        client.get("/readyz"),
    ]
    submitted = client.post("/v1/reminders", json=reminder(), headers=auth)
    assert submitted.status_code == 202, submitted.text
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:  # a row no code can read: a bug's 500
            connection.execute(sa.text("UPDATE reminders SET status = 'bogus'"))
        # uvicorn drops the connection after an unhandled error: ask for a fresh one after it
        closing = auth | {"Connection": "close"}
        answers.append(client.get(f"/v1/reminders/{submitted.json()['id']}", headers=closing))
        with engine.begin() as connection:  # a broken deployment: a table gone
            connection.execute(sa.text("ALTER TABLE reminders RENAME TO reminders_gone"))
        answers += [  # a 503 where SQLite says the database failed, a 500 on PostgreSQL
            client.get("/v1/reminders", headers=closing),
            client.post("/v1/reminders", json=reminder(), headers=closing),
            client.get("/metrics", headers={"Connection": "close"}),
        ]
        with engine.begin() as connection:  # and a database at another revision
            connection.execute(sa.text("UPDATE alembic_version SET version_num = '0000'"))
        answers.append(client.get("/readyz", headers={"Connection": "close"}))
    finally:
        engine.dispose()
    return answers


def shown(response: httpx.Response) -> str:
    return f"{response.status_code} {json.dumps(dict(response.headers))}\n{response.text}"


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_configured_secret_appears_in_logs_error_bodies_metrics_or_readyz(
    backend: str, tmp_path: Path
) -> None:
    values = known_secrets()
    with fresh_database(backend, tmp_path) as url:
        env = production(url, values)
        setup = [
            subprocess.run([NUDGE, *args], env=env, cwd=tmp_path, capture_output=True, text=True)
            for args in (["migrate"], ["tenants", "create", "acme", "--json"])
        ]
        assert [done.returncode for done in setup] == [0, 0], [done.stderr for done in setup]
        api_key = json.loads(setup[1].stdout)["api_key"]
        with served(env, tmp_path) as (client, log):
            answers = failing_requests(
                client,
                api_key=api_key,
                token=values["NUDGE_TWILIO_AUTH_TOKEN"],
                database_url=url,
            )
        printed = log.read_text() + "".join(done.stdout + done.stderr for done in setup)

    statuses = {response.status_code for response in answers}
    assert {401, 403, 422, 500, 503, 200} <= statuses, sorted(statuses)
    assert "Traceback" in printed  # the 500 was logged in full, and still shows no secret
    assert_shows_none(printed, values)
    for response in answers:
        assert_shows_none(shown(response), values)


@pytest.mark.parametrize("weak", SECRET_SETTINGS)
def test_a_refused_start_up_names_the_weak_setting_and_prints_no_secret(
    weak: str, tmp_path: Path
) -> None:
    values = known_secrets() | {weak: "changeme" * 5}
    env = production(f"sqlite:///{tmp_path / 'nudge.db'}", values)
    done = subprocess.run(
        [NUDGE, "serve", "--port", str(free_port())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    printed = done.stdout + done.stderr
    assert done.returncode != 0
    assert f"{weak} is too guessable for production" in printed
    assert_shows_none(printed, values)
