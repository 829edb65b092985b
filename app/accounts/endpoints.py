"""HTTP routes for the calling tenant's own provider accounts (`admin` scope: they hold
credentials). One `PUT` per provider, each with its own body, so the schema says exactly
what each takes."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Response

from app.accounts import service
from app.accounts.schemas import MODELS, AccountIn, Provider, ProviderAccountOut
from app.accounts.vault import VaultDep
from app.auth import Admin
from app.clock import ClockDep
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import problem_responses

router = APIRouter(prefix="/v1/tenant/providers", tags=["tenant"])


@router.get(
    "",
    response_model=list[ProviderAccountOut],
    summary="List the tenant's own provider accounts",
    description="Providers without one here send through the service's global account. "
    "Secrets are never shown, only named in `secrets_set`.",
    responses=problem_responses(401, 403),
)
def list_accounts(
    principal: Admin, session: SessionDep, vault: VaultDep, settings: SettingsDep
) -> list[ProviderAccountOut]:
    return service.read_all(
        session, tenant_id=principal.tenant_id, vault=vault, public_url=settings.public_url
    )


@router.get(
    "/{name}",
    response_model=ProviderAccountOut,
    summary="Read one of the tenant's provider accounts",
    description="Its settings, and the names of the secrets stored (never their values). "
    "404 when the tenant has none for this provider, which then sends through the global one.",
    responses=problem_responses(401, 403, 404, 422),
)
def read_account(
    name: Provider, principal: Admin, session: SessionDep, vault: VaultDep, settings: SettingsDep
) -> ProviderAccountOut:
    return service.read(
        session,
        tenant_id=principal.tenant_id,
        provider=name,
        vault=vault,
        public_url=settings.public_url,
    )


@router.delete(
    "/{name}",
    status_code=204,
    response_class=Response,
    summary="Remove one of the tenant's provider accounts",
    description="The tenant's messages go through the global account again (webhooks: none).",
    responses=problem_responses(401, 403, 404, 422),
)
def delete_account(name: Provider, principal: Admin, session: SessionDep) -> Response:
    service.remove(session, tenant_id=principal.tenant_id, provider=name)
    return Response(status_code=204)


def _put_route(provider: Provider, model: type[AccountIn]) -> Callable[..., Any]:
    def put_account(
        body: model,  # type: ignore[valid-type]
        principal: Admin,
        session: SessionDep,
        vault: VaultDep,
        settings: SettingsDep,
        clock: ClockDep,
    ) -> ProviderAccountOut:
        return service.store(
            session,
            tenant_id=principal.tenant_id,
            provider=provider,
            body=body,
            vault=vault,
            rules=settings,
            now=clock.now(),
        )

    put_account.__name__ = f"put_{provider}_account"
    return put_account


for _provider, _model in MODELS.items():
    router.put(
        f"/{_provider}",
        response_model=ProviderAccountOut,
        summary=f"Store the tenant's own {_provider} account",
        description=f"{_model.__doc__} Secrets are encrypted at rest and write-only. "
        f"Answers 409 in production until NUDGE_CREDENTIALS_KEYS is set.",
        responses=problem_responses(401, 403, 409, 422),
    )(_put_route(_provider, _model))
