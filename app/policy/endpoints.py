"""HTTP routes for contact policies and their dry run."""

import uuid
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Path

from app.auth import Admin, ReminderReader
from app.clock import ClockDep
from app.customers.repository import CONTACT_FIELDS
from app.customers.schemas import CustomerIn
from app.db import SessionDep
from app.errors import FieldError, ValidationFailed, problem_responses
from app.models.customers import Customer
from app.models.tenants import Tenant
from app.policy import repository, service
from app.policy.presets import PRESETS
from app.policy.schemas import (
    EvaluateIn,
    EvaluateOut,
    PolicyList,
    PolicyOut,
    PolicySummary,
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
    own = repository.names(session, tenant_id=principal.tenant_id)
    items = [
        PolicySummary(name=name, preset=True, description=policy.description)
        for name, policy in PRESETS.items()
    ]
    items += [
        PolicySummary(
            name=name,
            preset=False,
            description=service.read(session, tenant_id=principal.tenant_id, name=name).description,
        )
        for name in own
    ]
    return PolicyList(items=items)


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
    tenant = session.get_one(Tenant, principal.tenant_id)
    ref = body.customer.ref if body.customer else body.customer_ref
    stored = session.scalar(
        sa.select(Customer).where(Customer.tenant_id == tenant.id, Customer.ref == ref)
    )
    if stored is None and body.customer is None:
        raise ValidationFailed([FieldError(field="customer_ref", detail=f"no customer '{ref}'")])
    if body.policy is not None:
        errors = service.unknown_policy_errors(
            session, tenant_id=tenant.id, named={"policy": body.policy}
        )
        if errors:
            raise ValidationFailed(errors)
    verdict = service.dry_run(
        session,
        tenant=tenant,
        customer=_as_described(tenant, stored, body.customer),
        channel=body.channel,
        policy=body.policy,
        loan_ref=body.loan_ref,
        at=body.at or clock.now(),
    )
    later = verdict.next_allowed_at
    return EvaluateOut(
        allowed=verdict.action == "send",
        action=verdict.action,
        reason=verdict.reason,
        next_allowed_at=later,
        next_allowed_local=later.astimezone(verdict.zones[0]) if later else None,
        timezone=verdict.zones[0].key,
        timezones=[zone.key for zone in verdict.zones],
        policy=verdict.policy,
    )


def _as_described(tenant: Tenant, stored: Customer | None, given: CustomerIn | None) -> Customer:
    """The customer as a reminder carrying `given` would leave it: the stored record with the
    given fields over it (a null keeps the stored value), unsaved."""
    if given is None:
        assert stored is not None
        return stored
    fields = {name: getattr(given, name) for name in CONTACT_FIELDS}
    if stored is not None:
        fields = {name: value or getattr(stored, name) for name, value in fields.items()}
    return Customer(
        id=stored.id if stored else uuid.uuid4(), tenant_id=tenant.id, ref=given.ref, **fields
    )
