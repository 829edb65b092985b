"""HTTP routes of the delivery log: listing, one delivery, CSV export and stats."""

import uuid
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse

from app.auth import DeliveryReader, Scope
from app.customers.schemas import check_timezone
from app.db import SessionDep
from app.deliveries import service
from app.deliveries.csv_export import export
from app.deliveries.schemas import (
    DeliveryFilter,
    DeliveryOut,
    DeliveryPage,
    DeliveryStats,
    GroupBy,
)
from app.errors import FieldError, ValidationFailed, problem_responses
from app.fields import InstantIn
from app.models.vocabulary import AttemptStatus
from channels.base import Channel

router = APIRouter(prefix="/v1", tags=["deliveries"])
Word = Annotated[str | None, Query(max_length=40)]


def delivery_filter(
    customer_ref: Annotated[str | None, Query(max_length=200)] = None,
    loan_ref: Annotated[str | None, Query(max_length=200)] = None,
    reminder_id: uuid.UUID | None = None,
    channel: Channel | None = None,
    provider: Word = None,
    status: Annotated[
        AttemptStatus | None,
        Query(description="Normalized status, e.g. `delivered`; `sending` while in flight."),
    ] = None,
    error_code: Word = None,
    since: Annotated[
        InstantIn | None, Query(description="Started at or after this moment (with an offset).")
    ] = None,
    until: Annotated[
        InstantIn | None, Query(description="Started before this moment (with an offset).")
    ] = None,
) -> DeliveryFilter:
    errors = []
    if since is not None and until is not None and until <= since:
        errors.append(FieldError(field="query.until", detail="must be after since"))
    if errors:
        raise ValidationFailed(errors)
    return DeliveryFilter(
        customer_ref=customer_ref,
        loan_ref=loan_ref,
        reminder_id=reminder_id,
        channel=channel,
        provider=provider,
        status=status,
        error_code=error_code,
        since=since,
        until=until,
    )


Filters = Annotated[DeliveryFilter, Depends(delivery_filter)]
MASKING = " Phone numbers and email addresses are masked unless the key has `pii:read`."


@router.get(
    "/deliveries",
    response_model=DeliveryPage,
    summary="List delivery attempts",
    description="Every provider call, newest first, filtered, with keyset pagination: pass "
    "`next_cursor` back as `cursor` until it is null. Pages stay stable while new attempts are "
    "made." + MASKING,
    responses=problem_responses(401, 403, 422),
)
def list_deliveries(
    principal: DeliveryReader,
    session: SessionDep,
    where: Filters,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> DeliveryPage:
    return service.list_page(
        session,
        tenant_id=principal.tenant_id,
        where=where,
        cursor=cursor,
        limit=limit,
        reveal=principal.has(Scope.PII_READ),
    )


@router.get(
    "/deliveries.csv",
    response_class=StreamingResponse,
    summary="Export delivery attempts as CSV",
    description="The same filters as the listing, newest first, streamed as it is read: any "
    "number of rows, in flat memory." + MASKING,
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(401, 403, 422)},
)
def export_deliveries(
    request: Request, principal: DeliveryReader, where: Filters
) -> StreamingResponse:
    rows = export(
        request.app.state.session_factory,
        tenant_id=principal.tenant_id,
        where=where,
        reveal=principal.has(Scope.PII_READ),
    )
    return StreamingResponse(
        rows,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="deliveries.csv"'},
    )


@router.get(
    "/deliveries/{delivery_id}",
    response_model=DeliveryOut,
    summary="Read one delivery attempt",
    description="What was sent, to whom, and what became of it." + MASKING,
    responses=problem_responses(401, 403, 404),
)
def read_delivery(
    delivery_id: Annotated[uuid.UUID, Path()], principal: DeliveryReader, session: SessionDep
) -> DeliveryOut:
    return service.get(
        session,
        tenant_id=principal.tenant_id,
        attempt_id=delivery_id,
        reveal=principal.has(Scope.PII_READ),
    )


@router.get(
    "/stats/deliveries",
    response_model=DeliveryStats,
    summary="Count delivery attempts and the delivery rate",
    description="Attempts per channel, status, template or day, with the same filters as the "
    "listing. Delivery rate: attempts `delivered` or `answered` over attempts with a final "
    "status (delivered, undelivered, failed, answered, no_answer, busy, canceled); attempts "
    "still in flight are left out. Days are calendar days in `tz` (default UTC).",
    responses=problem_responses(401, 403, 422),
)
def delivery_stats(
    principal: DeliveryReader,
    session: SessionDep,
    where: Filters,
    group_by: GroupBy,
    tz: Annotated[str, Query(max_length=64, description="IANA zone for `day`.")] = "UTC",
) -> DeliveryStats:
    try:
        zone = ZoneInfo(check_timezone(tz))
    except ValueError as error:
        raise ValidationFailed([FieldError(field="query.tz", detail=str(error))]) from None
    return service.stats(
        session, tenant_id=principal.tenant_id, where=where, group_by=group_by, tz=zone
    )
