"""`GET /metrics` for Prometheus."""

import hmac

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.config import SettingsDep
from app.errors import PROBLEM_MEDIA_TYPE, NotFound, Problem, Unauthorized
from app.observability.metrics import Backlog, Dispatching, exposition

router = APIRouter(tags=["health"])


def _scraper(request: Request, settings: SettingsDep) -> None:
    """The totals span every tenant, so with `NUDGE_METRICS_TOKEN` set only a scraper holding it
    reads them. Production without a token does not expose them at all (404): an open
    /metrics there would be an accident, and a refused start would take the API down with it."""
    token = settings.metrics_token.get_secret_value().strip()
    if not token:
        if settings.env == "production":
            raise NotFound("metrics are not exposed until NUDGE_METRICS_TOKEN is set")
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.encode(), given.strip().encode()
    ):
        raise Unauthorized("send 'Authorization: Bearer <NUDGE_METRICS_TOKEN>'")


def _problem(description: str) -> dict[str, object]:
    return {"description": description, "model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}}


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    description="Reminders accepted, policy decisions by action and reason, sends by channel "
    "and normalized status, provider latency, reminders a dispatch round failed alone by "
    "reason, the due backlog with the age of its oldest reminder, and the seconds since any "
    "worker last finished a dispatch round. Counters are this process's; the backlog and the "
    "round's age are read from the database, and left out while `nudge_database_up` is 0 (the "
    "database did not answer). Needs `Authorization: Bearer <NUDGE_METRICS_TOKEN>` when that "
    "setting is set; in production it answers 404 until it is.",
    responses={
        200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Text format."},
        401: _problem("NUDGE_METRICS_TOKEN is set and the request does not carry it."),
        404: _problem("Production with no NUDGE_METRICS_TOKEN: metrics are not exposed."),
    },
    dependencies=[Depends(_scraper)],
)
def metrics(request: Request) -> Response:
    state = request.app.state
    sessions, clock = state.session_factory, state.clock
    body = exposition(Backlog(sessions, clock), Dispatching(sessions, clock))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
