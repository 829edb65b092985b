"""Dashboard times read in the tenant's time zone, with the UTC instant on hover."""

import pytest

from app.auth import Scope
from tests.conftest import START, Tenant
from tests.factories import customer
from tests.helpers.ops import Send, SignIn

pytestmark = pytest.mark.anyio
SENT_AT = (
    '<time datetime="2026-11-27T09:30:00Z" title="2026-11-27 09:30:00 UTC">'
    "2026-11-27 17:30:00</time>"
)
"""START (09:30 UTC) as a Shanghai lender's dashboard shows it."""


def in_shanghai(tenant: Tenant) -> None:
    settings = {"display_name": "acme", "default_timezone": "Asia/Shanghai"}
    assert tenant.client.put("/v1/tenant", json=settings).status_code == 200


async def test_the_delivery_log_and_timeline_show_the_tenants_local_time_with_utc_on_hover(
    signed_in: SignIn, send: Send, tenant: Tenant
) -> None:
    assert START.isoformat() == "2026-11-27T09:30:00+00:00"
    in_shanghai(tenant)
    [sent] = await send(tenant, {"customer": customer(), "channels": ["sms"]})
    browser = signed_in(Scope.DELIVERIES_READ)
    log = browser.get("/ops/deliveries").text
    assert SENT_AT in log
    assert "When (Asia/Shanghai)" in log
    timeline = browser.get(f"/ops/reminders/{sent}").text
    assert timeline.count(SENT_AT) >= 2  # the events and the attempt
    assert "09:30:00</time>" not in timeline


async def test_the_time_filter_is_read_in_the_tenants_zone(
    signed_in: SignIn, send: Send, tenant: Tenant
) -> None:
    in_shanghai(tenant)
    await send(tenant, {"customer": customer(ref="cust-a"), "channels": ["sms"]})
    browser = signed_in(Scope.DELIVERIES_READ)
    before = browser.get("/ops/deliveries", params={"since": "2026-11-27T17:29"}).text
    assert "cust-a" in before
    after = browser.get("/ops/deliveries", params={"since": "2026-11-27T17:31"}).text
    assert "cust-a" not in after


def test_a_tenant_in_utc_reads_utc(signed_in: SignIn) -> None:
    page = signed_in(Scope.DELIVERIES_READ).get("/ops/deliveries").text
    assert "From (UTC)" in page


@pytest.mark.parametrize(("name", "value"), [("status", "bogus"), ("channel", "fax")])
def test_an_unknown_channel_or_status_in_the_log_filter_is_a_422_naming_it(
    signed_in: SignIn, name: str, value: str
) -> None:
    response = signed_in(Scope.DELIVERIES_READ).get("/ops/deliveries", params={name: value})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [f"query.{name}"]
