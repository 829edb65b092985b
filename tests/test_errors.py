"""Every error is RFC 9457 problem+json, and oversized bodies are refused before parsing."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from app.errors import Problem, problem_response
from app.main import create_app
from app.reminders.models import Reminder
from tests.conftest import Tenant, app_providers, app_settings, count
from tests.databases import BACKENDS, unreachable_database
from tests.factories import reminder
from tests.helpers.ops import csrf_token
from tests.helpers.twilio import INBOUND_PATH, signature
from tests.servers import serving


def test_a_body_over_1_mib_gets_413_and_nothing_is_stored(tenant: Tenant, db: Session) -> None:
    body = reminder(metadata={"padding": "x" * (1024 * 1024)})
    response = tenant.client.post("/v1/reminders", json=body)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 413
    assert count(db, Reminder) == 0


def test_a_streamed_body_over_1_mib_without_length_gets_413(tenant: Tenant, db: Session) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 65536

    response = tenant.client.post(
        "/v1/reminders", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert count(db, Reminder) == 0


def test_malformed_json_is_a_problem_with_a_field_path(tenant: Tenant) -> None:
    response = tenant.client.post(
        "/v1/reminders", content=b'{"customer": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]


def test_unknown_routes_and_methods_are_problems(anonymous: httpx.Client) -> None:
    missing = anonymous.get("/v1/nothing-here")
    assert (missing.status_code, missing.headers["content-type"]) == (
        404,
        "application/problem+json",
    )
    assert missing.json()["title"] == "Not Found"
    wrong = anonymous.delete("/healthz")
    assert (wrong.status_code, wrong.json()["status"]) == (405, 405)


def test_a_problem_quoting_a_lone_surrogate_is_still_sent() -> None:
    """A message may quote the caller's input; one half of a surrogate pair cannot be encoded,
    so it is written as an escape rather than failing the answer."""
    problem = Problem(type="about:blank", title="Bad", status=422, detail="'\udfff' is not a zone")
    body = json.loads(problem_response(problem).body)
    assert body["detail"] == "'\\udfff' is not a zone"


LOCAL = "http://127.0.0.1"
"""The unreachable-database server's public URL: plain http, so the dashboard's cookies come
back to the test client, and what Twilio signatures are made over."""
INBOUND = {"From": "+8613812345678", "Body": "hello", "MessageSid": "SM1"}
DATABASE_ROUTES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/v1/reminders", {}),
    ("POST", "/v1/reminders", {"json": reminder()}),
    ("POST", "/v1/reminders/batch", {"json": {"items": [reminder()]}}),
    ("GET", "/v1/reminders/00000000-0000-0000-0000-000000000000", {}),
    ("POST", "/v1/loans/loan-1/cancel-reminders", {}),
    ("GET", "/v1/deliveries", {}),
    ("GET", "/v1/deliveries.csv", {}),
    ("GET", "/v1/stats/deliveries", {"params": {"group_by": "channel"}}),
    ("GET", "/v1/templates", {}),
    ("PUT", "/v1/tenant", {"json": {"display_name": "Acme"}}),
    ("GET", "/v1/policies", {}),
    ("POST", "/v1/policy/evaluate", {"json": {"customer_ref": "c-1", "channel": "sms"}}),
    ("POST", "/v1/opt-outs", {"json": {"customer_ref": "c-1", "channel": "sms"}}),
    ("GET", "/v1/audit/verify", {}),
    (
        "POST",
        INBOUND_PATH,
        {
            "data": INBOUND,
            "headers": {"X-Twilio-Signature": signature(INBOUND_PATH, INBOUND, base=LOCAL)},
        },
    ),
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_route_answers_503_with_retry_after_while_the_database_is_unreachable(
    backend: str, tmp_path: Path
) -> None:
    settings = app_settings(unreachable_database(backend, tmp_path), public_url=LOCAL)
    unavailable = (503, "application/problem+json", str(settings.db_retry_after_seconds))
    with (
        serving(create_app(settings, providers=app_providers(settings))) as base,
        httpx.Client(base_url=base, headers={"Authorization": "Bearer k"}, timeout=30) as client,
    ):
        answers = {
            (method, path): client.request(method, path, **request)
            for method, path, request in DATABASE_ROUTES
        }
        token = csrf_token(client.get("/ops/login"))
        answers["POST", "/ops/login"] = client.post(
            "/ops/login", data={"api_key": "k", "csrf": token}
        )
        assert client.get("/healthz").status_code == 200
    wrong = {
        route: (response.status_code, response.text)
        for route, response in answers.items()
        if (
            response.status_code,
            response.headers["content-type"],
            response.headers.get("retry-after"),
        )
        != unavailable
        or response.json()["type"] != "/problems/database-unavailable"
    }
    assert wrong == {}
