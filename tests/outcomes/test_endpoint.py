"""GET /v1/stats/outcomes over the database: the acceptance scenario end to end, the holdout,
the period, CSV, scopes and bad queries."""

import csv
import io
import statistics
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.auth import Scope
from app.clock import FrozenClock
from tests.conftest import Tenant
from tests.helpers.outcomes import EXPERIMENT, STEPS, Ledger, outcomes
from tests.outcomes import scenario
from tests.outcomes.independent import pearson_p, score_test_bound


def write_scenario(ledger: Ledger) -> None:
    ledger.plan("collections", EXPERIMENT)
    for person in scenario.customers():
        enrollment = ledger.enrol(person.loan_ref, plan="collections", arm=person.arm)
        for step, send_at, delivered in (
            ("d-1", person.first_delivered, person.first_delivered),
            ("d0", person.first_delivered + scenario.DAY, person.second_delivered),
        ):
            ledger.remind(
                enrollment,
                person.loan_ref,
                step=step,
                arm=person.arm,
                send_at=send_at - timedelta(minutes=5),
                delivered_at=delivered,
            )
        if person.repaid_at is not None:
            ledger.repay(person.loan_ref, person.repaid_at, person.amount)
    ledger.commit()


def test_the_scenario_through_the_api_gives_exact_counts_intervals_and_p_value(
    tenant: Tenant, ledger_for: Any
) -> None:
    write_scenario(ledger_for(tenant.id))
    body = outcomes(tenant, group_by="plan,arm")
    arms = {group["arm"]: group for group in body["groups"]}
    champion, challenger = arms["champion"], arms["challenger"]
    assert [(g["plan"], g["arm"]) for g in body["groups"]] == [
        ("collections", "challenger"),
        ("collections", "champion"),
    ]
    counts = ("enrolled", "sent", "delivered", "repaid")
    assert [champion[name] for name in counts] == [500, 1000, 1000, 150]
    assert [challenger[name] for name in counts] == [500, 1000, 990, 100]
    assert champion["repaid_amount"] == [{"currency": "CNY", "amount": "15000.00"}]
    assert challenger["repaid_amount"] == [{"currency": "CNY", "amount": "5000.00"}]
    assert (champion["conversion"], challenger["conversion"]) == (0.3, 0.2)
    for group in (champion, challenger):
        assert group["conversion_low"] == pytest.approx(
            score_test_bound(group["repaid"], 500, upper=False), abs=1e-12
        )
        assert group["conversion_high"] == pytest.approx(
            score_test_bound(group["repaid"], 500, upper=True), abs=1e-12
        )
        waits = scenario.CREDITED_WAITS[group["arm"]]
        assert group["median_hours_to_repay"] == statistics.median(
            wait / timedelta(hours=1) for wait in waits
        )
    assert challenger["compared_with"] == "champion"
    assert challenger["difference"] == pytest.approx(-0.1)
    assert challenger["p_value"] == pytest.approx(pearson_p(100, 500, 150, 500), rel=1e-9)
    assert champion["compared_with"] is None
    assert [body["total"][name] for name in counts] == [1000, 2000, 1990, 250]


def test_by_step_and_channel_the_repayment_counts_where_it_was_credited(
    tenant: Tenant, ledger_for: Any
) -> None:
    write_scenario(ledger_for(tenant.id))
    body = outcomes(tenant, group_by="step,arm,channel,segment")
    assert {
        (g["step"], g["arm"], g["channel"], g["segment"]): (g["enrolled"], g["repaid"])
        for g in body["groups"]
    } == {
        ("d-1", "challenger", "sms", "low-risk"): (500, 50),
        ("d-1", "champion", "sms", "low-risk"): (500, 150),
        ("d0", "challenger", "sms", "low-risk"): (500, 50),
        ("d0", "champion", "sms", "low-risk"): (500, 0),
    }


def test_the_period_selects_reminders_by_when_they_were_scheduled(
    tenant: Tenant, ledger_for: Any
) -> None:
    write_scenario(ledger_for(tenant.id))
    first_day = {"since": "2026-11-01T00:00:00Z", "until": "2026-11-02T00:00:00Z"}
    body = outcomes(tenant, group_by="step", **first_day)
    assert [(g["step"], g["enrolled"], g["repaid"]) for g in body["groups"]] == [("d-1", 1000, 200)]
    assert (body["since"], body["until"]) == ("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z")
    second_day = outcomes(tenant, group_by="step,arm", since="2026-11-02T00:00:00Z")
    assert [(g["step"], g["arm"], g["repaid"]) for g in second_day["groups"]] == [
        ("d0", "challenger", 50),
        ("d0", "champion", 0),
    ]


