"""Delivery stats: counts per group and the delivery rate, over the listing's filters."""

from typing import Any

import pytest

from tests.conftest import Tenant
from tests.deliveries.conftest import Log


@pytest.fixture
def mixed(tenant: Tenant, log_for: Any) -> None:
    """Nov 26 (UTC) 23:30: 2 SMS delivered; Nov 27: 1 SMS failed, 1 SMS still queued,
    1 call answered, 1 call busy (template overdue), 1 email sent."""
    log: Log = log_for(tenant.id)
    customer = log.customer()
    due = log.reminder(customer)
    overdue = log.reminder(customer, template="overdue")
    late = log.now.replace(day=26, hour=23, minute=30)
    log.attempts(due, customer, 2, start=late)
    log.attempts(due, customer, status="failed", start=log.now)
    log.attempts(due, customer, status="queued", start=log.now)
    log.attempts(due, customer, channel="voice", status="answered", start=log.now)
    log.attempts(overdue, customer, channel="voice", status="busy", start=log.now)
    log.attempts(due, customer, channel="email", status="sent", start=log.now)


def stats(tenant: Tenant, **params: str) -> dict[str, Any]:
    response = tenant.client.get("/v1/stats/deliveries", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def table(body: dict[str, Any]) -> dict[str, tuple[int, int, int, float | None]]:
    return {
        g["key"]: (g["attempts"], g["final"], g["reached"], g["delivery_rate"])
        for g in body["groups"]
    }


@pytest.mark.usefixtures("mixed")
def test_stats_per_channel_count_final_statuses_for_the_delivery_rate(tenant: Tenant) -> None:
    body = stats(tenant, group_by="channel")
    assert table(body) == {
        "email": (1, 0, 0, None),
        "sms": (4, 3, 2, 0.6667),
        "voice": (2, 2, 1, 0.5),
    }
    assert body["total"] == {
        "key": "total",
        "attempts": 7,
        "final": 5,
        "reached": 3,
        "delivery_rate": 0.6,
    }


@pytest.mark.usefixtures("mixed")
def test_stats_per_status_and_template(tenant: Tenant) -> None:
    assert {k: v[0] for k, v in table(stats(tenant, group_by="status")).items()} == {
        "answered": 1,
        "busy": 1,
        "delivered": 2,
        "failed": 1,
        "queued": 1,
        "sent": 1,
    }
    assert table(stats(tenant, group_by="template")) == {
        "overdue": (1, 1, 0, 0.0),
        "pre-due": (6, 4, 3, 0.75),
    }


@pytest.mark.usefixtures("mixed")
def test_stats_per_day_follow_the_calendar_of_the_zone_asked_for(tenant: Tenant) -> None:
    utc = stats(tenant, group_by="day")
    assert utc["tz"] == "UTC"
    assert {k: v[0] for k, v in table(utc).items()} == {"2026-11-26": 2, "2026-11-27": 5}
    # 23:30 UTC on the 26th is already the 27th in Shanghai; India's offset has half an hour.
    assert {
        k: v[0] for k, v in table(stats(tenant, group_by="day", tz="Asia/Shanghai")).items()
    } == {"2026-11-27": 7}
    assert {
        k: v[0] for k, v in table(stats(tenant, group_by="day", tz="Asia/Kolkata")).items()
    } == {"2026-11-27": 7}
    assert {
        k: v[0] for k, v in table(stats(tenant, group_by="day", tz="America/New_York")).items()
    } == {"2026-11-26": 2, "2026-11-27": 5}


@pytest.mark.usefixtures("mixed")
def test_stats_take_the_listing_filters(tenant: Tenant) -> None:
    assert table(stats(tenant, group_by="channel", channel="voice")) == {"voice": (2, 2, 1, 0.5)}
    since = "2026-11-27T00:00:00Z"
    assert stats(tenant, group_by="status", since=since)["total"]["attempts"] == 5


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "week"}, "query.group_by"),
        ({"group_by": "day", "tz": "Mars/Olympus"}, "query.tz"),
    ],
)
def test_stats_refuse_unknown_groupings_and_zones(
    tenant: Tenant, params: dict[str, str], field: str
) -> None:
    response = tenant.client.get("/v1/stats/deliveries", params=params)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
