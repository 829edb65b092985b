"""HTTP routes for the calling tenant's own settings."""

from fastapi import APIRouter

from app.accounts.vault import VaultDep
from app.auth import Admin, ReminderReader
from app.clock import ClockDep
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import ValidationFailed, problem_responses
from app.policy import service as policies
from app.tenants import service
from app.tenants.schemas import TenantSettingsIn, TenantSettingsOut

router = APIRouter(prefix="/v1", tags=["tenant"])


@router.get(
    "/tenant",
    response_model=TenantSettingsOut,
    summary="Read the tenant's settings",
    description="The calling key's tenant: display name, help line, the defaults used for "
    "templates and the contact policy, and its webhook URL (the secret only as set or not).",
    responses=problem_responses(401, 403),
)
def read_tenant(principal: ReminderReader, session: SessionDep) -> TenantSettingsOut:
    return service.read_settings(session, tenant_id=principal.tenant_id)


@router.put(
    "/tenant",
    response_model=TenantSettingsOut,
    summary="Replace the tenant's settings",
    description="Replaces every setting; omitted optional ones return to their defaults, "
    "except `webhook_secret`, which is write-only: omitted, the one set is kept (a null "
    "`webhook_url` removes both). The webhook fields are the tenant's `webhook` provider "
    "account, the same as `PUT /v1/tenant/providers/webhook`. Needs the `admin` scope.",
    responses=problem_responses(401, 403, 422),
)
def replace_tenant(
    body: TenantSettingsIn,
    principal: Admin,
    session: SessionDep,
    settings: SettingsDep,
    vault: VaultDep,
    clock: ClockDep,
) -> TenantSettingsOut:
    named = body.policies_named()
    errors = policies.unknown_policy_errors(session, tenant_id=principal.tenant_id, named=named)
    if errors:
        raise ValidationFailed(errors)
    return service.replace_settings(
        session,
        tenant_id=principal.tenant_id,
        settings=body,
        rules=settings,
        vault=vault,
        now=clock.now(),
    )
