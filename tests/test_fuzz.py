"""Schema-driven fuzzing: every operation of /openapi.json, called with an admin key by
Schemathesis over real HTTP on each database, never answers 5xx, always answers within its
declared schema, and every error it answers is problem+json."""

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CheckContext
from schemathesis.core.transport import Response

from app.errors import PROBLEM_MEDIA_TYPE
from app.main import create_app
from tests.conftest import Server, Tenant, app_settings

EXAMPLES_PER_OPERATION = 8
"""Derandomized: the same examples every run, so a red run is reproducible and a green one is
not luck (Schemathesis' negative generation sometimes cannot build a template body at random)."""


schema = schemathesis.openapi.from_dict(create_app(app_settings("sqlite:///:memory:")).openapi())
"""The document the test server serves: building it needs no database."""


def errors_are_problem_json(ctx: CheckContext, response: Response, case: Any) -> bool | None:
    """Problem+json, but where the operation documents an HTML page for that status (the
    borrower's page answers a person, in a browser, with a polite page)."""
    if response.status_code >= 400:
        media_type = response.headers.get("content-type", [""])[0].split(";")[0]
        if media_type == "text/html" and _html_documented(case, response.status_code):
            return None
        assert media_type == PROBLEM_MEDIA_TYPE, (
            f"{case.method} {case.path} answered {response.status_code} as {media_type}"
        )
    return None


def _html_documented(case: Any, status: int) -> bool:
    documented = case.operation.definition.raw.get("responses", {}).get(str(status), {})
    return "text/html" in documented.get("content", {})


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,
)
def test_every_operation_answers_within_its_schema_and_never_5xx(
    case: Any, server: Server, tenant: Tenant
) -> None:
    case.call_and_validate(
        base_url=server.url,
        headers=dict(tenant.client.headers),
        checks=[
            schemathesis.checks.not_a_server_error,
            schemathesis.checks.response_schema_conformance,
            schemathesis.checks.content_type_conformance,
            errors_are_problem_json,
        ],
        timeout=30,
    )
