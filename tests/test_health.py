"""Liveness and readiness."""

from pathlib import Path

import httpx
import pytest

from app.main import create_app
from tests.conftest import app_settings
from tests.databases import BACKENDS, fresh_database
from tests.servers import serving


def test_healthz_and_readyz_answer_ok_on_a_migrated_database(anonymous: httpx.Client) -> None:
    assert anonymous.get("/healthz").json() == {"status": "ok"}
    assert anonymous.get("/readyz").json() == {"status": "ready"}


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
        assert (
            "nudge migrate" in response.json()["detail"] or "revision" in response.json()["detail"]
        )


def test_readyz_is_503_when_the_database_is_unreachable() -> None:
    settings = app_settings("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with serving(create_app(settings)) as base:
        response = httpx.get(f"{base}/readyz")
    assert response.status_code == 503
    assert "unreachable" in response.json()["detail"]
