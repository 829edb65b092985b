"""`GET /v1/customers/{ref}` shows what Nudge knows of a customer: their preferences with who
set them and when, opt-outs, loans, recent contacts and timeline; `PUT .../preferences` lets
the lender set them for the borrower, and bad input changes nothing."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.auth import Scope
from app.clock import FrozenClock
from tests.conftest import DispatcherFactory, Tenant
from tests.factories import customer
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.api import submit
from tests.helpers.borrower import ask_for_help, state
from tests.helpers.enrollments import enrol, put_plan

pytestmark = pytest.mark.anyio

WINDOW = {"weekdays": [5, 6], "start": "21:00", "end": "10:00"}


async def test_the_customer_shows_preferences_opt_outs_loans_contacts_and_timeline(
    db: Session,
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    clock: FrozenClock,
) -> None:
    put_plan(tenant)
    enrol(tenant)
    submit(tenant, customer=customer(), channels=["sms"], loan_ref="loan-9")
    assert await make_dispatcher().run_once() == 1
    clock.advance(timedelta(minutes=5))
    state(db, tenant, clock, channels_off=["voice"], inconvenient=[WINDOW])
    clock.advance(timedelta(minutes=5))
    ask_for_help(
        db, tenant, clock, reason="illness", note="in hospital until Monday", callback="after 18:00"
    )
    db.commit()
    clock.advance(timedelta(minutes=5))
    opted = tenant.client.post("/v1/opt-outs", json={"customer_ref": "cust-1", "channel": "email"})
    assert opted.status_code == 201

    reader = tenant.key(db, clock, Scope.REMINDERS_READ)
    body = reader.get("/v1/customers/cust-1").json()
    assert (body["ref"], body["phone"], body["email"]) == (
        "cust-1",
        "+86 138****5678",
        "w***@example.com",
    )
    assert (body["timezone"], body["locale"]) == ("Asia/Shanghai", "zh-CN")
    stated = body["preferences"]
    assert (stated["channels_off"], stated["inconvenient"], stated["source"]) == (
        ["voice"],
        [WINDOW],
        "borrower",
    )
    assert [(o["customer_ref"], o["channel"]) for o in body["opt_outs"]] == [("cust-1", "email")]
    [loan] = body["loans"]
    assert (loan["loan_ref"], loan["status"], loan["pause_reason"]) == (
        "loan-1",
        "paused",
        "hardship",
    )
    [contact] = body["recent_contacts"]
    assert (contact["channel"], contact["status"], contact["loan_ref"]) == (
        "sms",
        "queued",
        "loan-9",
    )
    assert [(line["kind"], line["source"]) for line in body["timeline"]] == [
        ("opted_out", "api"),
        ("hardship_requested", "borrower"),
        ("preferences_changed", "borrower"),
    ]
    hardship = body["timeline"][1]["detail"]
    assert hardship | {"note": None} == {
        "reason": "illness",
        "note": None,
        "callback": "after 18:00",
        "paused_loans": ["loan-1"],
        "lender_notified": False,
    }
    assert tenant.client.get("/v1/customers/cust-1").json()["phone"] == "+8613812345678"


def test_the_lender_sets_preferences_for_the_borrower_recorded_as_its_own(
    tenant: Tenant, clock: FrozenClock
) -> None:
    submit(tenant, customer=customer(), channels=["sms"])
    answer = tenant.client.put(
        "/v1/customers/cust-1/preferences", json={"preferred": ["email"], "locale": "en-gb"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() | {"updated_at": None} == {
        "channels_off": [],
        "preferred": ["email"],
        "inconvenient": [],
        "locale": "en-GB",
        "source": "lender",
        "updated_at": None,
    }
    [line] = tenant.client.get("/v1/customers/cust-1").json()["timeline"]
    assert (line["kind"], line["source"], line["detail"]) == (
        "preferences_changed",
        "lender",
        {"preferred": ["email"], "locale": "en-GB"},
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channels_off": ["fax"]}, "channels_off.0"),
        ({"channels_off": ["sms"], "preferred": ["sms"]}, "preferred"),
        (
            {"inconvenient": [{"weekdays": [], "start": "09:00", "end": "10:00"}]},
            "inconvenient.0.weekdays",
        ),
        (
            {"inconvenient": [{"weekdays": [1], "start": "9am", "end": "10:00"}]},
            "inconvenient.0.start",
        ),
        ({"locale": "not a locale"}, "locale"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_preferences_are_a_problem_with_the_field_and_change_nothing(
    tenant: Tenant, body: dict[str, Any], field: str
) -> None:
    submit(tenant, customer=customer(), channels=["sms"])
    answer = tenant.client.put("/v1/customers/cust-1/preferences", json=body)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in answer.json()["errors"]]
    shown = tenant.client.get("/v1/customers/cust-1").json()
    assert shown["preferences"]["source"] is None
    assert shown["timeline"] == []


def test_a_customer_never_seen_is_not_found(tenant: Tenant) -> None:
    for answer in (
        tenant.client.get("/v1/customers/nobody"),
        tenant.client.put("/v1/customers/nobody/preferences", json={"channels_off": ["sms"]}),
    ):
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
