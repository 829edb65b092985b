"""Production never stores or reads tenants' credentials under the public development key."""

import os
import subprocess
from pathlib import Path

import httpx
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.main import create_app
from app.tenants import service as tenants
from bench.scratch import free_port
from tests.conftest import app_settings
from tests.helpers.cli import NUDGE
from tests.servers import serving

TOKEN = "f3b9c1d7e2a84605b1c9d3e7f2a6b0c4"
ACCOUNT = {"account_sid": "AC" + "a1" * 16, "auth_token": TOKEN, "from_number": "+15005550101"}


def run(env: dict[str, str], folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NUDGE, *args], env=env, cwd=folder, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_to_start_without_a_key_once_credentials_are_stored(
    tmp_path: Path,
) -> None:
    key = Fernet.generate_key().decode()
    env = os.environ | {
        "NUDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'nudge.db'}",
        "NUDGE_EMBEDDED_WORKER": "false",
        "NUDGE_CREDENTIALS_KEYS": key,
    }
    assert run(env, tmp_path, "migrate").returncode == 0
    store = (
        "from channels.twilio.settings import TwilioAccount\n"
        "from app.accounts.service import store\n"
        "from app.accounts.vault import Vault\n"
        "from app.config import get_settings\n"
        "from app.db import create_db_engine, create_session_factory\n"
        "from app.clock import SystemClock\n"
        "from app.tenants.service import create_tenant\n"
        "settings = get_settings()\n"
        "with create_session_factory(create_db_engine(settings.database_url)).begin() as s:\n"
        "    tenant = create_tenant(s, name='acme', clock=SystemClock()).tenant_id\n"
        f"    body = TwilioAccount.model_validate({ACCOUNT!r})\n"
        "    store(s, tenant_id=tenant, provider='twilio', body=body, vault=Vault(settings),"
        " rules=settings, now=SystemClock().now())\n"
    )
    stored = subprocess.run(
        [str(Path(NUDGE).parent / "python"), "-c", store], env=env, cwd=tmp_path, timeout=60
    )
    assert stored.returncode == 0

    production = env | {
        "NUDGE_ENV": "production",
        "NUDGE_SECRET_KEY": "Zq8vN2xK5mR9tL3wB7cF1hJ4pD6sG0yA",
        "NUDGE_CREDENTIALS_KEYS": "",
    }
    refused = run(production, tmp_path, "serve", "--port", str(free_port()))
    assert refused.returncode != 0
    printed = refused.stdout + refused.stderr
    assert "set NUDGE_CREDENTIALS_KEYS" in printed
    assert TOKEN not in printed


def test_production_without_a_key_stores_no_credentials(
    database_url: str, db: Session, clock: FrozenClock
) -> None:
    """Rather than seal them under the public development key: 409, and nothing stored."""
    issued = tenants.create_tenant(db, name="acme", clock=clock)
    db.commit()
    config = app_settings(
        database_url, env="production", secret_key="Zq8vN2xK5mR9tL3wB7cF1hJ4pD6sG0yA"
    )
    with (
        serving(create_app(config, clock)) as url,
        httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {issued.secret}"}, timeout=30
        ) as client,
    ):
        refused = client.put("/v1/tenant/providers/twilio", json=ACCOUNT)
        assert refused.status_code == 409, refused.text
        assert "NUDGE_CREDENTIALS_KEYS" in refused.json()["detail"]
        assert client.get("/v1/tenant/providers").json() == []
