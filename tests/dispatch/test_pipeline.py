"""The scheduled job's rounds back to back, each claimed and rendered while the one before it
is still sending: every reminder reaches the provider once, and a round that fails leaves the
next one's claims free at once and its own attempts `unknown`, never resent."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError

from app.clock import FrozenClock
from app.dispatch.record import Outcome
from tests.conftest import DispatcherFactory, Tenant
from tests.factories import customer
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.api import read, submit

pytestmark = pytest.mark.anyio


def submit_many(tenant: Tenant, count: int) -> list[str]:
    return [
        submit(
            tenant,
            customer=customer(ref=f"c-{i}", phone=f"+86138000000{i:02d}"),
            loan_ref=f"loan-{i}",
            channels=["sms"],
        )
        for i in range(count)
    ]


def sends(twilio: FakeTwilio) -> Counter[str]:
    return Counter(r.form["StatusCallback"].rsplit("reference=", 1)[1] for r in twilio.received)


async def test_pipelined_rounds_send_every_reminder_once(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> None:
    ids = submit_many(tenant, 7)
    dispatcher = make_dispatcher(dispatch_batch_size=2)
    await dispatcher.tick()  # four rounds: three full, the last one short
    assert sends(twilio) == Counter({reminder_id: 1 for reminder_id in ids})
    assert {read(tenant, reminder_id)["status"] for reminder_id in ids} == {"sent"}
    await dispatcher.tick()
    assert len(twilio.received) == 7


async def test_a_round_that_cannot_be_recorded_frees_the_next_ones_claims_and_resends_nothing(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    ids = submit_many(tenant, 4)
    dispatcher = make_dispatcher(dispatch_batch_size=2)

    def database_gone(outcomes: list[Outcome]) -> None:
        raise OperationalError("UPDATE", {}, Exception("server closed the connection"))

    dispatcher._record = database_gone  # type: ignore[method-assign]
    with pytest.raises(OperationalError):
        await dispatcher.tick()
    first = sorted(sends(twilio))
    second = sorted(set(ids) - set(first))
    assert sends(twilio) == Counter({reminder_id: 1 for reminder_id in first})
    assert len(first) == 2
    for reminder_id in second:  # claimed while the first round was sending: given back
        assert read(tenant, reminder_id)["status"] == "scheduled"

    recovering = make_dispatcher(dispatch_batch_size=2)
    assert await recovering.run_once() == 2
    clock.advance(recovering.lease + timedelta(seconds=1))
    assert await recovering.run_once() == 0
    assert {reminder_id: read(tenant, reminder_id)["status"] for reminder_id in ids} == {
        first[0]: "unknown",
        first[1]: "unknown",
        second[0]: "sent",
        second[1]: "sent",
    }
    assert sends(twilio) == Counter({reminder_id: 1 for reminder_id in ids})
