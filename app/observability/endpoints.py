"""`GET /metrics` for Prometheus."""

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.observability.metrics import Backlog, Dispatching, exposition

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    description="Reminders accepted, policy decisions by action and reason, sends by channel "
    "and normalized status, provider latency, reminders a dispatch round failed alone by "
    "reason, the due backlog with the age of its oldest reminder, and the seconds since any "
    "worker last finished a dispatch round. Counters are this process's; the backlog and the "
    "round's age are read from the database, and left out while `nudge_database_up` is 0 (the "
    "database did not answer).",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Text format."}},
)
def metrics(request: Request) -> Response:
    state = request.app.state
    sessions, clock = state.session_factory, state.clock
    body = exposition(Backlog(sessions, clock), Dispatching(sessions, clock))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
