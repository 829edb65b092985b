"""`{{ manage_url }}`: a short link, the same on every try of a message, stored as its send
starts, expiring and revocable."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.db import create_session_factory
from app.deliveries import retention
from app.models.borrower_links import BorrowerLink
from tests.conftest import START, DispatcherFactory, Tenant
from tests.fakes.twilio_server import FakeTwilio, Reply
from tests.helpers.api import read, submit
from tests.helpers.borrower import KEY, link_in, link_template, texts_to

pytestmark = pytest.mark.anyio


async def test_an_sms_carries_a_link_of_at_most_24_characters_stored_for_30_days(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, db: Session
) -> None:
    link_template(tenant)
    reminder_id = submit(tenant, template=KEY, channels=["sms"])
    await make_dispatcher().run_once()

    [text] = texts_to(twilio)
    path = link_in(text)
    assert text.endswith(f"{path} 回复TD退订")  # a space: phones end a link at the first one
    assert len(path) <= 24
    assert len(path) == len("/m/") + 20
    [stored] = db.scalars(sa.select(BorrowerLink)).all()
    assert str(stored.reminder_id) == reminder_id
    assert stored.expires_at == START + timedelta(days=30)
    assert path[3:] not in stored.digest  # the table keeps a hash, not the link


async def test_two_messages_carry_links_that_differ_in_unguessable_ways(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> None:
    link_template(tenant)
    submit(tenant, template=KEY, channels=["sms"])
    submit(tenant, template=KEY, channels=["sms"], loan_ref="loan-2")
    await make_dispatcher().run_once()

    first, second = (link_in(text)[3:] for text in texts_to(twilio))
    assert first != second
    assert sum(a == b for a, b in zip(first, second, strict=True)) < 10


async def test_a_retried_message_carries_the_same_link_and_keeps_its_first_expiry(
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    clock: FrozenClock,
    db: Session,
) -> None:
    link_template(tenant)
    reminder_id = submit(tenant, template=KEY, channels=["sms"])
    twilio.answer(Reply(status=500))
    dispatcher = make_dispatcher()
    await dispatcher.run_once()
    clock.set(START + timedelta(hours=1))
    await dispatcher.run_once()

    first, again = texts_to(twilio)
    assert first == again
    assert read(tenant, reminder_id)["status"] == "sent"
    [stored] = db.scalars(sa.select(BorrowerLink)).all()
    assert stored.expires_at == START + timedelta(days=30)


async def test_a_template_without_the_link_stores_none(
    tenant: Tenant, make_dispatcher: DispatcherFactory, db: Session
) -> None:
    submit(tenant, channels=["sms"])
    await make_dispatcher().run_once()

    assert db.scalars(sa.select(BorrowerLink)).all() == []


def test_a_preview_counts_a_link_as_long_as_a_real_one(tenant: Tenant) -> None:
    link_template(tenant)
    preview = tenant.client.post(
        f"/v1/templates/{KEY}/preview",
        json={
            "channel": "sms",
            "locale": "en",
            "variables": {"amount": "12", "due_date": "2026-12-01"},
        },
    )

    assert preview.status_code == 200, preview.text
    assert len(link_in(preview.json()["body"])) == 23


async def test_revoking_closes_every_open_link_of_the_customer_at_once(
    tenant: Tenant, make_dispatcher: DispatcherFactory, db: Session
) -> None:
    link_template(tenant)
    submit(tenant, template=KEY, channels=["sms"])
    submit(tenant, template=KEY, channels=["sms"], loan_ref="loan-2")
    await make_dispatcher().run_once()

    assert tenant.client.delete("/v1/customers/cust-1/links").json() == {"revoked": 2}
    assert tenant.client.delete("/v1/customers/cust-1/links").json() == {"revoked": 0}
    assert all(link.revoked_at == START for link in db.scalars(sa.select(BorrowerLink)))


def test_revoking_an_unknown_customers_links_is_a_404(tenant: Tenant) -> None:
    answer = tenant.client.delete("/v1/customers/nobody/links")

    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


async def test_the_daily_retention_pass_deletes_links_expired_for_90_days(
    tenant: Tenant, make_dispatcher: DispatcherFactory, clock: FrozenClock, db: Session
) -> None:
    link_template(tenant)
    dispatcher = make_dispatcher()
    submit(tenant, template=KEY, channels=["sms"])
    await dispatcher.run_once()
    clock.set(START + timedelta(days=1))
    submit(tenant, template=KEY, channels=["sms"], loan_ref="loan-2")
    await dispatcher.run_once()
    sessions = create_session_factory(db.get_bind())  # type: ignore[arg-type]
    ninety_after_the_first_expired = START + timedelta(days=30 + 90)

    erased = retention.run(
        sessions, now=ninety_after_the_first_expired, days=0, pending_ttl=timedelta(hours=1)
    )

    assert erased.links == 1
    db.rollback()
    [kept] = db.scalars(sa.select(BorrowerLink)).all()
    assert kept.issued_at == START + timedelta(days=1)
