"""The dashboard's reminder page shows what the borrower changed: their stated preferences and
their own timeline, a note's contact details masked without `pii:read`, and a note erased by
retention as its digest."""

import hashlib
from datetime import timedelta

from sqlalchemy.orm import Session

from app.auth import Scope
from app.clock import FrozenClock
from app.deliveries.retention import erase_expired
from tests.conftest import Tenant
from tests.helpers.api import submit
from tests.helpers.borrower import ask_for_help, state
from tests.helpers.ops import SignIn


def test_the_reminder_page_shows_the_borrowers_say(
    signed_in: SignIn, tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    reminder_id = submit(tenant, channels=["sms"])
    window = {"weekdays": [0], "start": "12:00", "end": "14:00"}
    state(db, tenant, clock, channels_off=["voice"], inconvenient=[window])
    ask_for_help(db, tenant, clock, reason="family", note="call my wife on 13812345678")
    db.commit()
    page = signed_in(Scope.DELIVERIES_READ, Scope.REMINDERS_READ).get(
        f"/ops/reminders/{reminder_id}"
    )
    assert page.status_code == 200
    assert "The borrower&#39;s say" in page.text
    assert "12:00-14:00" in page.text
    assert "preferences_changed" in page.text
    assert "hardship_requested" in page.text
    assert "13812345678" not in page.text


def test_an_erased_note_shows_as_its_digest(
    signed_in: SignIn, tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    reminder_id = submit(tenant, channels=["sms"])
    note = "call my wife on 13812345678"
    ask_for_help(db, tenant, clock, reason="family", note=note)
    db.commit()
    clock.advance(timedelta(days=366))
    assert erase_expired(db, now=clock.now(), days=365).notes == 1
    db.commit()
    page = signed_in(Scope.DELIVERIES_READ, Scope.REMINDERS_READ, Scope.PII_READ).get(
        f"/ops/reminders/{reminder_id}"
    )
    assert page.status_code == 200
    assert "hardship_requested" in page.text
    assert "note=None" in page.text
    assert f"note_sha256={hashlib.sha256(note.encode()).hexdigest()}" in page.text
    assert "call my wife" not in page.text
