"""A step's template variants measured: the draw splits customers as weighted, and the report
compares each challenger template with the step's champion template, or with the customers held
out of that step, on both databases.

The scenario (written as records, one plan `collections` without arms):
- step `d-1` sends `pre-due` (the champion) or `pre-due-b` half and half, and holds out a fifth;
  1,000 customers: 0-399 `pre-due`, 400-799 `pre-due-b`, 800-999 held out of `d-1`;
- step `d0`, a day later, sends `due-today` to everyone (it is not split);
- `pre-due` customers 0-119 repay 1-20 hours after `d-1` (30%); `pre-due-b` customers 400-479
  (20%); held-out customers 800-819 1-20 hours after `d-1` would have gone (10%), and 820-829
  30 hours after it, after their `d0` (credited to `d0`, not to the holdout); `pre-due-b`
  customers 480-489 repay two hours before `d-1` (credited to none).
"""

import csv
import io
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.outcomes import arms
from app.plans.experiment import variant_of
from app.plans.schemas import PlanOut
from tests.conftest import Tenant
from tests.helpers.outcomes import Ledger, outcomes
from tests.outcomes.independent import pearson_p, score_test_bound

T0 = datetime(2026, 11, 1, 2, tzinfo=UTC)
TENANT = uuid.UUID("6f1c2b0e-8a4d-4e8f-9b1a-3c5d7e9f0a21")
SPLIT = {
    "key": "d-1",
    "offset": "-1d",
    "at": "10:00",
    "channels": ["sms"],
    "templates": [{"template": "pre-due", "weight": 1}, {"template": "pre-due-b", "weight": 1}],
    "holdout": 0.2,
}
PLAN = {
    "steps": [
        SPLIT,
        {"key": "d0", "offset": "0d", "at": "10:00", "channels": ["sms"], "template": "due-today"},
    ]
}


def plan_out(**body: Any) -> PlanOut:
    return PlanOut.model_validate(
        {"key": "collections", "version": 1, "created_at": T0, **PLAN} | body
    )


def variant(number: int, body: dict[str, Any] | None = None) -> str:
    plan = plan_out(**(body or {}))
    return variant_of(plan, plan.steps[0], tenant_id=TENANT, customer_ref=f"cust-{number}")


@pytest.mark.parametrize(
    ("step", "shares"),
    [
        (SPLIT, {"pre-due": 0.4, "pre-due-b": 0.4, "holdout": 0.2}),
        (
            SPLIT
            | {
                "templates": [
                    {"template": "pre-due", "weight": 70},
                    {"template": "pre-due-b", "weight": 30},
                ],
                "holdout": 0,
            },
            {"pre-due": 0.7, "pre-due-b": 0.3},
        ),
        (
            {k: v for k, v in SPLIT.items() if k != "templates"} | {"template": "pre-due"},
            {"pre-due": 0.8, "holdout": 0.2},
        ),
    ],
)
def test_a_steps_variants_split_ten_thousand_customers_within_two_points_of_the_weights(
    step: dict[str, Any], shares: dict[str, float]
) -> None:
    body = {"steps": [step]}
    counts = Counter(variant(number, body) for number in range(10_000))
    assert set(counts) == set(shares)
    for name, share in shares.items():
        assert abs(counts[name] / 10_000 - share) < 0.02, (name, counts)


def test_a_customers_step_variant_is_the_same_at_every_draw_and_apart_from_the_plans_arm() -> None:
    drawn = [variant(number) for number in range(500)]
    assert drawn == [variant(number) for number in range(500)]
    by_arm = [
        arms.choose(
            tenant_id=TENANT,
            plan_key="collections",
            experiment="plan",
            customer_ref=f"cust-{number}",
            weights={"pre-due": 0.4, "pre-due-b": 0.4, "holdout": 0.2},
        )
        for number in range(500)
    ]
    assert 0.3 < sum(a == b for a, b in zip(drawn, by_arm, strict=True)) / 500 < 0.5


def test_without_a_holdout_each_customer_keeps_the_template_drawn_before_holdouts_existed() -> None:
    """The draw over the templates' weights alone, as enrolments made it until now."""
    body = {"steps": [SPLIT | {"holdout": 0}]}
    for number in range(300):
        assert variant(number, body) == arms.choose(
            tenant_id=TENANT,
            plan_key="collections",
            experiment="step:d-1",
            customer_ref=f"cust-{number}",
            weights={"pre-due": 1, "pre-due-b": 1},
        )


def template_of(number: int) -> str:
    return "pre-due" if number < 400 else "pre-due-b" if number < 800 else "holdout"


def repaid_at(number: int, first: datetime) -> datetime | None:
    if number < 120 or 400 <= number < 480 or 800 <= number < 820:
        return first + timedelta(hours=1 + number % 20)
    if 820 <= number < 830:
        return first + timedelta(hours=30)
    if 480 <= number < 490:
        return first - timedelta(hours=2)
    return None


def write_scenario(ledger: Ledger) -> None:
    ledger.plan("collections", PLAN)
    for number in range(1_000):
        loan = f"loan-{number:04d}"
        first = T0 + timedelta(minutes=number)
        template = template_of(number)
        held = {"key": "d-1", "send_at": first.isoformat(), "local": "", "skipped": "holdout"}
        enrollment = ledger.enrol(
            loan, plan="collections", arm=None, steps=[held] if template == "holdout" else []
        )
        if template != "holdout":
            ledger.remind(
                enrollment,
                loan,
                step="d-1",
                arm=None,
                send_at=first,
                delivered_at=first,
                template=template,
            )
        ledger.remind(
            enrollment,
            loan,
            step="d0",
            arm=None,
            send_at=first + timedelta(days=1),
            delivered_at=first + timedelta(days=1),
            template="due-today",
        )
        if (at := repaid_at(number, first)) is not None:
            ledger.repay(loan, at, Decimal("100.00"))
    ledger.commit()


