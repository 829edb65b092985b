"""HTTP routes for contact policies and their dry run."""

from typing import Annotated

from fastapi import APIRouter, Path

from app.auth import Admin, ReminderReader
from app.clock import ClockDep
from app.db import SessionDep
from app.errors import problem_responses
from app.policy import service
from app.policy.presets import PRESETS
from app.policy.schemas import (
    EvaluateIn,
    EvaluateOut,
    PolicyList,
    PolicyOut,
)
from app.policy.spec import Policy

router = APIRouter(prefix="/v1", tags=["policies"])
NamePath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$", examples=["cn-gentle"])]


@router.put(
    "/policies/{name}",
    response_model=PolicyOut,
    summary="Create or replace a contact policy",
    description="Windows in the customer's local time, holidays, rolling caps, minimum gap, "
    "the quiet period after a conversation, and what to do when blocked. Durations are "
    "ISO 8601 (`P1D`, `PT4H`). Preset names (`cn`, `us-regf`, `in-rbi`, `default`) are "
    "read-only. Needs `admin`.",
    responses=problem_responses(401, 403, 409, 422),
)
def save_policy(
    name: NamePath, body: Policy, principal: Admin, session: SessionDep, clock: ClockDep
) -> PolicyOut:
    service.save(session, tenant_id=principal.tenant_id, name=name, policy=body, clock=clock)
    return PolicyOut(name=name, preset=False, policy=body)


@router.get(
    "/policies",
    response_model=PolicyList,
    summary="List policies",
    description="The built-in presets and the tenant's own policies.",
    responses=problem_responses(401, 403),
)
def list_policies(principal: ReminderReader, session: SessionDep) -> PolicyList:
    return service.summaries(session, tenant_id=principal.tenant_id)


@router.get(
    "/policies/{name}",
    response_model=PolicyOut,
    summary="Read a policy",
    description="A preset (with its legal source in `description`) or one of the tenant's.",
    responses=problem_responses(401, 403, 404),
)
def read_policy(name: NamePath, principal: ReminderReader, session: SessionDep) -> PolicyOut:
    policy = service.read(session, tenant_id=principal.tenant_id, name=name)
    return PolicyOut(name=name, preset=name in PRESETS, policy=policy)


@router.post(
    "/policy/evaluate",
    response_model=EvaluateOut,
    summary="Dry-run the contact policy",
    description="Would this customer be contacted on this channel at `at` (default now)? If "
    "not, why, and when next. Runs the dispatcher's own gate on the customer's stored contact "
    "history and opt-outs (give `loan_ref` for per-loan caps); changes nothing.",
    responses=problem_responses(401, 403, 422),
)
def evaluate_policy(
    body: EvaluateIn, principal: ReminderReader, session: SessionDep, clock: ClockDep
) -> EvaluateOut:
    return service.dry_run(session, tenant_id=principal.tenant_id, request=body, now=clock.now())
