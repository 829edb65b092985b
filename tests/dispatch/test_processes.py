"""Real `nudge worker` processes on PostgreSQL: killed mid-run, restarted, or two at once,
no reminder is sent twice and none is lost (the fake provider's own log is the witness)."""

import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.clock import FrozenClock
from app.db import create_db_engine
from app.models.deliveries import DeliveryAttempt
from app.models.reminders import Reminder
from bench.scratch import fresh_database
from bench.seeding import seed
from tests.conftest import START
from tests.factories import customer, reminder
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.workers import ALWAYS, wait_for, worker

REMINDERS = 2000


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    """A PostgreSQL database holding REMINDERS due reminders that any hour allows."""
    with fresh_database("postgresql", tmp_path) as url:
        bodies = [
            reminder(
                customer=customer(ref=f"c-{i}"),
                channels=["sms"],
                policy="always",
                loan_ref=f"loan-{i}",
            )
            for i in range(REMINDERS)
        ]
        seed(url, clock=FrozenClock(START), bodies=bodies, policy={"always": ALWAYS})
        yield url


def pending(url: str) -> int:
    engine = create_db_engine(url)
    with engine.connect() as connection:
        left = connection.scalar(
            sa.select(sa.func.count())
            .select_from(Reminder)
            .where(Reminder.status.in_(["scheduled", "deferred", "dispatching"]))
        )
    engine.dispose()
    return left or 0


def outcomes(url: str) -> tuple[dict[str, str], Counter[str], Counter[str]]:
    """Each reminder's status, its attempt count, and which worker made each attempt."""
    engine = create_db_engine(url)
    with engine.connect() as connection:
        status = {str(i): s for i, s in connection.execute(sa.select(Reminder.id, Reminder.status))}
        attempts = Counter(
            str(r) for r in connection.scalars(sa.select(DeliveryAttempt.reminder_id))
        )
        workers = Counter(connection.scalars(sa.select(DeliveryAttempt.worker)))
    engine.dispose()
    return status, attempts, workers


def sends(twilio: FakeTwilio) -> Counter[str]:
    return Counter(r.form["StatusCallback"].rsplit("reference=", 1)[1] for r in twilio.received)


def test_a_worker_killed_mid_run_and_restarted_sends_nothing_twice_and_loses_nothing(
    database: str, twilio: FakeTwilio, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    with worker(database, twilio, log) as first:
        wait_for(lambda: len(twilio.received) >= REMINDERS // 5, 120, "the first sends")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert 0 < len(twilio.received) < REMINDERS, "the kill should land mid-run"
    with worker(database, twilio, log) as second:
        wait_for(lambda: pending(database) == 0, 180, "the restarted worker to finish")
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0, log.read_text()[-2000:]

    status, attempts, _ = outcomes(database)
    sent = sends(twilio)
    assert max(sent.values()) == 1, "a reminder was sent twice"
    assert len(status) == REMINDERS
    for reminder_id, state in status.items():
        assert state in ("sent", "unknown"), (reminder_id, state)
        if state == "sent":
            assert sent[reminder_id] == 1, "sent without reaching the provider"
        assert attempts[reminder_id] == 1, "every reminder has exactly one attempt record"


def test_two_workers_share_the_work_and_send_each_reminder_exactly_once(
    database: str, twilio: FakeTwilio, tmp_path: Path
) -> None:
    with (
        worker(database, twilio, tmp_path / "a.log") as a,
        worker(database, twilio, tmp_path / "b.log") as b,
    ):
        wait_for(lambda: pending(database) == 0, 180, "both workers to finish")
        for process in (a, b):
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0

    status, _, workers = outcomes(database)
    assert set(status.values()) == {"sent"}
    assert sorted(sends(twilio).values()) == [1] * REMINDERS
    assert len(workers) == 2, f"both workers should have sent some: {workers}"
