"""Liveness and readiness probes for orchestrators and load balancers."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from app.errors import NudgeError, problem_responses
from app.migrate import current_revision

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class NotReady(NudgeError):
    status, slug, title = 503, "not-ready", "Service not ready"


@router.get(
    "/healthz",
    response_model=Health,
    summary="Liveness",
    description="The process is up and serving. Checks nothing else.",
)
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    summary="Readiness",
    description="The database answers and is migrated to the revision this build expects; "
    "503 otherwise (run `nudge migrate`).",
    responses=problem_responses(503),
)
def readyz(request: Request) -> Health | JSONResponse:
    expected = request.app.state.head_revision
    try:
        with request.app.state.engine.connect() as connection:
            current = current_revision(connection)
    except SQLAlchemyError as error:
        raise NotReady(f"database unreachable: {type(error).__name__}") from None
    if current != expected:
        raise NotReady(f"database is at revision {current}, this build needs {expected}")
    return Health(status="ready")
