"""The closed vocabularies are the only words written, and the docs name every one of them."""

import re
from pathlib import Path

import pytest

from app.models.reasons import DispatchReason, PolicyReason, ReminderReason
from app.models.states import PENDING, ReminderStatus
from app.models.vocabulary import AttemptStatus, ErrorKind
from channels.status import DeliveryStatus

ROOT = Path(__file__).resolve().parent.parent
DELIVERIES = (ROOT / "docs" / "deliveries.md").read_text()
STATE_MACHINE = (ROOT / "docs" / "state-machine.md").read_text()
LITERAL = re.compile(
    r"""(\.status|\berror_kind)\s*(=|==|!=)\s*["']"""
    r"""|(\breason\s*=|["']reason["']\s*:)\s*["'][A-Z][A-Z0-9_]*["']"""
)
"""A row's status, error kind or reason code written or compared as a bare string rather than
an enum member."""


def _row(doc: str, name: str) -> str:
    return next(line for line in doc.splitlines() if line.startswith(f"| `{name}` |"))


def test_every_provider_status_can_be_stored_on_an_attempt() -> None:
    assert {s.value for s in DeliveryStatus} <= {s.value for s in AttemptStatus}


@pytest.mark.parametrize("status", list(AttemptStatus))
def test_the_delivery_log_filter_docs_name_every_attempt_status(status: AttemptStatus) -> None:
    assert f"`{status}`" in _row(DELIVERIES, "status")


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_the_delivery_docs_name_every_error_kind(kind: ErrorKind) -> None:
    described = DELIVERIES.split("`error_kind` (", 1)[1].split("`error_code`", 1)[0]
    assert f"`{kind}`" in described


@pytest.mark.parametrize("status", list(ReminderStatus))
def test_the_state_machine_docs_describe_every_reminder_status(status: ReminderStatus) -> None:
    assert _row(STATE_MACHINE, status)


def test_the_state_machine_docs_say_which_statuses_are_pending() -> None:
    paragraph = STATE_MACHINE.split("**Pending**", 1)[1].split("\n\n", 1)[0]
    named = set(re.findall(r"`([a-z_]+)`", paragraph.split("contact details")[0]))
    assert named == {str(status) for status in PENDING}


def test_no_code_writes_a_status_error_kind_or_reason_as_a_bare_string() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for top in ("app", "channels")
        for path in sorted((ROOT / top).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if LITERAL.search(line)
    ]
    assert found == []


@pytest.mark.parametrize(
    "reason", [*DispatchReason, *PolicyReason, *ReminderReason], ids=lambda r: f"{r!r}"
)
def test_the_state_machine_docs_list_every_reason_code(reason: str) -> None:
    table = STATE_MACHINE.split("## Reason codes", 1)[1]
    family = type(reason).__name__.removesuffix("Reason").lower()
    rows = [line for line in table.splitlines() if line.startswith(f"| {family} |")]
    assert any(f"`{reason}`" in row.split("|")[2] for row in rows)
