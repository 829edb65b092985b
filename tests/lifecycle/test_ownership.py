"""Only app/lifecycle/ changes a reminder's or an attempt's status, writes timeline events and
appends attempts to the audit chain: a change made anywhere else fails this test."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
OWNER = ROOT / "app" / "lifecycle"

TARGET = r"[\w.\[\]]+"
RULES: dict[str, re.Pattern[str]] = {
    "assigns a status": re.compile(
        rf"^[ \t]*(?:{TARGET}[ \t]*,[ \t]*)*{TARGET}\.status[ \t]*(?:,[ \t]*{TARGET}[ \t]*)*=(?!=)",
        re.M,
    ),
    "assigns a status by name": re.compile(r"setattr\([^,]+,\s*[\"']status[\"']"),
    "sets a status in a statement": re.compile(
        r"\.values\((?:[^()]|\([^()]*\))*?(?:\bstatus\s*=(?!=)|[\"']status[\"']\s*:)", re.S
    ),
    "creates an attempt": re.compile(r"(?<!class )\b(?:DeliveryAttempt|AttemptRow)\("),
    "inserts reminders, attempts or events": re.compile(
        r"insert\(\s*(?:Reminder|ReminderEvent|DeliveryAttempt)\b"
        r"|(?i:insert\s+into\s+(?:reminders|reminder_events|delivery_attempts)\b)"
    ),
    "builds a timeline event": re.compile(
        r"(?<!class )\bReminderEvent\(|[\"']kind[\"']\s*:\s*EventKind\."
    ),
    "appends to the audit chain": re.compile(
        r"\baudit\.append\(|from app\.audit\.service import[^\n]*\bappend\b"
    ),
}


def offences(source: str) -> list[str]:
    return [name for name, rule in RULES.items() if rule.search(source)]


def modules() -> list[Path]:
    return sorted(
        path
        for top in ("app", "channels")
        for path in (ROOT / top).rglob("*.py")
        if OWNER not in path.parents
    )


def test_no_module_but_the_lifecycle_changes_a_status_or_writes_an_event() -> None:
    found = {
        str(path.relative_to(ROOT)): broken
        for path in modules()
        if (broken := offences(path.read_text()))
    }
    assert found == {}


def test_the_lifecycle_itself_is_what_the_rules_would_flag() -> None:
    """The rules look where the changes really are: outside the owner they would be caught."""
    flagged = {name for path in OWNER.rglob("*.py") for name in offences(path.read_text())}
    assert {
        "assigns a status",
        "sets a status in a statement",
        "creates an attempt",
        "inserts reminders, attempts or events",
        "appends to the audit chain",
    } <= flagged


@pytest.mark.parametrize(
    ("snippet", "rule"),
    [
        ("reminder.status = ReminderStatus.SENT", "assigns a status"),
        ("attempt.status=AttemptStatus.UNKNOWN", "assigns a status"),
        ("    reminder.status, reminder.updated_at = target, now", "assigns a status"),
        ("reminder.updated_at, reminder.status = now, target", "assigns a status"),
        ('setattr(attempt, "status", "delivered")', "assigns a status by name"),
        (
            "sa.update(Reminder).values(status=ReminderStatus.FAILED)",
            "sets a status in a statement",
        ),
        (
            'sa.update(DeliveryAttempt).where(x).values(\n    {"status": "failed"}\n)',
            "sets a status in a statement",
        ),
        ("DeliveryAttempt(id=uuid.uuid4(), status=STARTED)", "creates an attempt"),
        (
            "session.execute(sa.insert(ReminderEvent), rows)",
            "inserts reminders, attempts or events",
        ),
        ("session.execute(sa.insert(Reminder), rows)", "inserts reminders, attempts or events"),
        (
            'sa.text("INSERT INTO reminder_events (kind) VALUES (:k)")',
            "inserts reminders, attempts or events",
        ),
        ("session.add(ReminderEvent(kind='sent'))", "builds a timeline event"),
        ('{"tenant_id": t, "kind": EventKind.SENT, "reason": None}', "builds a timeline event"),
        ("audit.append(session, events=[], attempts=[a], now=now)", "appends to the audit chain"),
        ("from app.audit.service import append, verify", "appends to the audit chain"),
    ],
)
def test_a_change_made_outside_the_lifecycle_is_caught(snippet: str, rule: str) -> None:
    assert rule in offences(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        "response.status_code = 409",
        "Problem(title=self.title, status=self.status, detail=self.detail)",
        "            answer.status,\n            text=body,",
        "return JSONResponse(body, status=202)",
        'Health(status="ok")',
        "if reminder.status == ReminderStatus.SENT:",
        "if attempt.status != AttemptStatus.SENDING:",
        "sa.update(Reminder).values(lease_expires_at=now + lease)",
        "sa.select(Reminder.status, sa.func.count())",
        ".values(response_status=status, response_body=content)",
        "class DeliveryAttempt(Base):",
        "class ReminderEvent(Base):",
        "audit.verify(session, tenant_id=tenant_id)",
        "sa.select(ReminderEvent).where(ReminderEvent.reminder_id == reminder_id)",
    ],
)
def test_reading_a_status_or_another_status_is_not_flagged(snippet: str) -> None:
    assert offences(snippet) == []
