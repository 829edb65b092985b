"""Batches: all or nothing, every bad item named, one bulk insert per table."""

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models.customers import Customer
from app.models.reminders import Reminder, ReminderEvent
from tests.conftest import Server, Tenant, count
from tests.factories import customer, reminder
from tests.helpers.api import items


def test_batch_returns_ids_in_item_order_and_stores_every_item(tenant: Tenant) -> None:
    batch = items(5)
    response = tenant.client.post("/v1/reminders/batch", json={"items": batch})
    assert response.status_code == 202
    ids = response.json()["ids"]
    assert len(ids) == len(set(ids)) == 5
    for reminder_id, item in zip(ids, batch, strict=True):
        stored = tenant.client.get(f"/v1/reminders/{reminder_id}").json()
        assert (stored["customer_ref"], stored["loan_ref"]) == (
            item["customer"]["ref"],
            item["loan_ref"],
        )


def test_batch_with_bad_items_lists_each_by_index_and_stores_nothing(
    tenant: Tenant, db: Session
) -> None:
    batch = items(6)
    batch[1]["customer"]["phone"] = "12"
    batch[4]["send_at"] = "2026-12-01T08:00:00"
    batch[4]["customer"]["timezone"] = "Nowhere/City"
    response = tenant.client.post("/v1/reminders/batch", json={"items": batch})
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"items.1.customer.phone", "items.4.send_at", "items.4.customer.timezone"}
    assert count(db, Reminder) == count(db, Customer) == 0


def test_batch_with_rule_errors_lists_each_by_index_and_stores_nothing(
    tenant: Tenant, db: Session
) -> None:
    batch = items(4)
    batch[0]["expires_at"] = "2026-11-01T00:00:00Z"
    batch[3]["customer"] = {"ref": "no-contact"}
    response = tenant.client.post("/v1/reminders/batch", json={"items": batch})
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"items.0.expires_at", "items.3.channels.0", "items.3.channels.1"}
    assert count(db, Reminder) == count(db, Customer) == 0


def test_batch_of_more_than_1000_items_is_refused(tenant: Tenant, db: Session) -> None:
    response = tenant.client.post("/v1/reminders/batch", json={"items": items(1001)})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["items"]
    assert count(db, Reminder) == 0


def test_batch_items_for_one_customer_merge_their_details(tenant: Tenant, db: Session) -> None:
    first = reminder(customer={"ref": "same", "phone": "+14155550123"}, channels=["sms"])
    second = reminder(customer={"ref": "same", "email": "a@example.com"}, channels=["email"])
    response = tenant.client.post("/v1/reminders/batch", json={"items": [first, second]})
    assert response.status_code == 202
    stored = db.query(Customer).one()
    assert (stored.phone, stored.email) == ("+14155550123", "a@example.com")


@pytest.fixture
def statements(server: Server) -> Iterator[list[str]]:
    """Every statement the service sends to the database while the test runs."""
    seen: list[str] = []

    def record(_conn: Any, _clause: Any, _multi: Any, _params: Any, _opts: Any) -> None:
        seen.append(str(_clause).split(maxsplit=1)[0].upper())

    engine = server.app.state.engine
    sa.event.listen(engine, "before_execute", record)
    yield seen
    sa.event.remove(engine, "before_execute", record)


def test_a_batch_is_one_bulk_insert_per_table_whatever_its_size(
    tenant: Tenant, db: Session, statements: list[str]
) -> None:
    tenant.client.get("/v1/reminders")  # the key is looked up once, then trusted for seconds
    statements.clear()
    assert tenant.client.post("/v1/reminders/batch", json={"items": items(2)}).status_code == 202
    small = list(statements)
    statements.clear()
    batch = [reminder(customer=customer(ref=f"big-{i}")) for i in range(1000)]
    assert tenant.client.post("/v1/reminders/batch", json={"items": batch}).status_code == 202
    assert statements == small
    # customers, reminders, events, audit entries; on PostgreSQL all but the customers' upsert
    # are one COPY each, which SQLAlchemy's events do not see (app.db.insert_rows)
    postgres = db.get_bind().dialect.name == "postgresql"
    assert statements.count("INSERT") == (1 if postgres else 4)
    assert count(db, Reminder) == 1002
    assert count(db, ReminderEvent) == 1002


def test_a_batch_of_known_and_new_customers_files_each_reminder_under_its_own_customer(
    tenant: Tenant, db: Session, statements: list[str]
) -> None:
    known = tenant.client.post("/v1/reminders", json=reminder(customer=customer(ref="known")))
    assert known.status_code == 202
    [stored] = db.scalars(sa.select(Customer.id).where(Customer.ref == "known"))
    refs = ["known", "new-1", "new-2"]
    batch = [reminder(customer=customer(ref=ref), loan_ref=f"loan-{ref}") for ref in refs]
    assert tenant.client.post("/v1/reminders/batch", json={"items": batch}).status_code == 202
    filed = db.execute(
        sa.select(Reminder.loan_ref, Customer.ref, Customer.id).join(
            Customer, Reminder.customer_id == Customer.id
        )
    ).all()
    assert sorted((loan, ref) for loan, ref, _ in filed) == sorted(
        [("loan-1", "known")] + [(f"loan-{ref}", ref) for ref in refs]
    )
    assert {customer_id for _, ref, customer_id in filed if ref == "known"} == {stored}


def test_a_batch_stores_text_a_bulk_copy_must_escape_exactly_as_sent(tenant: Tenant) -> None:
    """Tabs, newlines, backslashes, quotes and text outside the BMP mean something to
    PostgreSQL's COPY format, which stores batches there (app.db.insert_rows)."""
    awkward = "tab\there\nnew line \\N \\\\ \"quoted\" 'single' 还款 🙂 \r end"
    metadata = {"note": awkward, "nested": {"list": [awkward, 1, None, True]}, "": "empty key"}
    batch = [reminder(customer=customer(ref=f"esc-{i}"), metadata=metadata) for i in range(3)]
    answer = tenant.client.post("/v1/reminders/batch", json={"items": batch})
    assert answer.status_code == 202, answer.text
    for reminder_id in answer.json()["ids"]:
        stored = tenant.client.get(f"/v1/reminders/{reminder_id}").json()
        assert stored["metadata"] == metadata
        assert [event["kind"] for event in stored["events"]] == ["accepted"]
