"""The outcomes report from a lender's side, end to end: a plan with two variants and a
holdout saved through the API, loans enrolled, the first step dispatched and delivered (signed
Twilio callbacks), repayments reported as loan events, and the report read back."""

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.clock import FrozenClock
from tests.conftest import DispatcherFactory, Tenant
from tests.factories import customer
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.enrollments import loan, put_plan
from tests.helpers.twilio import message_status
from tests.outcomes.independent import pearson_p

pytestmark = pytest.mark.anyio

D_MINUS_3 = datetime(2026, 12, 7, 2, tzinfo=UTC)
"""10:00 in Shanghai, three days before the loans fall due: when the first step goes out."""
ARMS = ("champion", "challenger", "holdout")


def enrol_until_every_arm_has(tenant: Tenant, least: int) -> dict[str, list[str]]:
    """Loans by arm. The arm hashes the (random) tenant id, so enrol until each arm has some."""
    loans: dict[str, list[str]] = defaultdict(list)
    number = 0
    while min(len(loans[arm]) for arm in ARMS) < least:
        assert number < 200, loans
        ref = f"loan-{number}"
        body = loan(
            loan_ref=ref,
            customer=customer(ref=f"cust-{number}", phone=f"+86138{number:08d}"),
        )
        made = tenant.client.post("/v1/enrollments", json=body)
        assert made.status_code == 201, made.text
        loans[made.json()["arm"]].append(ref)
        number += 1
    return loans


def repay(tenant: Tenant, loan_ref: str, at: datetime) -> None:
    response = tenant.client.post(
        f"/v1/loans/{loan_ref}/events",
        json={
            "type": "repayment",
            "event_id": f"pay-{loan_ref}",
            "full": True,
            "amount": "1000.00",
            "currency": "CNY",
            "occurred_at": at.isoformat(),
        },
    )
    assert response.status_code == 200, response.text


async def test_a_plans_experiment_is_measured_from_enrolment_to_repayment(
    tenant: Tenant,
    anonymous: httpx.Client,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    clock: FrozenClock,
) -> None:
    put_plan(
        tenant,
        variants=[{"name": "champion", "weight": 1}, {"name": "challenger", "weight": 1}],
        holdout=0.25,
        attribution_hours=48,
    )
    loans = enrol_until_every_arm_has(tenant, 3)
    messaged = len(loans["champion"]) + len(loans["challenger"])

    clock.set(D_MINUS_3)
    dispatcher = make_dispatcher()
    while await dispatcher.run_once():
        pass
    attempts = tenant.client.get("/v1/deliveries", params={"limit": 200}).json()["items"]
    assert len(attempts) == messaged  # the holdout gets nothing
    delivered = attempts[1:]  # one message never reaches its borrower
    clock.set(D_MINUS_3 + timedelta(minutes=5))
    for attempt in delivered:
        answered = message_status(
            anonymous, attempt["reminder_id"], attempt["provider_message_id"], "delivered"
        )
        assert answered.status_code == 200, answered.text

    clock.set(D_MINUS_3 + timedelta(days=4))
    undelivered_loan = attempts[0]["loan_ref"]
    inside = {
        "champion": [ref for ref in loans["champion"] if ref != undelivered_loan][:2],
        "challenger": [ref for ref in loans["challenger"] if ref != undelivered_loan][:1],
        "holdout": loans["holdout"][:1],
    }
    for refs in inside.values():
        for ref in refs:
            repay(tenant, ref, D_MINUS_3 + timedelta(hours=30))
    late = next(ref for ref in loans["challenger"] if ref not in inside["challenger"])
    repay(tenant, late, D_MINUS_3 + timedelta(hours=49))  # past the plan's 48 hours

    body = tenant.client.get("/v1/stats/outcomes", params={"group_by": "plan,arm"}).json()
    arms = {group["arm"]: group for group in body["groups"]}
    assert set(arms) == set(ARMS)
    for arm in ARMS:
        steps_sent = 0 if arm == "holdout" else len(loans[arm])
        reached = steps_sent - (undelivered_loan in loans[arm])
        assert (arms[arm]["plan"], arms[arm]["enrolled"]) == ("gentle", len(loans[arm]))
        assert (arms[arm]["sent"], arms[arm]["delivered"]) == (steps_sent, reached)
        assert arms[arm]["repaid"] == len(inside[arm])
        # from delivery (5 minutes after sending), or from when the holdout's step was due
        waited = 30.0 if arm == "holdout" else 30 - 5 / 60
        assert arms[arm]["median_hours_to_repay"] == pytest.approx(waited)
    challenger, champion = arms["challenger"], arms["champion"]
    assert challenger["compared_with"] == "champion"
    assert champion["compared_with"] == "holdout"
    assert challenger["p_value"] == pytest.approx(
        pearson_p(1, len(loans["challenger"]), 2, len(loans["champion"])), rel=1e-9
    )
    assert Counter(g["arm"] for g in body["groups"]) == Counter(ARMS)
