"""HTTP routes for the calling tenant's own provider accounts (`admin` scope: they hold
credentials). One `PUT` per installed provider plugin with an account model, each with that
model as its body, so the schema says exactly what each takes."""

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from app.accounts import service
from app.accounts.schemas import ProviderAccountOut
from app.accounts.vault import VaultDep
from app.auth import Admin
from app.clock import ClockDep
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from channels.base import Account

Name = Annotated[str, Path(max_length=64, description="The provider plugin's name.")]


def router_for(models: Mapping[str, type[Account]]) -> APIRouter:
    """The routes for these plugins' accounts (`Providers.accounts()`)."""
    router = APIRouter(prefix="/v1/tenant/providers", tags=["tenant"])

    def installed(name: str) -> str:
        if name not in models:
            raise NotFound(f"no provider named {name!r} is installed")
        return name

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
            session,
            tenant_id=principal.tenant_id,
            vault=vault,
            models=models,
            public_url=settings.public_url,
        )

    @router.get(
        "/{name}",
        response_model=ProviderAccountOut,
        summary="Read one of the tenant's provider accounts",
        description="Its settings, and the names of the secrets stored (never their values). "
        "404 when the tenant has none for this provider, which then sends through the global "
        "one, or when no such provider is installed.",
        responses=problem_responses(401, 403, 404, 422),
    )
    def read_account(
        name: Name, principal: Admin, session: SessionDep, vault: VaultDep, settings: SettingsDep
    ) -> ProviderAccountOut:
        return service.read(
            session,
            tenant_id=principal.tenant_id,
            provider=installed(name),
            vault=vault,
            model=models[name],
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
    def delete_account(name: Name, principal: Admin, session: SessionDep) -> Response:
        service.remove(session, tenant_id=principal.tenant_id, provider=installed(name))
        return Response(status_code=204)

    for provider, model in models.items():
        router.put(
            f"/{provider}",
            response_model=ProviderAccountOut,
            summary=f"Store the tenant's own {provider} account",
            description=f"{model.__doc__} Secrets are encrypted at rest and write-only. "
            f"Answers 409 in production until NUDGE_CREDENTIALS_KEYS is set.",
            responses=problem_responses(401, 403, 409, 422),
        )(_put_route(provider, model))

    @router.put("/{name}", include_in_schema=False)
    def put_unknown(name: Name, principal: Admin) -> None:
        """A provider that is not installed has no account to store."""
        installed(name)

    return router


def _put_route(provider: str, model: type[Account]) -> Callable[..., Any]:
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
