"""The dry run (`POST /v1/policy/evaluate`) answers what the dispatcher then does, on the
database: the same gate, the same history."""

import itertools
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.dispatch.worker import Dispatcher
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import Reminder
from app.policy.presets import PRESETS
from tests.conftest import DispatcherFactory, Tenant
from tests.factories import customer, reminder

pytestmark = pytest.mark.anyio

NEW_YORK_NUMBER = "+12125550123"
WEDNESDAY_10_NEW_YORK = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
FAR_FUTURE = "2027-06-01T00:00:00Z"
"""When the reminders that only carry history are due: never within a test."""


def borrower(ref: str = "us-1", phone: str = NEW_YORK_NUMBER) -> dict[str, Any]:
    """A customer who states no jurisdiction or zone: both follow from the phone number."""
    return customer(
        ref=ref,
        phone=phone,
        email="pat@example.com",
        locale="en-US",
        timezone=None,
        jurisdiction=None,
    )


def submit(tenant: Tenant, **fields: Any) -> uuid.UUID:
    response = tenant.client.post("/v1/reminders", json=reminder(**fields))
    assert response.status_code == 202, response.text
    return uuid.UUID(response.json()["id"])


Contact = tuple[datetime, str, str, bool]
"""When, on which channel, about which loan, and whether a call was answered."""


def record_history(
    db: Session, tenant: Tenant, ref: dict[str, Any], contacts: Sequence[Contact]
) -> None:
    """Past attempts to reach the customer, each on a reminder of its loan (kept out of
    dispatch: due long after the test)."""
    reminders: dict[str, Reminder] = {}
    for loan in sorted({loan for _, _, loan, _ in contacts}):
        reminder_id = submit(tenant, customer=ref, loan_ref=loan, send_at=FAR_FUTURE)
        reminders[loan] = db.get_one(Reminder, reminder_id)
    for at, channel, loan, answered in contacts:
        row = reminders[loan]
        db.add(
            DeliveryAttempt(
                tenant_id=row.tenant_id,
                reminder_id=row.id,
                customer_id=row.customer_id,
                channel=channel,
                provider="twilio_voice" if channel == "voice" else "console",
                status="answered" if answered else "sent",
                started_at=at,
            )
        )
    db.commit()


