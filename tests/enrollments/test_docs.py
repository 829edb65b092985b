"""The worked example of docs/plans.md's enrolment section, run from the page's own plan and
segment rules."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.clock import FrozenClock
from tests.conftest import DispatcherFactory, Tenant
from tests.factories import customer
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.enrollments import loan, steps

pytestmark = pytest.mark.anyio


async def test_the_worked_example_of_the_enrolment_section_happens_as_written(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    text = (Path(__file__).parents[2] / "docs" / "plans.md").read_text()
    plan, rules, _ = (json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, re.S))
    for key in ("gentle", "hardship", "standard"):
        assert tenant.client.put(f"/v1/plans/{key}", json=plan).status_code == 200
    assert tenant.client.put("/v1/segments", json=rules).status_code == 200

    body = loan(
        customer=customer(),
        plan=None,
        amount_due="1234.50",
        attributes={"first_time_late": True},
    )
    made = tenant.client.post("/v1/enrollments", json=body).json()
    assert (made["segment"], made["segment_rule"], made["plan"]) == (
        "first-time-late",
        "first-late",
        "gentle",
    )
    assert [(s["key"], s["local"], s["skipped"]) for s in made["steps"]] == [
        ("d-3", "2026-12-07T10:00:00+08:00", None),
        ("d0", "2026-12-10T09:30:00+08:00", None),
        ("d+3", "2026-12-13T22:30:00+08:00", None),
        ("d+10", "2026-12-20T10:00:00+08:00", "conditions"),
    ]
    dispatcher = make_dispatcher()
    clock.set(datetime(2026, 12, 7, 2, tzinfo=UTC))
    assert await dispatcher.run_once() == 1

    clock.set(datetime(2026, 12, 8, tzinfo=UTC))
    paid = tenant.client.post(
        "/v1/loans/loan-1/events",
        json={"type": "repayment", "event_id": "pay-0001", "amount": "500.00", "currency": "CNY"},
    ).json()
    assert (paid["updated"], paid["amount_due"]) == (2, "734.50")

    clock.set(datetime(2026, 12, 10, 1, 30, tzinfo=UTC))
    assert await dispatcher.run_once() == 1
    assert "734.50" in twilio.received[-1].form["Body"]

    clock.set(datetime(2026, 12, 11, tzinfo=UTC))
    promised = tenant.client.post(
        "/v1/loans/loan-1/events",
        json={"type": "promise_to_pay", "event_id": "ptp-1", "promised_date": "2026-12-15"},
    ).json()
    assert (promised["paused_until"], promised["cancelled"]) == ("2026-12-17T16:00:00Z", 1)
    after = steps(tenant.client.get("/v1/enrollments/loan-1").json())
    assert after["d+3"]["skipped"] == "paused"
    assert after["d+3"]["reminder"]["status"] == "cancelled"
