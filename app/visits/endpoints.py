"""The lender's system reports a visit's outcome: no API key, the tenant's signature instead."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request

from app.accounts.vault import VaultDep
from app.clock import ClockDep
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import problem_responses
from app.models.reminders import Reminder
from app.visits import service
from app.visits.message import OUTCOME_PATH
from app.visits.schemas import OutcomeIn, OutcomeOut
from app.visits.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

router = APIRouter(tags=["webhooks"])


async def _raw_body(request: Request) -> bytes:
    """The bytes as signed: read before the body is parsed, so a bad signature is refused
    before anything in the body is looked at."""
    return await request.body()


def _signed_task(
    task_id: uuid.UUID,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    vault: VaultDep,
    body: Annotated[bytes, Depends(_raw_body)],
    timestamp: Annotated[str | None, Header(alias=TIMESTAMP_HEADER)] = None,
    signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER)] = None,
) -> Reminder:
    found = service.secret_for(session, task_id=task_id, vault=vault)
    verify(
        found[1] if found else None,
        timestamp=timestamp,
        signature=signature,
        body=body,
        now=clock.now(),
        tolerance_seconds=settings.webhook_callback_tolerance_seconds,
    )
    assert found is not None  # no secret, no valid signature
    return found[0]


@router.post(
    OUTCOME_PATH.format(id="{task_id}"),
    response_model=OutcomeOut,
    summary="Report a visit's outcome",
    description="The lender's system reports how a requested visit went: `visited`, "
    "`not_home`, `refused`, or `promise_to_pay` with the amount, currency and date. Signed "
    f"like Nudge's webhooks, with the tenant's webhook secret: `{SIGNATURE_HEADER}: "
    f"v1=<hex HMAC-SHA256 over '{{{TIMESTAMP_HEADER}}}.{{raw body}}'>`; a timestamp more than "
    "`NUDGE_WEBHOOK_CALLBACK_TOLERANCE_SECONDS` from now is refused (401), a signature that "
    "does not match (or an unknown task) too (403), and nothing changes. The outcome goes on "
    "the reminder's timeline and audit chain once; the same report again gets the same "
    "answer, a different one 409.",
    responses=problem_responses(401, 403, 409, 413, 422),
)
def report_outcome(
    report: OutcomeIn,
    task: Annotated[Reminder, Depends(_signed_task)],
    session: SessionDep,
    clock: ClockDep,
) -> OutcomeOut:
    return service.record(session, reminder=task, report=report, now=clock.now())
