"""Liveness and readiness."""

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.main import create_app
from bench.scratch import fresh_database
from tests.conftest import START, DispatcherFactory, app_settings
from tests.databases import BACKENDS
from tests.servers import serving


def test_healthz_and_readyz_answer_ok_on_a_migrated_database(anonymous: httpx.Client) -> None:
    assert anonymous.get("/healthz").json() == {"status": "ok"}
    assert anonymous.get("/readyz").json() == {"status": "ready", "dispatch": None}


@pytest.mark.parametrize("backend", BACKENDS)
def test_readyz_is_503_until_the_database_is_migrated(backend: str, tmp_path: Path) -> None:
    with (
        fresh_database(backend, tmp_path) as url,
        serving(create_app(app_settings(url))) as base,
    ):
        assert httpx.get(f"{base}/healthz").status_code == 200
        response = httpx.get(f"{base}/readyz")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["retry-after"]) > 0
        assert (
            "nudge migrate" in response.json()["detail"] or "revision" in response.json()["detail"]
        )


def test_readyz_is_503_when_the_database_is_unreachable() -> None:
    settings = app_settings("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with serving(create_app(settings)) as base:
        response = httpx.get(f"{base}/readyz")
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    assert "unreachable" in response.json()["detail"]


@pytest.mark.anyio
async def test_readyz_tells_how_long_ago_any_worker_last_finished_a_dispatch_round(
    anonymous: httpx.Client, db: Session, clock: FrozenClock, make_dispatcher: DispatcherFactory
) -> None:
    assert anonymous.get("/readyz").json()["dispatch"] is None  # no worker has run yet
    await make_dispatcher().run_once()  # nothing due: a round that finished all the same
    clock.advance(timedelta(seconds=42))
    response = anonymous.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "dispatch": {
            "worker": "test",
            "last_success_at": START.isoformat().replace("+00:00", "Z"),
            "age_seconds": 42.0,
            "last_error": None,
        },
    }
