"""HTTP routes for plans, segment rules and simulation; the rules live in the services."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.auth import ReminderReader, TemplateWriter
from app.clock import ClockDep
from app.db import SessionDep
from app.errors import problem_responses
from app.plans import service
from app.plans.schemas import (
    PlanIn,
    PlanKey,
    PlanOut,
    SegmentsIn,
    SegmentsOut,
    SimulateIn,
    SimulateOut,
)
from app.plans.simulate import simulate
from app.templates.schemas import Version

router = APIRouter(prefix="/v1", tags=["plans"])
KeyPath = Annotated[PlanKey, Path(description="The plan's key, e.g. `gentle`.")]


@router.put(
    "/plans/{key}",
    response_model=PlanOut,
    summary="Save a plan",
    description="Ordered steps relative to a loan's due date (docs/plans.md). A changed body is "
    "a new version; the same body as the current version changes nothing and returns it. Every "
    "template, channel variant and locale a step of any variant can reach is checked: a "
    "missing template or a channel it has no variant for is a 422 naming the step's field "
    "(`steps.1.channels.0`, `variants.0.steps.2.template`). Needs `templates:write`.",
    responses=problem_responses(401, 403, 409, 422),
)
def put_plan(
    key: KeyPath, body: PlanIn, principal: TemplateWriter, session: SessionDep, clock: ClockDep
) -> PlanOut:
    return service.put_plan(session, tenant_id=principal.tenant_id, key=key, body=body, clock=clock)


@router.get(
    "/plans/{key}",
    response_model=PlanOut,
    summary="Read a plan",
    description="The current version, or the one asked for with `version`.",
    responses=problem_responses(401, 403, 404, 422),
)
def read_plan(
    key: KeyPath,
    principal: ReminderReader,
    session: SessionDep,
    version: Annotated[Version | None, Query()] = None,
) -> PlanOut:
    return service.get_plan(session, tenant_id=principal.tenant_id, key=key, version=version)


@router.post(
    "/plans/{key}/simulate",
    response_model=SimulateOut,
    summary="Simulate a plan for one customer",
    description="The plan's steps for a loan due on `due_date`, in the customer's local time, "
    "with the contact policy's verdict on each (sent, deferred to when, suppressed and why) "
    "on the customer's stored contact history and opt-outs, each step seeing the contacts the "
    "earlier ones would make. Steps already past or whose conditions fail are `skipped`. "
    "Stores and sends nothing.",
    responses=problem_responses(401, 403, 404, 422),
)
def simulate_plan(
    key: KeyPath, body: SimulateIn, principal: ReminderReader, session: SessionDep, clock: ClockDep
) -> SimulateOut:
    return simulate(session, tenant_id=principal.tenant_id, key=key, request=body, now=clock.now())


@router.get(
    "/segments",
    response_model=SegmentsOut,
    summary="Read the segment rules",
    description="The tenant's ordered rules; version 0 with no rules until some are saved.",
    responses=problem_responses(401, 403),
)
def read_segments(principal: ReminderReader, session: SessionDep) -> SegmentsOut:
    return service.get_segments(session, tenant_id=principal.tenant_id)


@router.put(
    "/segments",
    response_model=SegmentsOut,
    summary="Replace the segment rules",
    description="Ordered rules on a loan's `attributes` (`risk_tier`, `first_time_late`, "
    "`product`), its days past due and amount due; the first that holds chooses the loan's "
    "segment, and each segment maps to one plan, which must exist (`rules.2.plan`). An "
    "enrolment naming its segment skips the rules. The same rules as now change nothing. "
    "Needs `templates:write`.",
    responses=problem_responses(401, 403, 409, 422),
)
def replace_segments(
    body: SegmentsIn, principal: TemplateWriter, session: SessionDep, clock: ClockDep
) -> SegmentsOut:
    return service.put_segments(session, tenant_id=principal.tenant_id, body=body, clock=clock)
