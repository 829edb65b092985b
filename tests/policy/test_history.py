"""The gate reads a customer's history as the database counts it and fetches contacts only
where a cap may be full: whatever the history, it decides as the policy does on every contact."""

import itertools
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.models.customers import Customer
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import Reminder
from app.models.tenants import Tenant as TenantRow
from app.policy.evaluate import Contact, evaluate
from app.policy.service import Candidate, gate, zones_for
from app.policy.spec import Policy
from channels.base import Channel
from tests.conftest import Tenant
from tests.factories import customer, reminder

NOW = datetime(2026, 12, 9, 6, 0, tzinfo=UTC)
FAR_FUTURE = "2027-06-01T00:00:00Z"
REFS = itertools.count()


def policy(caps: list[int], min_gap: bool, after_talk: bool) -> dict[str, Any]:
    """Always open, so only the history decides; caps of every kind, `caps` their maxima."""
    day, loan_calls, talks, texts, week = caps
    return {
        "windows": {"any": [{"start": "00:00", "end": "24:00"}]},
        "caps": [
            {"max": day, "window": "P1D"},
            {"max": loan_calls, "window": "P7D", "channel": "voice", "per": "loan"},
            {"max": talks, "window": "P3D", "count": "connected"},
            {"max": texts, "window": "PT6H", "channel": "sms"},
            {"max": week, "window": "P7D"},
        ],
        "min_gap": "PT20M" if min_gap else None,
        "after_conversation": "PT12H" if after_talk else None,
        "spread": "PT0S",
    }


def submit(tenant: Tenant, **fields: Any) -> uuid.UUID:
    response = tenant.client.post("/v1/reminders", json=reminder(**fields))
    assert response.status_code == 202, response.text
    return uuid.UUID(response.json()["id"])


def decide_on_everything(
    rules: Policy, candidates: list[Candidate], contacts: list[Contact]
) -> list[tuple[bool, str | None, datetime | None]]:
    """What the policy says on the whole history, each send joining it before the next."""
    answers, history = [], list(contacts)
    for candidate in candidates:
        [channel] = candidate.channels
        decision = evaluate(
            rules,
            channel=channel,
            zones=[zones_for(timezone="Asia/Shanghai", phone=None, fallback="UTC")[0]],
            now=NOW,
            history=history,
            loan_ref=candidate.reminder.loan_ref,
        )
        answers.append((decision.allowed, decision.reason, decision.next_allowed_at))
        if decision.allowed:
            history.append(Contact(at=NOW, channel=channel, loan_ref=candidate.reminder.loan_ref))
    return answers


contacts = st.lists(
    st.tuples(
        st.integers(min_value=-60, max_value=8 * 24 * 60),  # minutes before now (some after)
        st.sampled_from(["voice", "voice", "sms", "email"]),
        st.sampled_from(["loan-a", "loan-a", "loan-b"]),
        st.booleans(),  # a call answered
    ),
    max_size=30,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(  # thirty contacts this week under a weekly cap of 25: full, freed when the 6th leaves
    caps=[99, 99, 99, 99, 25],
    min_gap=False,
    after_talk=False,
    history=[(60 * 5 * n + 1, "sms", "loan-a", False) for n in range(30)],
    wanted=[("sms", "loan-a")],
)
@example(  # a full day cap with room for one, and two reminders in the same batch
    caps=[4, 99, 99, 99, 99],
    min_gap=False,
    after_talk=False,
    history=[(60 * n + 30, "email", "loan-b", False) for n in range(3)],
    wanted=[("sms", "loan-a"), ("voice", "loan-a")],
)
@example(  # many contacts, no cap near full: only the last contact and the last talk matter
    caps=[99, 99, 99, 99, 99],
    min_gap=True,
    after_talk=True,
    history=[(60 * n + 10, "sms", "loan-a", False) for n in range(25)]
    + [(600, "voice", "loan-b", True)],
    wanted=[("voice", "loan-a"), ("sms", "loan-a")],
)
@given(
    caps=st.lists(st.integers(min_value=0, max_value=32), min_size=5, max_size=5),
    min_gap=st.booleans(),
    after_talk=st.booleans(),
    history=contacts,
    wanted=st.lists(
        st.tuples(st.sampled_from(["sms", "voice"]), st.sampled_from(["loan-a", "loan-b"])),
        min_size=1,
        max_size=3,
    ),
)
def test_for_any_history_the_gate_decides_as_the_policy_does_on_every_contact(
    tenant: Tenant,
    db: Session,
    clock: FrozenClock,
    caps: list[int],
    min_gap: bool,
    after_talk: bool,
    history: list[tuple[int, str, str, bool]],
    wanted: list[tuple[str, str]],
) -> None:
    spec = policy(caps, min_gap, after_talk)
    assert tenant.client.put("/v1/policies/counted", json=spec).status_code == 200
    who = customer(ref=f"h-{next(REFS)}", timezone="Asia/Shanghai")
    clock.set(NOW - timedelta(days=9))
    loans = {
        loan: submit(tenant, customer=who, loan_ref=loan, send_at=FAR_FUTURE)
        for loan in ("loan-a", "loan-b")
    }
    rows = {loan: db.get_one(Reminder, reminder_id) for loan, reminder_id in loans.items()}
    for before, channel, loan, answered in history:
        db.add(
            DeliveryAttempt(
                tenant_id=rows[loan].tenant_id,
                reminder_id=rows[loan].id,
                customer_id=rows[loan].customer_id,
                channel=channel,
                provider="console",
                status="answered" if answered and channel == "voice" else "sent",
                started_at=NOW - timedelta(minutes=before),
            )
        )
    clock.set(NOW)
    due = [
        submit(tenant, customer=who, loan_ref=loan, channels=[channel], policy="counted")
        for channel, loan in wanted
    ]
    db.commit()
    candidates = []
    for reminder_id in due:
        row = db.get_one(Reminder, reminder_id)
        candidates.append(
            Candidate(
                reminder=row,
                customer=db.get_one(Customer, row.customer_id),
                tenant=db.get_one(TenantRow, row.tenant_id),
                channels=[Channel(c) for c in row.channels],
            )
        )
    recorded = [
        Contact(
            at=NOW - timedelta(minutes=before),
            channel=channel,
            loan_ref=loan,
            connected=answered and channel == "voice",
        )
        for before, channel, loan, answered in history
    ]

    verdicts = gate(db, candidates=candidates, now=NOW, rng=random.Random(0))
    db.rollback()

    decided = [  # the refusal is the policy's reason, also where no moment is ever allowed
        (v.action == "send", v.refusals.get(c.channels[0]), v.next_allowed_at)
        for v, c in zip(verdicts, candidates, strict=True)
    ]
    assert decided == decide_on_everything(Policy.model_validate(spec), candidates, recorded)
