"""A submission reads what it is checked against afresh (docs/architecture.md, "Submitting"):
a template, policy or wording addition saved through one API process applies to the very next
submit through another, with no cache to wait out."""

from collections.abc import Iterator

import httpx
import pytest

from app.clock import FrozenClock
from app.main import create_app
from tests.conftest import Tenant, app_providers, app_settings
from tests.factories import reminder
from tests.helpers.api import template
from tests.servers import serving

QUIET = {"windows": {"any": [{"days": "mon-sun", "start": "09:00", "end": "20:00"}]}}


@pytest.fixture
def other(tenant: Tenant, database_url: str, clock: FrozenClock) -> Iterator[httpx.Client]:
    """The tenant's key, sent to a second API process on the same database."""
    settings = app_settings(database_url)
    with (
        serving(create_app(settings, clock, app_providers(settings))) as url,
        httpx.Client(base_url=url, headers=tenant.client.headers, timeout=30) as client,
    ):
        yield client


def submitted(client: httpx.Client, **overrides: object) -> httpx.Response:
    return client.post("/v1/reminders", json=reminder(channels=["sms"], **overrides))


def test_a_template_saved_through_one_process_pins_the_next_submit_through_another(
    tenant: Tenant, other: httpx.Client
) -> None:
    assert submitted(other).json()["template_version"] == 1
    assert tenant.client.put("/v1/templates/pre-due", json=template()).status_code == 200
    assert submitted(other, loan_ref="loan-2").json()["template_version"] == 2


def test_a_policy_saved_through_one_process_is_known_to_the_next_submit_through_another(
    tenant: Tenant, other: httpx.Client
) -> None:
    refused = submitted(other, policy="quiet")
    assert refused.status_code == 422, refused.text
    assert [error["field"] for error in refused.json()["errors"]] == ["policy"]
    assert tenant.client.put("/v1/policies/quiet", json=QUIET).status_code in (200, 201)
    assert submitted(other, policy="quiet").status_code == 202


def test_a_wording_addition_saved_through_one_process_refuses_the_next_submit_through_another(
    tenant: Tenant, other: httpx.Client
) -> None:
    body = template()
    body["variables"]["note"] = {"type": "text", "required": True}
    body["variants"] = [body["variants"][0] | {"body": body["variants"][0]["body"] + "{{ note }}"}]
    assert tenant.client.put("/v1/templates/noted", json=body).status_code == 200
    values = {"amount": "1234.50", "due_date": "2026-12-01", "note": "无砍头息"}
    assert submitted(other, template="noted", variables=values).status_code == 202
    lint = {"extra_phrases": {"zh": ["砍头息"]}, "sms_segment_limit": 2}
    assert tenant.client.put("/v1/templates/_lint", json=lint).status_code == 200
    refused = submitted(other, template="noted", variables=values, loan_ref="loan-2")
    assert refused.status_code == 422, refused.text
    assert [error["field"] for error in refused.json()["errors"]] == ["variables.note"]
