"""The audit chain verifies an honest history and catches every edit made behind its back,
before and after the sequencer links the entries."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.deliveries.retention import erase_expired
from tests.conftest import DispatcherFactory, Tenant
from tests.factories import reminder
from tests.helpers.audit import link
from tests.helpers.twilio import STATUS_PATH, post_signed

pytestmark = pytest.mark.anyio
NUDGE = str(Path(sys.executable).parent / "nudge")


INTACT = {"intact": True, "first_broken": None, "unlinked": 0, "oldest_unlinked_age_seconds": None}


async def history(tenant: Tenant, make_dispatcher: DispatcherFactory) -> list[str]:
    """Reminders accepted, one cancelled, the others sent: events and attempts to vouch for,
    all still unlinked."""
    ids = [
        tenant.client.post(
            "/v1/reminders", json=reminder(loan_ref=f"loan-{i}", channels=["sms"])
        ).json()["id"]
        for i in range(3)
    ]
    tenant.client.post(f"/v1/reminders/{ids[0]}/cancel")
    await make_dispatcher().run_once()
    return ids


def verify(tenant: Tenant) -> dict[str, Any]:
    response = tenant.client.get("/v1/audit/verify")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def tamper(db: Session, sql: str, **params: Any) -> None:
    db.execute(sa.text(sql), params)
    db.commit()


async def test_an_honest_history_verifies_intact_with_its_backlog_then_linked(
    tenant: Tenant, make_dispatcher: DispatcherFactory, engine: Engine
) -> None:
    await history(tenant, make_dispatcher)
    # 3 accepted + 1 cancelled + 2 sent events; 2 attempts started and 2 finished
    assert verify(tenant) == INTACT | {
        "entries": 0,
        "unlinked": 10,
        "oldest_unlinked_age_seconds": 0.0,  # the test clock has not moved
    }
    assert link(engine) == 10
    assert verify(tenant) == INTACT | {"entries": 10}
    assert link(engine) == 0  # each entry is linked once


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        (
            "UPDATE reminder_events SET reason = 'EDITED' WHERE kind = 'cancelled'",
            "changed or deleted outside Nudge",
        ),
        ("DELETE FROM reminder_events WHERE kind = 'cancelled'", "changed or deleted outside"),
        ("UPDATE delivery_attempts SET status = 'delivered'", "changed or deleted outside"),
        ("UPDATE delivery_attempts SET body = 'something else'", "changed or deleted outside"),
        ("UPDATE audit_entries SET payload = '{}' WHERE seq = 2", "content was changed"),
        ("DELETE FROM audit_entries WHERE seq = 3", "entry 3 is missing"),
    ],
)
async def test_a_row_edited_or_deleted_with_raw_sql_is_the_first_broken_link(
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    db: Session,
    engine: Engine,
    sql: str,
    reason: str,
) -> None:
    await history(tenant, make_dispatcher)
    link(engine)
    tamper(db, sql)
    report = verify(tenant)
    assert report["intact"] is False
    assert reason in report["first_broken"]["reason"]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE reminder_events SET reason = 'EDITED' WHERE kind = 'cancelled'",
        "DELETE FROM reminder_events WHERE kind = 'cancelled'",
        "UPDATE delivery_attempts SET status = 'delivered'",
    ],
)
async def test_a_row_edited_before_its_entry_is_linked_is_caught(
    tenant: Tenant, make_dispatcher: DispatcherFactory, db: Session, engine: Engine, sql: str
) -> None:
    """The window between a change and the sequencer linking its entry: the row is compared
    with its latest entry, linked or not, and the edit is still the first broken link."""
    await history(tenant, make_dispatcher)
    tamper(db, sql)
    report = verify(tenant)
    assert report["intact"] is False
    assert (
        "changed or deleted outside Nudge (its latest entry is not linked yet)"
        in (report["first_broken"]["reason"])
    )
    link(engine)  # linking seals the entries as written, so the edit stays caught
    assert "changed or deleted outside Nudge" in verify(tenant)["first_broken"]["reason"]


async def test_an_event_inserted_behind_nudges_back_is_caught(
    tenant: Tenant, make_dispatcher: DispatcherFactory, db: Session
) -> None:
    [first, *_] = await history(tenant, make_dispatcher)
    tamper(
        db,
        "INSERT INTO reminder_events (tenant_id, reminder_id, kind, at) "
        "SELECT tenant_id, reminder_id, 'delivered', at FROM reminder_events "
        "WHERE kind = 'cancelled'",
    )
    report = verify(tenant)
    assert "added outside Nudge" in report["first_broken"]["reason"]
    assert first


async def test_retention_erasing_bodies_and_contacts_keeps_the_chain_verifiable(
    tenant: Tenant, make_dispatcher: DispatcherFactory, db: Session, engine: Engine, clock: Any
) -> None:
    await history(tenant, make_dispatcher)
    link(engine)
    db.rollback()
    erased = erase_expired(db, now=clock.now() + timedelta(days=400), days=365)
    db.commit()
    assert erased.attempts == 2
    bodies = db.execute(sa.text("SELECT body, body_sha256 FROM delivery_attempts")).all()
    assert all(body is None and digest for body, digest in bodies)
    assert verify(tenant)["intact"] is True


async def test_each_tenant_has_its_own_chain(
    tenant: Tenant,
    new_tenant: Any,
    make_dispatcher: DispatcherFactory,
    db: Session,
    engine: Engine,
) -> None:
    other = new_tenant("other")
    await history(tenant, make_dispatcher)
    other.client.post("/v1/reminders", json=reminder())
    assert link(engine) == 11  # one sequencer links every tenant's entries
    tamper(db, "UPDATE reminder_events SET reason = 'EDITED' WHERE kind = 'cancelled'")
    assert verify(tenant)["intact"] is False
    assert verify(other) == INTACT | {"entries": 1}


async def test_the_command_line_reports_intact_then_the_break(
    tenant: Tenant, make_dispatcher: DispatcherFactory, db: Session, database_url: str
) -> None:
    await history(tenant, make_dispatcher)
    env = os.environ | {"NUDGE_DATABASE_URL": database_url}

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [NUDGE, "audit", "verify", "--tenant", str(tenant.id)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    waiting = run()
    assert waiting.returncode == 0
    assert waiting.stdout.startswith(f"{tenant.id}: intact (0 entries; 10 not linked yet")
    linked = subprocess.run(
        [NUDGE, "audit", "link"], env=env, capture_output=True, text=True, check=False
    )
    assert (linked.returncode, linked.stdout.strip()) == (0, "linked 10 entries")
    fine = run()
    assert (fine.returncode, fine.stdout.strip()) == (0, f"{tenant.id}: intact (10 entries)")
    tamper(db, "DELETE FROM audit_entries WHERE seq = 5")
    broken = run()
    assert broken.returncode == 1
    assert "BROKEN at entry 5" in broken.stdout


async def test_provider_callbacks_extend_the_chain_and_it_still_verifies(
    tenant: Tenant, make_dispatcher: DispatcherFactory, engine: Engine
) -> None:
    await history(tenant, make_dispatcher)
    link(engine)
    before = verify(tenant)["entries"]
    items = tenant.client.get("/v1/reminders").json()["items"]
    message_sids = [
        attempt["provider_message_id"]
        for item in items
        for attempt in tenant.client.get(f"/v1/reminders/{item['id']}").json()["attempts"]
    ]
    for sid in message_sids:
        form = {"MessageSid": sid, "MessageStatus": "delivered"}
        assert post_signed(tenant.client, STATUS_PATH, form).status_code == 200
    assert verify(tenant)["unlinked"] == 2 * len(message_sids)
    link(engine)
    report = verify(tenant)
    assert report["intact"] is True
    assert report["entries"] == before + 2 * len(message_sids)  # attempt state + event each
