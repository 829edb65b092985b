"""HTTP routes for enrolments and loan events; the rules live in `service` and `events`."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from app.auth import Principal, ReminderReader, ReminderWriter, Scope
from app.clock import ClockDep
from app.config import SettingsDep
from app.db import SessionDep
from app.enrollments import events, service
from app.enrollments.schemas import (
    EnrollmentBatchIn,
    EnrollmentBatchOut,
    EnrollmentIn,
    EnrollmentOut,
    EnrollmentPatch,
    LoanEventIn,
    LoanEventOut,
)
from app.errors import problem_responses
from app.idempotency.service import IdempotencyKey, respond_once
from app.templates.budget import RenderBudget

router = APIRouter(prefix="/v1", tags=["enrollments"])
LoanRef = Annotated[str, Path(max_length=200, description="The lender's loan id.")]


def _shown(enrollment: EnrollmentOut, principal: Principal) -> EnrollmentOut:
    return enrollment if principal.has(Scope.PII_READ) else enrollment.masked()


@router.post(
    "/enrollments",
    status_code=201,
    response_model=EnrollmentOut,
    summary="Enrol a loan in a reminder plan",
    description="Picks the loan's segment (the one named, else the first of the tenant's "
    "segment rules that holds) and its plan (the one named, else the segment's), and submits "
    "a reminder for each of the plan's steps at its local time in the customer's zone, through "
    "the same checks as `POST /v1/reminders`. Steps whose moment has passed are skipped, never "
    "sent late. A loan enrolled already is a 409: `PATCH` changes it. Send an "
    "`Idempotency-Key` to make retries safe.",
    responses=problem_responses(401, 403, 409, 413, 422),
)
def enrol(
    request: Request,
    body: EnrollmentIn,
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
        status=201,
        payload=body,
        produce=lambda: _shown(
            service.enrol(
                session,
                tenant_id=principal.tenant_id,
                loans=[body],
                clock=clock,
                budget=RenderBudget.from_settings(settings),
            )[0],
            principal,
        ),
    )


@router.post(
    "/enrollments/batch",
    status_code=201,
    response_model=EnrollmentBatchOut,
    summary="Enrol up to 1,000 loans at once",
    description="All or nothing: any invalid loan is a 422 listing every bad one by index "
    "(`items.3.plan`) and nothing is stored; a loan enrolled already is a 409.",
    responses=problem_responses(401, 403, 409, 413, 422),
)
def enrol_batch(
    request: Request,
    body: EnrollmentBatchIn,
    principal: ReminderWriter,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    def store() -> EnrollmentBatchOut:
        made = service.enrol(
            session,
            tenant_id=principal.tenant_id,
            loans=body.items,
            clock=clock,
            budget=RenderBudget.from_settings(settings),
            field_prefix="items.{index}.",
        )
        out = EnrollmentBatchOut(items=made)
        return out if principal.has(Scope.PII_READ) else out.masked()

    return respond_once(
        request,
        session,
        tenant_id=principal.tenant_id,
        key=idempotency_key,
        status=201,
        payload=body,
        produce=store,
    )


@router.get(
    "/enrollments/{loan_ref}",
    response_model=EnrollmentOut,
    summary="Read a loan's enrolment",
    description="Its segment, plan and arm, whether it is active, paused or ended, and each "
    "step with its reminder (id, status, send time) or why it was skipped.",
    responses=problem_responses(401, 403, 404, 422),
)
def read_enrollment(
    loan_ref: LoanRef, principal: ReminderReader, session: SessionDep, clock: ClockDep
) -> EnrollmentOut:
    return _shown(
        service.get(session, tenant_id=principal.tenant_id, loan_ref=loan_ref, clock=clock),
        principal,
    )


@router.patch(
    "/enrollments/{loan_ref}",
    response_model=EnrollmentOut,
    summary="Change a loan's due date, amount or segment",
    description="Plans the steps again: reminders not yet handed to the dispatcher are "
    "cancelled and submitted anew at their new times; a step already sent is not sent again. "
    "An ended plan is a 409.",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def reschedule(
    request: Request,
    loan_ref: LoanRef,
    body: EnrollmentPatch,
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
        produce=lambda: _shown(
            service.reschedule(
                session,
                tenant_id=principal.tenant_id,
                loan_ref=loan_ref,
                change=body,
                clock=clock,
                budget=RenderBudget.from_settings(settings),
            ),
            principal,
        ),
    )


@router.post(
    "/loans/{loan_ref}/events",
    response_model=LoanEventOut,
    summary="Report a repayment, promise, hardship, dispute or write-off",
    description="Once per `event_id`: a repeat changes nothing and gets the first answer. A "
    "full repayment cancels every pending reminder of the loan (counted) and ends its plan; a "
    "partial one lowers the amount the waiting reminders show; `promise_to_pay` pauses the plan "
    "until the promised date plus the plan's grace; `hardship` and `dispute` pause it until "
    "`lifted`; `written_off` ends it. Paused steps are cancelled, never sent late.",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def report_event(
    loan_ref: LoanRef,
    body: LoanEventIn,
    principal: ReminderWriter,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> LoanEventOut:
    return events.record(
        session,
        tenant_id=principal.tenant_id,
        loan_ref=loan_ref,
        event=body,
        clock=clock,
        budget=RenderBudget.from_settings(settings),
    )
