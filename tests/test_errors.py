"""Every error is RFC 9457 problem+json, and oversized bodies are refused before parsing."""

import json

import httpx
from sqlalchemy.orm import Session

from app.errors import Problem, problem_response
from app.reminders.models import Reminder
from tests.conftest import Tenant, count
from tests.factories import reminder


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
