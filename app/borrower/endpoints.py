"""The lender's control over a customer's borrower links."""

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from app.auth import ReminderWriter
from app.borrower import service
from app.clock import ClockDep
from app.db import SessionDep
from app.errors import problem_responses

router = APIRouter(prefix="/v1", tags=["customers"])


class RevokedOut(BaseModel):
    revoked: int
    """Links that were open until now."""


@router.delete(
    "/customers/{ref}/links",
    response_model=RevokedOut,
    summary="Revoke a customer's borrower links",
    description="Every `{{ manage_url }}` link already sent to the customer stops opening "
    "their page at once (it shows a polite 'link no longer valid' page, status 410). Messages "
    "sent afterwards carry new links. Doing it again revokes nothing more.",
    responses=problem_responses(401, 403, 404),
)
def revoke_links(
    ref: Annotated[str, Path(max_length=200)],
    principal: ReminderWriter,
    session: SessionDep,
    clock: ClockDep,
) -> RevokedOut:
    count = service.revoke(session, tenant_id=principal.tenant_id, ref=ref, now=clock.now())
    return RevokedOut(revoked=count)
