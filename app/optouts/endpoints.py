"""HTTP routes for the do-not-contact registry."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from app.auth import ReminderReader, ReminderWriter, Scope
from app.clock import ClockDep
from app.customers.schemas import normalize_phone
from app.db import SessionDep
from app.errors import FieldError, ValidationFailed, problem_responses
from app.optouts import service
from app.optouts.schemas import OptOutIn, OptOutOut, OptOutPage

router = APIRouter(prefix="/v1", tags=["opt-outs"])


@router.post(
    "/opt-outs",
    status_code=201,
    response_model=OptOutOut,
    summary="Register an opt-out",
    description="From now on the customer, phone number or email address is not contacted on "
    "`channel` (`all`: on any channel). Pending reminders to it are suppressed when due, with "
    "`OPTED_OUT` on their timeline. A `customer_ref` Nudge has not seen yet is accepted: the "
    "opt-out applies from that customer's first reminder. Registering the same opt-out twice "
    "is harmless. The answer "
    "masks phone and email unless the key has `pii:read`.",
    responses=problem_responses(401, 403, 422),
)
def register_opt_out(
    body: OptOutIn, principal: ReminderWriter, session: SessionDep, clock: ClockDep
) -> OptOutOut:
    out = service.register(session, tenant_id=principal.tenant_id, opt_out=body, now=clock.now())
    return out if principal.has(Scope.PII_READ) else out.masked()


@router.get(
    "/opt-outs",
    response_model=OptOutPage,
    summary="List opt-outs",
    description="Newest first, filtered by customer, phone or email, with keyset pagination. "
    "Phone numbers and emails are masked unless the key has `pii:read`.",
    responses=problem_responses(401, 403, 422),
)
def list_opt_outs(
    principal: ReminderReader,
    session: SessionDep,
    customer_ref: Annotated[str | None, Query(max_length=200)] = None,
    phone: Annotated[str | None, Query(max_length=30)] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> OptOutPage:
    try:
        e164 = normalize_phone(phone, None) if phone else None
    except ValueError as error:
        raise ValidationFailed([FieldError(field="query.phone", detail=str(error))]) from None
    page = service.list_page(
        session,
        tenant_id=principal.tenant_id,
        customer_ref=customer_ref,
        phone=e164,
        email=email,
        cursor=cursor,
        limit=limit,
    )
    return page if principal.has(Scope.PII_READ) else page.masked()


@router.delete(
    "/opt-outs/{opt_out_id}",
    status_code=204,
    response_class=Response,
    summary="Lift an opt-out",
    description="The customer may be contacted again on that channel (the policy still applies).",
    responses=problem_responses(401, 403, 404),
)
def lift_opt_out(
    opt_out_id: Annotated[uuid.UUID, Path()], principal: ReminderWriter, session: SessionDep
) -> Response:
    service.lift(session, tenant_id=principal.tenant_id, opt_out_id=opt_out_id)
    return Response(status_code=204)
