"""The provider plugins as the app runs them: each plugin's routes mounted under
`/v1/webhooks/{name}` with a `Host` of its own, and their refusals answered as problems."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.config import Settings
from app.deliveries.host import ProviderHost
from app.errors import FieldError, NudgeError, ValidationFailed, problem_response, problem_responses
from channels.plugin import CallbackInvalid, CallbackRefused
from channels.registry import Providers

PREFIX = "/v1/webhooks"


class BadSignature(NudgeError):
    status, slug, title = 403, "bad-signature", "Missing or invalid provider signature"


def mount(
    app: FastAPI,
    providers: Providers,
    *,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: Clock,
) -> None:
    for name, plugin in sorted(providers.plugins.items()):
        if plugin.routes is None:
            continue
        host = ProviderHost(
            name, providers=providers, core=settings, sessions=sessions, clock=clock
        )
        app.include_router(
            plugin.routes(host),
            prefix=f"{PREFIX}/{name}",
            responses=problem_responses(403, 413, 422),
        )
    app.add_exception_handler(CallbackRefused, _refused)
    app.add_exception_handler(CallbackInvalid, _invalid)


async def _refused(_: Request, exc: Exception) -> JSONResponse:
    return problem_response(BadSignature(str(exc)).problem())


async def _invalid(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CallbackInvalid)
    errors = [FieldError(field=name, detail=detail) for name, detail in exc.problems.items()]
    return problem_response(ValidationFailed(errors).problem())
