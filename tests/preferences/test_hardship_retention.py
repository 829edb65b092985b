"""A hardship request's free text (the borrower's note and callback time) is kept for the
retention period and then erased from the customer's timeline, the lender's sent notice and
anything the audit chain holds, leaving its SHA-256; the chain still verifies and still
catches an edit of the request. A notice not sent yet keeps the text until it is."""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.db import create_session_factory
from app.deliveries import retention
from app.models.audit import AuditEntry
from app.models.preferences import CustomerEvent, LenderNotice
from tests.conftest import DispatcherFactory, Tenant
from tests.fakes.webhook_receiver import Reply, WebhookReceiver
from tests.helpers.api import submit
from tests.helpers.audit import link
from tests.helpers.borrower import ask_for_help, notices

pytestmark = pytest.mark.anyio

NOTE = "Lost my job, my brother answers on 13987654321"
CALLBACK = "weekday mornings"
DAYS = 365


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Borrower:
    """A borrower asking for help, the worker sending the lender's notice, the daily
    retention job and the lender's API, all on one clock."""

    db: Session
    tenant: Tenant
    receiver: WebhookReceiver
    make_dispatcher: DispatcherFactory
    clock: FrozenClock
    engine: Engine

    async def ask(self) -> None:
        """Asks for help in words, then the worker tries the notice once."""
        submit(self.tenant, channels=["sms"])
        ask_for_help(self.db, self.tenant, self.clock, note=NOTE, callback=CALLBACK)
        self.db.commit()
        await self.send()

    async def send(self) -> None:
        assert await notices(self.make_dispatcher, self.clock).run_once() == 1
        link(self.engine)

    def retain(self, *, days: int) -> int:
        """`days` later, the daily job's pass; how many rows' free text it erased."""
        self.clock.advance(timedelta(days=days))
        erased = retention.run(
            create_session_factory(self.engine),
            now=self.clock.now(),
            days=DAYS,
            pending_ttl=timedelta(hours=1),
        )
        return erased.notes

    def stored(self) -> str:
        """Everything the three places hold: timeline lines, lender notices, audit entries."""
        self.db.rollback()
        rows = [
            *self.db.scalars(sa.select(CustomerEvent.detail)),
            *self.db.scalars(sa.select(LenderNotice.payload)),
            *self.db.scalars(sa.select(AuditEntry.payload)),
        ]
        return json.dumps(rows, ensure_ascii=False)

    def edit(self, **fields: Any) -> None:
        """Changes the request's timeline line behind Nudge's back."""
        self.db.rollback()
        line = self.db.scalars(sa.select(CustomerEvent)).one()
        line.detail = line.detail | fields
        self.db.commit()

    def hardship_line(self) -> dict[str, Any]:
        answer = self.tenant.client.get("/v1/customers/cust-1")
        assert answer.status_code == 200, answer.text
        timeline = answer.json()["timeline"]
        [line] = [line for line in timeline if line["kind"] == "hardship_requested"]
        detail: dict[str, Any] = line["detail"]
        return detail

    def verify(self) -> dict[str, Any]:
        answer = self.tenant.client.get("/v1/audit/verify")
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body


@pytest.fixture
def borrower(
    db: Session,
    tenant: Tenant,
    receiver: WebhookReceiver,
    make_dispatcher: DispatcherFactory,
    clock: FrozenClock,
    engine: Engine,
) -> Borrower:
    return Borrower(db, tenant, receiver, make_dispatcher, clock, engine)


async def test_the_note_is_kept_for_the_retention_period_then_only_its_digest_remains(
    borrower: Borrower,
) -> None:
    await borrower.ask()
    [delivery] = borrower.receiver.received
    assert delivery.payload["notice"]["note"] == NOTE
    entries = borrower.db.scalars(sa.select(AuditEntry.payload)).all()
    assert NOTE not in json.dumps(entries, ensure_ascii=False)  # the chain never held it

    assert borrower.retain(days=DAYS - 1) == 0
    line = borrower.hardship_line()
    assert (line["note"], line["callback"]) == (NOTE, CALLBACK)
    assert NOTE in borrower.stored()

    assert borrower.retain(days=2) == 2  # the timeline line and the sent notice
    assert borrower.hardship_line() | {"paused_loans": None, "lender_notified": None} == {
        "reason": "job_loss",
        "note": None,
        "note_sha256": sha256(NOTE),
        "callback": None,
        "callback_sha256": sha256(CALLBACK),
        "paused_loans": None,
        "lender_notified": None,
    }
    everything = borrower.stored()
    assert NOTE not in everything
    assert CALLBACK not in everything
    [notice] = borrower.db.scalars(sa.select(LenderNotice.payload)).all()
    assert (notice["notice"]["note"], notice["notice"]["note_sha256"]) == (None, sha256(NOTE))
    assert borrower.verify()["intact"] is True
    assert borrower.retain(days=1) == 0  # nothing is erased twice


async def test_a_notice_not_sent_yet_keeps_the_note_until_it_is_sent(borrower: Borrower) -> None:
    borrower.receiver.script.answer(Reply(status=503))
    await borrower.ask()

    assert borrower.retain(days=DAYS + 1) == 1  # the timeline line only
    assert borrower.hardship_line()["note"] is None
    assert NOTE in borrower.stored()  # in the notice still owed

    await borrower.send()
    assert borrower.receiver.received[-1].payload["notice"]["note"] == NOTE
    assert borrower.retain(days=0) == 1
    assert NOTE not in borrower.stored()
    assert borrower.verify()["intact"] is True


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param({"reason": "illness"}, id="reason"),
        pytest.param({"paused_loans": ["loan-x"]}, id="paused-loans"),
        pytest.param({"note_sha256": "0" * 64}, id="digest"),
    ],
)
async def test_an_edit_of_an_erased_hardship_request_is_still_caught(
    borrower: Borrower, edit: dict[str, Any]
) -> None:
    await borrower.ask()
    assert borrower.retain(days=DAYS + 1) == 2
    borrower.edit(**edit)

    report = borrower.verify()
    assert report["intact"] is False
    assert "changed or deleted outside Nudge" in report["first_broken"]["reason"]


async def test_an_edit_of_a_kept_note_is_caught(borrower: Borrower) -> None:
    await borrower.ask()
    borrower.edit(note="I never asked for help")
    assert borrower.verify()["intact"] is False


async def test_an_edited_hardship_entry_breaks_the_chain(borrower: Borrower) -> None:
    await borrower.ask()
    borrower.retain(days=DAYS + 1)
    db = borrower.db
    db.rollback()
    entry = db.scalars(sa.select(AuditEntry).where(AuditEntry.kind == "customer_event")).one()
    entry.payload = entry.payload | {"detail": entry.payload["detail"] | {"reason": "family"}}
    db.commit()

    report = borrower.verify()
    assert report["intact"] is False
    assert report["first_broken"]["reason"] == "its content was changed after it was written"
