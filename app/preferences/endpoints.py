"""HTTP routes for a customer as Nudge knows them, and the preferences a lender sets for them
(the borrower sets their own on their page)."""

from typing import Annotated

from fastapi import APIRouter, Path

from app.auth import ReminderReader, ReminderWriter, Scope
from app.clock import ClockDep
from app.db import SessionDep
from app.errors import problem_responses
from app.preferences import service
from app.preferences.profile import profile
from app.preferences.schemas import CustomerOut, Preferences, PreferencesIn, Source

router = APIRouter(prefix="/v1", tags=["customers"])

CustomerRef = Annotated[str, Path(min_length=1, max_length=200, description="The lender's id.")]


@router.get(
    "/customers/{ref}",
    response_model=CustomerOut,
    summary="Read a customer: preferences, opt-outs, loans, recent contacts, timeline",
    description="What Nudge knows of the customer: the contact details the lender gave (phone "
    "and email masked unless the key has `pii:read`), the preferences the borrower or lender "
    "set with who set them and when, the opt-outs that cover them, their enrolled loans, the "
    "newest 20 delivery attempts (channel, time, outcome) and the newest 50 lines of their "
    "timeline (preferences changed, hardship asked for, opt-outs).",
    responses=problem_responses(401, 403, 404, 422),
)
def read_customer(ref: CustomerRef, principal: ReminderReader, session: SessionDep) -> CustomerOut:
    return profile(
        session, tenant_id=principal.tenant_id, ref=ref, reveal=principal.has(Scope.PII_READ)
    )


@router.put(
    "/customers/{ref}/preferences",
    response_model=Preferences,
    summary="Set a customer's preferences for them",
    description="As the borrower would on their own page, recorded with source `lender`: "
    "channels turned off are refused like opt-outs (`BORROWER_RESTRICTED`), preferred channels "
    "are tried first, inconvenient times (weekdays and local times in the customer's zone; an "
    "`end` before `start` crosses midnight) defer a reminder to their end, and `locale` writes "
    "every future message. Fields left out are kept. Each change is a line on the customer's "
    "timeline and the audit chain.",
    responses=problem_responses(401, 403, 404, 422),
)
def set_preferences(
    ref: CustomerRef,
    body: PreferencesIn,
    principal: ReminderWriter,
    session: SessionDep,
    clock: ClockDep,
) -> Preferences:
    tenant_id = principal.tenant_id
    return service.save(
        session,
        tenant_id=tenant_id,
        customer_id=service.customer_id_of(session, tenant_id=tenant_id, ref=ref),
        change=body,
        source=Source.LENDER,
        now=clock.now(),
    )
