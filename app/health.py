"""Liveness and readiness probes for orchestrators and load balancers."""

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from app.dispatch import heartbeat
from app.errors import NudgeError, problem_responses
from app.migrate import current_revision

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Dispatch(BaseModel):
    """The dispatcher as the database saw it last, whichever process runs it."""

    worker: str = Field(description="The worker whose round finished most recently.")
    last_success_at: datetime | None = Field(
        description="When that round finished; null if no round of any worker has yet."
    )
    age_seconds: float | None = Field(description="Seconds since then.")
    last_error: str | None = Field(description="That worker's last failed round, if any.")


class Ready(Health):
    dispatch: Dispatch | None = Field(
        description="Null until a dispatch worker has run (an API-only replica before any "
        "worker started). Informative: readiness itself is the database and its migrations."
    )


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
    response_model=Ready,
    summary="Readiness",
    description="The database answers and is migrated to the revision this build expects; "
    "503 otherwise (run `nudge migrate`). The body also tells how long ago any worker last "
    "finished a dispatch round, without failing readiness on it.",
    responses=problem_responses(503),
)
def readyz(request: Request) -> Ready | JSONResponse:
    expected = request.app.state.head_revision
    try:
        with request.app.state.session_factory() as session:
            current = current_revision(session.connection())
            if current != expected:
                raise NotReady(f"database is at revision {current}, this build needs {expected}")
            latest = heartbeat.latest(session)
    except SQLAlchemyError as error:
        raise NotReady(f"database unreachable: {type(error).__name__}") from None
    if latest is None:
        return Ready(status="ready", dispatch=None)
    at = latest.last_success_at
    return Ready(
        status="ready",
        dispatch=Dispatch(
            worker=latest.worker,
            last_success_at=at,
            age_seconds=None
            if at is None
            else (request.app.state.clock.now() - at).total_seconds(),
            last_error=latest.last_error,
        ),
    )