def test_the_holdout_is_measured_from_when_its_steps_would_have_gone_out(
    tenant: Tenant, ledger_for: Any
) -> None:
    """Due 2026-11-10 in Shanghai: d-1 would have gone at 11-09 10:00 (02:00 UTC)."""
    ledger: Ledger = ledger_for(tenant.id)
    ledger.plan("gentle", {"steps": STEPS, "holdout": 0.5})
    enrolled_at = datetime(2026, 11, 1, tzinfo=UTC)
    would_be = datetime(2026, 11, 9, 2, tzinfo=UTC)
    for number in range(4):
        loan = f"held-{number}"
        ledger.enrol(
            loan,
            plan="gentle",
            arm="holdout",
            due_date=datetime(2026, 11, 10).date(),
            timezone="Asia/Shanghai",
            enrolled_at=enrolled_at,
        )
    for number in range(4):
        loan = f"sent-{number}"
        enrollment = ledger.enrol(loan, plan="gentle", arm="champion", enrolled_at=enrolled_at)
        ledger.remind(
            enrollment, loan, step="d-1", arm="champion", send_at=would_be, delivered_at=would_be
        )
        ledger.repay(loan, would_be + timedelta(hours=1 + number), Decimal("100.00"))
    ledger.repay("held-0", would_be + timedelta(hours=5), Decimal("100.00"))
    ledger.repay("held-1", would_be - timedelta(hours=5), Decimal("100.00"))  # before: none
    ledger.commit()

    arms = {g["arm"]: g for g in outcomes(tenant, group_by="plan,arm")["groups"]}
    holdout, champion = arms["holdout"], arms["champion"]
    assert [holdout[name] for name in ("enrolled", "sent", "delivered", "repaid")] == [4, 0, 0, 1]
    assert holdout["median_hours_to_repay"] == 5.0
    assert holdout["compared_with"] is None
    assert (champion["compared_with"], champion["repaid"]) == ("holdout", 4)
    assert champion["difference"] == pytest.approx(0.75)
    assert champion["p_value"] == pytest.approx(pearson_p(4, 4, 1, 4), rel=1e-9)
    steps = {
        (g["step"], g["arm"]): g["enrolled"]
        for g in outcomes(tenant, group_by="step,arm")["groups"]
    }
    assert steps == {("d-1", "champion"): 4, ("d-1", "holdout"): 4, ("d0", "holdout"): 4}


def test_csv_has_the_same_groups_and_total_whether_asked_by_format_or_accept(
    tenant: Tenant, ledger_for: Any
) -> None:
    write_scenario(ledger_for(tenant.id))
    by_format = tenant.client.get("/v1/stats/outcomes", params={"group_by": "arm", "format": "csv"})
    by_accept = tenant.client.get(
        "/v1/stats/outcomes", params={"group_by": "arm"}, headers={"Accept": "text/csv"}
    )
    assert by_format.status_code == by_accept.status_code == 200
    assert by_format.headers["content-type"] == "text/csv; charset=utf-8"
    assert by_format.text == by_accept.text
    rows = list(csv.DictReader(io.StringIO(by_format.text)))
    assert list(rows[0])[:6] == ["row", "arm", "enrolled", "sent", "delivered", "repaid"]
    assert [(r["row"], r["arm"], r["repaid"], r["repaid_amount"]) for r in rows] == [
        ("group", "challenger", "100", "5000.00 CNY"),
        ("group", "champion", "150", "15000.00 CNY"),
        ("total", "", "250", "20000.00 CNY"),
    ]
    assert float(rows[0]["p_value"]) == pytest.approx(pearson_p(100, 500, 150, 500), rel=1e-9)


def test_another_tenants_outcomes_are_not_counted(
    tenant: Tenant, new_tenant: Any, ledger_for: Any
) -> None:
    write_scenario(ledger_for(tenant.id))
    other = new_tenant("other")
    assert outcomes(other)["groups"] == []
    assert outcomes(other)["total"]["enrolled"] == 0


def test_a_key_without_deliveries_read_is_refused(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    reader = tenant.key(db, clock, Scope.REMINDERS_READ)
    assert reader.get("/v1/stats/outcomes").status_code == 403
    allowed = tenant.key(db, clock, Scope.DELIVERIES_READ)
    assert allowed.get("/v1/stats/outcomes").status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "plan,day"}, "query.group_by"),
        ({"group_by": ""}, "query.group_by"),
        ({"since": "2026-11-02T00:00:00Z", "until": "2026-11-01T00:00:00Z"}, "query.until"),
        ({"since": "2026-11-02T00:00:00"}, "query.since"),
        ({"format": "xml"}, "query.format"),
    ],
)
def test_a_bad_query_is_a_problem_naming_its_field(
    tenant: Tenant, params: dict[str, str], field: str
) -> None:
    response = tenant.client.get("/v1/stats/outcomes", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]