def dry_run(tenant: Tenant, **body: Any) -> dict[str, Any]:
    response = tenant.client.post("/v1/policy/evaluate", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def dispatch(
    tenant: Tenant, dispatcher: Dispatcher, reminder_id: uuid.UUID
) -> dict[str, Any]:
    """One real dispatch round; what it made of the reminder, as the dry run words it."""
    await dispatcher.run_once()
    body = tenant.client.get(f"/v1/reminders/{reminder_id}").json()
    if body["attempts"]:
        return {"allowed": True, "reason": None, "next_allowed_at": None}
    event = body["events"][-1]
    return {
        "allowed": False,
        "reason": event["reason"],
        "next_allowed_at": event["detail"].get("next_attempt_at"),
    }


def instant(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


async def test_an_eighth_call_on_a_loan_is_refused_by_the_dry_run_as_by_the_dispatcher(
    tenant: Tenant, db: Session, clock: FrozenClock, make_dispatcher: DispatcherFactory
) -> None:
    """The reported mismatch: the dry run ignored per-loan caps and said "allowed" where the
    dispatcher deferred with CALL_7_IN_7 (Regulation F, 12 CFR 1006.14(b)(2))."""
    now = WEDNESDAY_10_NEW_YORK
    calls = [(now - timedelta(days=6, hours=n), "voice", "loan-1", False) for n in range(7)]
    clock.set(now - timedelta(days=7))
    record_history(db, tenant, borrower(), calls)
    clock.set(now)
    reminder_id = submit(tenant, customer=borrower(), loan_ref="loan-1", channels=["voice"])

    answer = dry_run(
        tenant, customer_ref="us-1", loan_ref="loan-1", channel="voice", at=instant(now)
    )
    # the oldest call leaves the 7 days at 04:00 in New York; then the night is quiet
    freed = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)  # Thursday 08:00 in New York
    assert (answer["allowed"], answer["reason"], answer["policy"]) == (
        False,
        "CALL_7_IN_7",
        "us-regf",
    )
    assert answer["next_allowed_at"] == instant(freed)
    decided = await dispatch(tenant, make_dispatcher(), reminder_id)
    assert (decided["allowed"], decided["reason"]) == (False, "CALL_7_IN_7")
    deferred_to = datetime.fromisoformat(decided["next_allowed_at"])
    assert freed <= deferred_to < freed + timedelta(minutes=10)  # the preset's spread
    assert dry_run(
        tenant, customer_ref="us-1", loan_ref="loan-2", channel="voice", at=instant(now)
    )["allowed"]


PHONES = {  # a number per region the tenant below maps, and one it does not (GB)
    "+8613812345678": "cn",
    "+12125550123": "us-regf",
    "+919876543210": "in-rbi",
    "+442071234567": "default",
}
AROUND_NATIONAL_DAY = datetime(2026, 9, 24, tzinfo=UTC)
"""Mid-Autumn, National Day with its Sunday, the make-up Saturday after it, ordinary weeks."""
REFS = itertools.count()


@pytest.fixture
def unspread_tenant(tenant: Tenant) -> Tenant:
    """The presets without their random spread, each jurisdiction mapped to one, so that the
    moment the dispatcher defers to is exactly the one the dry run names."""
    for name in PHONES.values():
        unspread = PRESETS[name].model_copy(update={"spread": timedelta(0)})
        response = tenant.client.put(
            f"/v1/policies/{name}-now", json=unspread.model_dump(mode="json")
        )
        assert response.status_code == 200, response.text
    settings = tenant.client.get("/v1/tenant").json() | {
        "default_policy": "default-now",
        "jurisdiction_policies": {"CN": "cn-now", "US": "us-regf-now", "IN": "in-rbi-now"},
    }
    assert tenant.client.put("/v1/tenant", json=settings).status_code == 200
    return tenant


histories = st.lists(
    st.tuples(
        st.one_of(  # minutes before the moment: the last day (daily caps), the last 8 days
            st.integers(min_value=0, max_value=24 * 60),
            st.integers(min_value=0, max_value=8 * 24 * 60),
        ),
        st.sampled_from(["voice", "voice", "voice", "sms", "email"]),  # mostly capped calls
        st.sampled_from(["loan-a", "loan-a", "loan-b"]),  # mostly the reminder's own loan
        st.booleans(),  # a call answered: a conversation
    ),
    max_size=16,
)


@settings(
    max_examples=25,
    deadline=None,
    # the tenant and its policies are shared by the examples; each has its own customer
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(  # the fourth connected call of a day in China
    phone="+8613812345678",
    channel="voice",
    opted_out=False,
    history=[
        (60, "voice", "loan-b", True),
        (120, "voice", "loan-a", True),
        (180, "voice", "loan-a", True),
    ],
    minutes=5 * 24 * 60 + 120,  # Tuesday 29 September, 10:00 in Shanghai
).via("CAP_CONNECTED_CALLS")
@example(  # the eighth call on a loan in 7 days in the US, and one on another loan
    phone="+12125550123",
    channel="voice",
    opted_out=False,
    history=[(24 * 60 * day + 60, "voice", "loan-a", False) for day in range(7)]
    + [(30, "voice", "loan-b", False)],
    minutes=6 * 24 * 60 + 15 * 60,  # Wednesday 30 September, 11:00 in New York
).via("CALL_7_IN_7")
@example(  # an SMS an hour after another, where no jurisdiction's policy applies
    phone="+442071234567",
    channel="sms",
    opted_out=False,
    history=[(60, "sms", "loan-b", False)],
    minutes=5 * 24 * 60 + 10 * 60,  # Tuesday 29 September, 11:00 in London
).via("MIN_GAP")
@given(
    phone=st.sampled_from(sorted(PHONES)),
    channel=st.sampled_from(["sms", "voice"]),
    opted_out=st.sampled_from([False, False, False, True]),
    history=histories,
    minutes=st.integers(min_value=0, max_value=18 * 24 * 60),
)
async def test_for_any_history_and_moment_the_dry_run_answers_what_the_dispatcher_does(
    unspread_tenant: Tenant,
    db: Session,
    clock: FrozenClock,
    make_dispatcher: DispatcherFactory,
    phone: str,
    channel: str,
    opted_out: bool,
    history: list[tuple[int, str, str, bool]],
    minutes: int,
) -> None:
    tenant, now = unspread_tenant, AROUND_NATIONAL_DAY + timedelta(minutes=minutes)
    who = borrower(ref=f"p-{next(REFS)}", phone=phone)
    contacts = [
        (now - timedelta(minutes=before), ch, loan, answered and ch == "voice")
        for before, ch, loan, answered in history
    ]
    clock.set(now - timedelta(days=9))
    record_history(db, tenant, who, contacts)
    if opted_out:
        tenant.client.post("/v1/opt-outs", json={"customer_ref": who["ref"], "channel": channel})
    clock.set(now)
    reminder_id = submit(tenant, customer=who, loan_ref="loan-a", channels=[channel])

    answer = dry_run(
        tenant, customer_ref=who["ref"], loan_ref="loan-a", channel=channel, at=instant(now)
    )
    decided = await dispatch(tenant, make_dispatcher(), reminder_id)
    tenant.client.post(f"/v1/reminders/{reminder_id}/cancel")  # not due in later examples

    event(f"{answer['policy']}: {answer['reason'] or 'allowed'}")  # --hypothesis-show-statistics
    assert answer["policy"] == PHONES[phone] + "-now"
    assert (answer["allowed"], answer["reason"]) == (decided["allowed"], decided["reason"])
    assert moment(answer["next_allowed_at"]) == moment(decided["next_allowed_at"])


def moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
