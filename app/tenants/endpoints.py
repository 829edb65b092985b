"""HTTP routes for the calling tenant's own settings."""

from fastapi import APIRouter

from app.auth import Admin, ReminderReader
from app.db import SessionDep
from app.errors import problem_responses
from app.tenants import service
from app.tenants.schemas import TenantSettings

router = APIRouter(prefix="/v1", tags=["tenant"])


@router.get(
    "/tenant",
    response_model=TenantSettings,
    summary="Read the tenant's settings",
    description="The calling key's tenant: display name, help line and the defaults used for "
    "templates and the contact policy.",
    responses=problem_responses(401, 403),
)
def read_tenant(principal: ReminderReader, session: SessionDep) -> TenantSettings:
    return service.read_settings(session, tenant_id=principal.tenant_id)


@router.put(
    "/tenant",
    response_model=TenantSettings,
    summary="Replace the tenant's settings",
    description="Replaces every setting; omitted optional ones return to their defaults. "
    "Needs the `admin` scope.",
    responses=problem_responses(401, 403, 422),
)
def replace_tenant(body: TenantSettings, principal: Admin, session: SessionDep) -> TenantSettings:
    return service.replace_settings(session, tenant_id=principal.tenant_id, settings=body)