def test_each_challenger_template_is_compared_with_the_steps_champion_and_holdout(
    tenant: Tenant, ledger_for: Any
) -> None:
    write_scenario(ledger_for(tenant.id))
    body = outcomes(tenant, group_by="step,template")
    groups = {(g["step"], g["template"]): g for g in body["groups"]}
    assert list(groups) == [
        ("d-1", "holdout"),
        ("d-1", "pre-due"),
        ("d-1", "pre-due-b"),
        ("d0", "due-today"),
    ]
    counts = ("enrolled", "sent", "delivered", "repaid")
    assert {key: [g[name] for name in counts] for key, g in groups.items()} == {
        ("d-1", "holdout"): [200, 0, 0, 20],
        ("d-1", "pre-due"): [400, 400, 400, 120],
        ("d-1", "pre-due-b"): [400, 400, 400, 80],
        ("d0", "due-today"): [1000, 1000, 1000, 10],
    }
    champion, challenger = groups["d-1", "pre-due"], groups["d-1", "pre-due-b"]
    assert (challenger["compared_with"], champion["compared_with"]) == ("pre-due", "holdout")
    assert challenger["difference"] == pytest.approx(-0.1)
    assert champion["difference"] == pytest.approx(0.2)
    assert challenger["p_value"] == pytest.approx(pearson_p(80, 400, 120, 400), rel=1e-9)
    assert champion["p_value"] == pytest.approx(pearson_p(120, 400, 20, 200), rel=1e-9)
    assert challenger["conversion_low"] == pytest.approx(
        score_test_bound(80, 400, upper=False), abs=1e-12
    )
    assert challenger["conversion_high"] == pytest.approx(
        score_test_bound(80, 400, upper=True), abs=1e-12
    )
    for unpaired in (groups["d-1", "holdout"], groups["d0", "due-today"]):
        assert (unpaired["compared_with"], unpaired["p_value"]) == (None, None)
    assert body["total"]["repaid"] == 230


def test_grouped_by_template_alone_a_template_of_another_step_is_compared_with_nothing(
    tenant: Tenant, ledger_for: Any
) -> None:
    write_scenario(ledger_for(tenant.id))
    groups = {g["template"]: g for g in outcomes(tenant, group_by="template")["groups"]}
    assert {name: g["compared_with"] for name, g in groups.items()} == {
        "due-today": None,
        "holdout": None,
        "pre-due": "holdout",
        "pre-due-b": "pre-due",
    }


def test_the_csv_has_the_template_column_and_the_same_comparisons(
    tenant: Tenant, ledger_for: Any
) -> None:
    write_scenario(ledger_for(tenant.id))
    response = tenant.client.get(
        "/v1/stats/outcomes", params={"group_by": "plan,step,template", "format": "csv"}
    )
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0])[:5] == ["row", "plan", "step", "template", "enrolled"]
    columns = ("row", "step", "template", "repaid", "compared_with")
    assert [tuple(r[name] for name in columns) for r in rows] == [
        ("group", "d-1", "holdout", "20", ""),
        ("group", "d-1", "pre-due", "120", "holdout"),
        ("group", "d-1", "pre-due-b", "80", "pre-due"),
        ("group", "d0", "due-today", "10", ""),
        ("total", "", "", "230", ""),
    ]
    assert float(rows[2]["p_value"]) == pytest.approx(pearson_p(80, 400, 120, 400), rel=1e-9)


def test_a_period_reports_the_holdout_by_when_its_step_would_have_gone_out(
    tenant: Tenant, ledger_for: Any
) -> None:
    write_scenario(ledger_for(tenant.id))
    first_half = {"since": "2026-11-01T00:00:00Z", "until": "2026-11-01T10:20:00Z"}
    groups = outcomes(tenant, group_by="template", **first_half)["groups"]
    # d-1 went (or would have gone) out at 02:00 plus a minute per customer: 0-499 by 10:20
    assert {g["template"]: g["enrolled"] for g in groups} == {"pre-due": 400, "pre-due-b": 100}
    later = outcomes(tenant, group_by="template", since="2026-11-01T10:20:00Z")["groups"]
    assert {g["template"]: g["enrolled"] for g in later}["holdout"] == 200


def test_docs_plans_md_reads_a_steps_test_as_the_report_gives_it(
    tenant: Tenant, ledger_for: Any
) -> None:
    text = (Path(__file__).parents[2] / "docs" / "plans.md").read_text()
    section = text.split("**Reading a step's test.**", 1)[1].split("`d0` splits nothing", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("| ")][2:]
    written = [[cell.strip().strip("`") for cell in line.strip("|").split("|")] for line in table]
    write_scenario(ledger_for(tenant.id))
    groups = outcomes(tenant, group_by="step,template")["groups"]
    assert written == [
        [
            g["step"],
            g["template"],
            str(g["enrolled"]),
            str(g["sent"]),
            str(g["repaid"]),
            f"{g['conversion'] * 100:.1f}%",
            g["compared_with"] or "",
            f"{g['difference'] * 100:+.1f} points" if g["difference"] is not None else "",
            f"{g['p_value']:.2g}" if g["p_value"] is not None else "",
        ]
        for g in groups
    ]
