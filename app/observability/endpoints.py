"""`GET /metrics` for Prometheus."""

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.observability.metrics import Backlog, exposition

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    description="Reminders accepted, policy decisions by action and reason, sends by channel "
    "and normalized status, provider latency, and the due backlog with the age of its oldest "
    "reminder. Counters are this process's; the backlog is read from the database, and left "
    "out while `nudge_database_up` is 0 (the database did not answer).",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Text format."}},
)
def metrics(request: Request) -> Response:
    state = request.app.state
    backlog = Backlog(state.session_factory, state.clock)
    return Response(exposition(backlog), media_type=CONTENT_TYPE_LATEST)
