"""HTTP routes for reminders; the rules live in `service`."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from app.auth import Principal, ReminderReader, ReminderWriter, Scope
from app.clock import ClockDep
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import problem_responses
from app.idempotency.service import IdempotencyKey, respond_once
from app.models.states import ReminderStatus
from app.reminders import service
from app.reminders.schemas import (
    BatchIn,
    BatchOut,
    CancelledCount,
    ReminderDetail,
    ReminderIn,
    ReminderOut,
    ReminderPage,
    ResolveIn,
)
from app.templates.budget import RenderBudget

router = APIRouter(prefix="/v1", tags=["reminders"])
ReminderId = Annotated[uuid.UUID, Path(description="The reminder's id.")]


@router.post(
    "/reminders",
    status_code=202,
    response_model=ReminderOut,
    summary="Submit a reminder",
    description="Accepts one reminder for delivery at `send_at` (default now), subject to the "
    "contact policy. The customer is created or updated from `customer`. Send an "
    "`Idempotency-Key` to make retries safe.",
    responses=problem_responses(401, 403, 409, 413, 422),
)
def submit_reminder(
    request: Request,
    body: ReminderIn,
    principal: ReminderWriter,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    return respond_once(
        request,
        session,
        tenant_id=principal.tenant_id,
        key=idempotency_key,
        status=202,
        payload=body,
        produce=lambda: service.create(
            session,
            tenant_id=principal.tenant_id,
            items=[body],
            clock=clock,
            budget=RenderBudget.from_settings(settings),
        )[0],
    )


@router.post(
    "/reminders/batch",
    status_code=202,
    response_model=BatchOut,
    summary="Submit up to 1,000 reminders at once",
    description="All or nothing: if any item is invalid the answer is 422 listing every bad "
    "item by index and field (`items.3.customer.phone`) and nothing is stored. Otherwise the "
    "ids come back in the order of the items.",
    responses=problem_responses(401, 403, 409, 413, 422),
)
def submit_batch(
    request: Request,
    body: BatchIn,
    principal: ReminderWriter,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    def store() -> BatchOut:
        created = service.create(
            session,
            tenant_id=principal.tenant_id,
            items=body.items,
            clock=clock,
            budget=RenderBudget.from_settings(settings),
            field_prefix="items.{index}.",
        )
        return BatchOut(ids=[reminder.id for reminder in created])

    return respond_once(
        request,
        session,
        tenant_id=principal.tenant_id,
        key=idempotency_key,
        status=202,
        payload=body,
        produce=store,
    )


@router.get(
    "/reminders",
    response_model=ReminderPage,
    summary="List reminders",
    description="Newest first, filtered, with keyset pagination: pass `next_cursor` back as "
    "`cursor` until it is null. Pages stay stable while new reminders arrive. Phone numbers "
    "and emails in `variables` and `metadata` are masked unless the key has `pii:read`.",
    responses=problem_responses(401, 403, 422),
)
def list_reminders(
    principal: ReminderReader,
    session: SessionDep,
    customer_ref: Annotated[str | None, Query(max_length=200)] = None,
    loan_ref: Annotated[str | None, Query(max_length=200)] = None,
    status: ReminderStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> ReminderPage:
    page = service.list_page(
        session,
        tenant_id=principal.tenant_id,
        customer_ref=customer_ref,
        loan_ref=loan_ref,
        status=status,
        cursor=cursor,
        limit=limit,
    )
    return page if principal.has(Scope.PII_READ) else page.masked()


@router.get(
    "/reminders/{reminder_id}",
    response_model=ReminderDetail,
    summary="Read a reminder with its timeline",
    description="The reminder, every event on its timeline (accepted, deferred and why, sent, "
    "delivered, cancelled...) and every delivery attempt. Phone numbers and emails in "
    "bodies, provider errors, event details, variables and metadata are masked unless the key "
    "has `pii:read`.",
    responses=problem_responses(401, 403, 404),
)
def read_reminder(
    reminder_id: ReminderId, principal: ReminderReader, session: SessionDep
) -> ReminderDetail:
    detail = service.get(session, tenant_id=principal.tenant_id, reminder_id=reminder_id)
    return detail if principal.has(Scope.PII_READ) else detail.masked()


@router.post(
    "/reminders/{reminder_id}/cancel",
    response_model=ReminderDetail,
    summary="Cancel a reminder",
    description="Cancels a reminder that has not been handed to a provider yet. One already "
    "being sent, sent or otherwise finished gets 409.",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def cancel_reminder(
    request: Request,
    reminder_id: ReminderId,
    principal: ReminderWriter,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    return respond_once(
        request,
        session,
        tenant_id=principal.tenant_id,
        key=idempotency_key,
        status=200,
        produce=lambda: _shown(
            service.cancel(
                session, tenant_id=principal.tenant_id, reminder_id=reminder_id, clock=clock
            ),
            principal,
        ),
    )


def _shown(detail: ReminderDetail, principal: Principal) -> ReminderDetail:
    """A cancelled reminder's timeline may hold earlier attempts' errors: masked as on read."""
    return detail if principal.has(Scope.PII_READ) else detail.masked()


@router.post(
    "/loans/{loan_ref}/cancel-reminders",
    response_model=CancelledCount,
    summary="Cancel every pending reminder of a loan",
    description="Use when the borrower has repaid: every reminder of the loan that has not "
    "been handed to a provider is cancelled. Returns how many were.",
    responses=problem_responses(401, 403, 409, 422),
)
def cancel_loan_reminders(
    request: Request,
    loan_ref: Annotated[str, Path(max_length=200)],
    principal: ReminderWriter,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    return respond_once(
        request,
        session,
        tenant_id=principal.tenant_id,
        key=idempotency_key,
        status=200,
        produce=lambda: CancelledCount(
            cancelled=service.cancel_loan(
                session, tenant_id=principal.tenant_id, loan_ref=loan_ref, clock=clock
            )
        ),
    )


@router.post(
    "/reminders/{reminder_id}/resolve",
    response_model=ReminderDetail,
    summary="Resolve an unknown outcome",
    description="A reminder is `unknown` when its worker stopped, or the provider timed out, "
    "after the send may have gone out; Nudge never resends it by itself. After checking the "
    "provider's records, say `sent` (it went out) or `retry` (it did not: send it again, "
    "subject to the contact policy). Only `unknown` reminders can be resolved (409 otherwise).",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def resolve_reminder(
    request: Request,
    reminder_id: ReminderId,
    body: ResolveIn,
    principal: ReminderWriter,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    return respond_once(
        request,
        session,
        tenant_id=principal.tenant_id,
        key=idempotency_key,
        status=200,
        payload=body,
        produce=lambda: service.resolve(
            session,
            tenant_id=principal.tenant_id,
            reminder_id=reminder_id,
            outcome=body.outcome,
            clock=clock,
        ),
    )
