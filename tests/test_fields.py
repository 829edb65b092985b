"""Moments the API accepts are held to 2000-2100: the calendar's edges are a 422 naming the
field, never a 500 from converting them to UTC."""

import base64
import json
import uuid
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.models.reminders import Reminder
from tests.conftest import Tenant, count
from tests.factories import reminder

LAST_MOMENT = "9999-12-31T23:59:59-14:00"
"""Python's last day, fourteen hours west of UTC: in UTC it would fall after year 9999."""
FIRST_MOMENT = "0001-01-01T00:00:00+14:00"
INLINE_CUSTOMER = {"ref": "new-1", "phone": "+17015550123", "jurisdiction": "US"}


def cursor(moment: str) -> str:
    """A cursor as the API hands them out, forged to point at `moment`."""
    raw = json.dumps([moment, str(uuid.uuid4())]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


EDGES: list[tuple[str, str, str, dict[str, Any], str]] = [
    ("send_at", "POST", "/v1/reminders", {"json": reminder(send_at=LAST_MOMENT)}, "send_at"),
    (
        "expires_at",
        "POST",
        "/v1/reminders",
        {"json": reminder(expires_at=FIRST_MOMENT)},
        "expires_at",
    ),
    (
        "batch send_at",
        "POST",
        "/v1/reminders/batch",
        {"json": {"items": [reminder(), reminder(send_at=LAST_MOMENT)]}},
        "items.1.send_at",
    ),
    ("log since", "GET", "/v1/deliveries", {"params": {"since": LAST_MOMENT}}, "query.since"),
    ("log until", "GET", "/v1/deliveries", {"params": {"until": FIRST_MOMENT}}, "query.until"),
    ("csv since", "GET", "/v1/deliveries.csv", {"params": {"since": LAST_MOMENT}}, "query.since"),
    (
        "stats until",
        "GET",
        "/v1/stats/deliveries",
        {"params": {"group_by": "channel", "until": LAST_MOMENT}},
        "query.until",
    ),
    (
        "dry run at year 1",
        "POST",
        "/v1/policy/evaluate",
        {"json": {"customer": INLINE_CUSTOMER, "channel": "sms", "at": "0001-01-01T00:00:00Z"}},
        "at",
    ),
    (
        "dry run at year 9999",
        "POST",
        "/v1/policy/evaluate",
        {"json": {"customer": INLINE_CUSTOMER, "channel": "sms", "at": "9999-12-31T23:00:00Z"}},
        "at",
    ),
    (
        "just before 2000",
        "POST",
        "/v1/reminders",
        {"json": reminder(send_at="1999-12-31T23:59:59Z")},
        "send_at",
    ),
    (
        "just after 2100",
        "GET",
        "/v1/deliveries",
        {"params": {"since": "2100-01-01T00:00:01Z"}},
        "query.since",
    ),
    (
        "forged cursor",
        "GET",
        "/v1/reminders",
        {"params": {"cursor": cursor(LAST_MOMENT)}},
        "query.cursor",
    ),
    (
        "forged naive cursor",
        "GET",
        "/v1/deliveries",
        {"params": {"cursor": cursor("2026-11-27T09:30:00")}},
        "query.cursor",
    ),
]


@pytest.mark.parametrize(
    ("case", "method", "path", "request_", "field"), EDGES, ids=[edge[0] for edge in EDGES]
)
def test_a_moment_outside_2000_to_2100_is_a_422_naming_the_field_and_nothing_is_stored(
    tenant: Tenant,
    db: Session,
    case: str,
    method: str,
    path: str,
    request_: dict[str, Any],
    field: str,
) -> None:
    response = tenant.client.request(method, path, **request_)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert count(db, Reminder) == 0


@pytest.mark.parametrize("at", ["2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z"])
def test_the_ends_of_the_range_are_accepted(tenant: Tenant, at: str) -> None:
    body = {"customer": INLINE_CUSTOMER, "channel": "sms", "at": at}
    assert tenant.client.post("/v1/policy/evaluate", json=body).status_code == 200
    assert tenant.client.get("/v1/deliveries", params={"since": at}).status_code == 200
