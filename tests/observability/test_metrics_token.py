"""`GET /metrics` shows totals across tenants: a bearer token guards it when
`NUDGE_METRICS_TOKEN` is set, and production keeps it closed until one is."""

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from app.config import Settings
from app.errors import PROBLEM_MEDIA_TYPE
from app.main import create_app
from tests.conftest import app_settings
from tests.servers import serving

TOKEN = "metrics-scraper-token-0123456789"
SESSION_KEY = "a-dashboard-session-key-of-32-characters+"


@pytest.fixture
def serve(database_url: str) -> Iterator[Any]:
    """Serves the app with these settings and yields its base URL."""

    with ExitStack() as stack:

        def start(**overrides: Any) -> str:
            app = create_app(app_settings(database_url, **overrides))
            return stack.enter_context(serving(app))

        yield start


def test_with_a_token_set_metrics_need_it_as_a_bearer_token(serve: Any) -> None:
    base = serve(metrics_token=TOKEN)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        refused = httpx.get(f"{base}/metrics", headers=headers)
        assert refused.status_code == 401
        assert refused.headers["content-type"] == PROBLEM_MEDIA_TYPE
        assert refused.headers["www-authenticate"] == "Bearer"
        assert "nudge_reminders_accepted" not in refused.text
    allowed = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert allowed.status_code == 200
    assert "nudge_reminders_accepted" in allowed.text


def test_without_a_token_metrics_are_open_outside_production(serve: Any) -> None:
    assert httpx.get(f"{serve()}/metrics").status_code == 200


def test_production_without_a_token_does_not_expose_metrics(serve: Any) -> None:
    base = serve(env="production", secret_key=SESSION_KEY)
    closed = httpx.get(f"{base}/metrics")
    assert closed.status_code == 404
    assert closed.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert "NUDGE_METRICS_TOKEN" in closed.json()["detail"]
    assert httpx.get(f"{base}/healthz").status_code == 200  # the service itself runs


def test_production_with_a_token_serves_metrics_to_its_holder(serve: Any) -> None:
    base = serve(env="production", secret_key=SESSION_KEY, metrics_token=TOKEN)
    assert httpx.get(f"{base}/metrics").status_code == 401
    allowed = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert allowed.status_code == 200


@pytest.mark.parametrize("token", ["changeme", "short-token", "  secret  "])
def test_a_short_or_sample_metrics_token_is_refused_outside_development(token: str) -> None:
    with pytest.raises(ValidationError, match="NUDGE_METRICS_TOKEN"):
        Settings(_env_file=None, env="test", metrics_token=token)  # type: ignore[call-arg, arg-type]
    Settings(_env_file=None, env="development", metrics_token=token)  # type: ignore[call-arg, arg-type]
