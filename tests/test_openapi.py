"""The OpenAPI document is complete enough for an integrator to work from alone."""

from typing import Any

import httpx
import pytest

ERRORS_BY_METHOD = {
    "post": {"401", "403", "422"},
    "put": {"401", "403", "422"},
    "patch": {"401", "403", "422"},
    "get": {"401", "403"},
    "delete": {"401", "403", "404"},
}
WEBHOOK_ERRORS = {"403", "422"}
"""Twilio's webhooks take no API key (no 401); a missing or forged signature is 403."""
LINK_ERRORS = {"404", "422"}
"""The email unsubscribe link takes no API key: its signed token is the credential, and one
Nudge did not sign is 404."""
PUBLIC_PREFIXES = {"/v1/webhooks/": WEBHOOK_ERRORS, "/v1/unsubscribe/": LINK_ERRORS}


@pytest.fixture(scope="module")
def spec(server) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    document: dict[str, Any] = httpx.get(f"{server.url}/openapi.json").json()
    return document


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op) for path, item in spec["paths"].items() for method, op in item.items()
    ]


def test_every_operation_has_a_summary_and_a_description(spec: dict[str, Any]) -> None:
    for path, method, op in operations(spec):
        assert op.get("summary"), f"{method} {path}"
        assert op.get("description"), f"{method} {path}"


def test_every_api_operation_declares_its_problem_responses(spec: dict[str, Any]) -> None:
    for path, method, op in operations(spec):
        if path.startswith("/v1/"):
            expected = next(
                (errors for prefix, errors in PUBLIC_PREFIXES.items() if path.startswith(prefix)),
                ERRORS_BY_METHOD[method],
            )
            declared = set(op["responses"])
            assert expected <= declared, f"{method} {path}: {declared}"
            for status in expected:
                assert "application/problem+json" in op["responses"][status]["content"]


def test_every_validation_error_is_declared_as_problem_json(spec: dict[str, Any]) -> None:
    for path, method, op in operations(spec):
        if "422" in op["responses"]:
            assert set(op["responses"]["422"]["content"]) == {"application/problem+json"}, (
                f"{method} {path}"
            )
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_request_and_response_bodies_carry_examples(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for name in ("ReminderIn", "BatchIn", "ReminderOut", "Problem"):
        schema = schemas[name]
        has_example = "examples" in schema or any(
            "examples" in field for field in schema.get("properties", {}).values()
        )
        assert has_example, name


def test_docs_page_is_served(server) -> None:  # type: ignore[no-untyped-def]
    response = httpx.get(f"{server.url}/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()
