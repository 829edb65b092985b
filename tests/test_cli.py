"""The `nudge` command, run as a real process against the test database."""

import json
import os
import subprocess
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from app.clock import FrozenClock
from bench.scratch import fresh_database
from tests.conftest import Server
from tests.factories import reminder
from tests.helpers.cli import NUDGE, nudge


@pytest.mark.usefixtures("db")
def test_tenant_and_keys_lifecycle_from_the_command_line(
    database_url: str, server: Server, clock: FrozenClock
) -> None:
    created = nudge(database_url, "tenants", "create", "Acme Microfinance", "--json")
    assert created.returncode == 0, created.stderr
    tenant = json.loads(created.stdout)  # exactly one JSON object, nothing else
    assert {"tenant_id", "api_key"} <= tenant.keys()
    admin = {"Authorization": f"Bearer {tenant['api_key']}"}
    assert (
        httpx.post(f"{server.url}/v1/reminders", json=reminder(), headers=admin).status_code == 202
    )

    made = nudge(
        database_url,
        "keys",
        "create",
        "--tenant",
        tenant["tenant_id"],
        "--scope",
        "reminders:read",
        "--scope",
        "deliveries:read",
        "--json",
    )
    assert made.returncode == 0, made.stderr
    key = json.loads(made.stdout)
    reader = {"Authorization": f"Bearer {key['api_key']}"}
    assert httpx.get(f"{server.url}/v1/reminders", headers=reader).status_code == 200
    assert (
        httpx.post(f"{server.url}/v1/reminders", json=reminder(), headers=reader).status_code == 403
    )

    revoked = nudge(database_url, "keys", "revoke", key["key_id"])
    assert revoked.returncode == 0, revoked.stderr
    clock.advance(timedelta(seconds=server.app.state.settings.api_key_cache_seconds))
    assert httpx.get(f"{server.url}/v1/reminders", headers=reader).status_code == 401


@pytest.mark.usefixtures("db")
def test_unknown_tenant_or_scope_is_a_clear_error(database_url: str) -> None:
    no_tenant = nudge(
        database_url,
        "keys",
        "create",
        "--tenant",
        "00000000-0000-0000-0000-000000000000",
        "--scope",
        "admin",
    )
    assert no_tenant.returncode != 0
    assert "no tenant" in no_tenant.stderr
    bad_scope = nudge(
        database_url,
        "keys",
        "create",
        "--tenant",
        "00000000-0000-0000-0000-000000000000",
        "--scope",
        "everything",
    )
    assert bad_scope.returncode != 0
    assert "everything" in bad_scope.stderr


def test_migrate_brings_an_empty_sqlite_file_to_head(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        result = nudge(url, "migrate")
        assert result.returncode == 0, result.stderr
        assert "database at revision" in result.stdout
        created = nudge(url, "tenants", "create", "first", "--json")
        assert created.returncode == 0, created.stderr


def test_dev_tenant_keeps_printing_the_same_working_key(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        nudge(url, "migrate")
        key_file = tmp_path / "dev-key"
        first = nudge(url, "dev-tenant", "--key-file", str(key_file))
        second = nudge(url, "dev-tenant", "--key-file", str(key_file))
        assert first.returncode == second.returncode == 0, first.stderr
        assert first.stdout == second.stdout
        assert key_file.read_text().strip() in first.stdout
        assert oct(key_file.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_a_refused_start_names_the_bad_settings_but_never_prints_their_values(
    command: str, tmp_path: Path
) -> None:
    env = os.environ | {
        "NUDGE_ENV": "hunter2-s3cr3t",
        "NUDGE_DATABASE_POOL_SIZE": "+12025550150x",
        "NUDGE_SMTP_PORT": "wang.fang@example.com",
    }
    refused = subprocess.run(
        [NUDGE, command], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    printed = refused.stdout + refused.stderr
    assert refused.returncode != 0
    for name in ("NUDGE_ENV", "NUDGE_DATABASE_POOL_SIZE", "NUDGE_SMTP_PORT"):
        assert name in printed
    for value in ("hunter2", "2025550150", "wang.fang"):
        assert value not in printed
    assert "Traceback" not in printed
