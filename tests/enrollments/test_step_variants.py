"""A step with weighted templates and a holdout, from a lender's side: each enrolled customer
gets the template they drew (recorded on the reminder) or nothing at that step, the same draw
after a reschedule and in a simulation, and the outcomes report counts each variant."""

from collections import Counter, defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.reminders import Reminder
from tests.conftest import Tenant
from tests.factories import customer
from tests.helpers.enrollments import SHANGHAI_STEPS, enrol, put_plan, steps

VARIANTS = ("pre-due", "due-today", "holdout")
SPLIT_STEPS = [
    SHANGHAI_STEPS[0]
    | {
        "template": None,
        "templates": [{"template": "pre-due", "weight": 1}, {"template": "due-today", "weight": 1}],
        "holdout": 0.25,
    },
    *SHANGHAI_STEPS[1:],
]


def enrol_until_every_variant_has(tenant: Tenant, least: int) -> dict[str, dict[str, Any]]:
    """Enrolments by loan, until each variant of `d-3` has some (the tenant id is random)."""
    enrolments: dict[str, dict[str, Any]] = {}
    drawn: Counter[str] = Counter()
    while min(drawn[name] for name in VARIANTS) < least:
        number = len(enrolments)
        assert number < 200, drawn
        ref = f"loan-{number}"
        body = enrol(
            tenant,
            loan_ref=ref,
            customer=customer(ref=f"cust-{number}", phone=f"+86138{number:08d}"),
        )
        enrolments[ref] = body
        d_minus_3 = steps(body)["d-3"]
        drawn["holdout" if d_minus_3["skipped"] == "holdout" else template(tenant, body)] += 1
    return enrolments


def template(tenant: Tenant, body: dict[str, Any]) -> str:
    reminder = steps(body)["d-3"]["reminder"]
    assert reminder is not None, body
    found: str = tenant.client.get(f"/v1/reminders/{reminder['id']}").json()["template"]
    return found


def recorded(db: Session, tenant: Tenant) -> dict[str, tuple[str, str | None]]:
    """(template, step_variant) of each loan's `d-3` reminder that is still waiting."""
    rows = db.execute(
        sa.select(Reminder.loan_ref, Reminder.template, Reminder.step_variant).where(
            Reminder.tenant_id == tenant.id,
            Reminder.plan_step == "d-3",
            Reminder.status == "scheduled",
        )
    )
    return {loan: (template, variant) for loan, template, variant in rows}


def test_each_customer_gets_the_template_they_drew_or_nothing_and_keeps_it(
    tenant: Tenant, db: Session
) -> None:
    put_plan(tenant, steps=SPLIT_STEPS)
    enrolments = enrol_until_every_variant_has(tenant, 2)
    drawn: dict[str, str] = {}
    for ref, body in enrolments.items():
        d_minus_3 = steps(body)["d-3"]
        if d_minus_3["skipped"] == "holdout":
            assert d_minus_3["reminder"] is None
            drawn[ref] = "holdout"
        else:
            assert d_minus_3["skipped"] is None
            drawn[ref] = template(tenant, body)
        assert steps(body)["d0"]["reminder"] is not None  # only d-3 is split
    made = recorded(db, tenant)
    assert made == {ref: (name, name) for ref, name in drawn.items() if name != "holdout"}

    for ref in enrolments:
        response = tenant.client.patch(f"/v1/enrollments/{ref}", json={"due_date": "2026-12-11"})
        assert response.status_code == 200, response.text
        skipped = steps(response.json())["d-3"]["skipped"]
        assert (skipped == "holdout") == (drawn[ref] == "holdout")
    assert recorded(db, tenant) == made

    for ref, name in drawn.items():
        number = ref.removeprefix("loan-")
        simulated = tenant.client.post(
            "/v1/plans/gentle/simulate",
            json={
                "customer": customer(ref=f"cust-{number}", phone=f"+86138{int(number):08d}"),
                "due_date": "2026-12-11",
            },
        )
        assert simulated.status_code == 200, simulated.text
        [first, *_] = simulated.json()["steps"]
        if name == "holdout":
            assert (first["outcome"], first["skipped"], first["template"]) == (
                "skipped",
                "holdout",
                None,
            )
        else:
            assert (first["outcome"], first["template"]) == ("send", name)


def test_the_report_counts_each_variant_of_the_step(tenant: Tenant) -> None:
    put_plan(tenant, steps=SPLIT_STEPS)
    enrolments = enrol_until_every_variant_has(tenant, 2)
    by_variant: dict[str, int] = defaultdict(int)
    for body in enrolments.values():
        d_minus_3 = steps(body)["d-3"]
        by_variant["holdout" if d_minus_3["skipped"] else template(tenant, body)] += 1
    response = tenant.client.get("/v1/stats/outcomes", params={"group_by": "step,template"})
    assert response.status_code == 200, response.text
    groups = {(g["step"], g["template"]): g for g in response.json()["groups"]}
    assert {name: groups["d-3", name]["enrolled"] for name in VARIANTS} == by_variant
    assert groups["d0", "due-today"]["enrolled"] == len(enrolments)
    assert groups["d-3", "due-today"]["compared_with"] == "pre-due"
    assert groups["d-3", "pre-due"]["compared_with"] == "holdout"
