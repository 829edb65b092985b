"""HTTP route of the outcomes report, as JSON or CSV."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app.auth import DeliveryReader
from app.db import SessionDep
from app.errors import FieldError, ValidationFailed, problem_responses
from app.fields import InstantIn
from app.outcomes import service
from app.outcomes.csv_export import table
from app.outcomes.schemas import Dimension, OutcomeStats

router = APIRouter(prefix="/v1", tags=["outcomes"])
DIMENSION = "|".join(Dimension)
CSV = "text/csv"


@router.get(
    "/stats/outcomes",
    response_model=OutcomeStats,
    summary="Measure what plans' reminders brought in",
    description="Plan-made reminders scheduled in [`since`, `until`), grouped by any of plan, "
    "step, arm, channel, segment and template (the step's template variant): enrolments "
    "reached, reminders sent and delivered, enrolments repaid and the amount, conversion "
    "(`repaid / enrolled`) with its 95% Wilson interval and the median hours to repay. A "
    "repayment is credited to its loan's last reminder that reached the borrower before it, "
    "within the plan's `attribution_hours` (72 by default); the holdout is measured from when "
    "its steps would have been sent. Grouped by arm, each arm is compared with its plan's "
    "champion (the first variant), else the holdout: the difference in conversion and a pooled "
    "two-proportion z-test's two-sided p-value. Grouped by template, each of a step's template "
    "variants is compared instead, with the step's champion (its first template), else the "
    "step's `holdout` (its customers held out of that step, measured from when it would have "
    "been sent). `format=csv` or `Accept: text/csv` gives the same as CSV.",
    responses={200: {"content": {CSV: {}}}, **problem_responses(401, 403, 422)},
)
def outcome_stats(
    request: Request,
    principal: DeliveryReader,
    session: SessionDep,
    group_by: Annotated[
        str,
        Query(
            pattern=rf"^({DIMENSION})(,({DIMENSION}))*$",
            max_length=100,
            description="Comma-separated: `plan`, `step`, `arm`, `channel`, `segment`, `template`.",
        ),
    ] = "plan,arm",
    since: Annotated[
        InstantIn | None, Query(description="Reminders scheduled at or after this moment.")
    ] = None,
    until: Annotated[
        InstantIn | None, Query(description="Reminders scheduled before this moment.")
    ] = None,
    format: Annotated[
        Literal["json", "csv"] | None, Query(description="Default: by the `Accept` header.")
    ] = None,
) -> OutcomeStats | Response:
    if since is not None and until is not None and until <= since:
        raise ValidationFailed([FieldError(field="query.until", detail="must be after since")])
    stats = service.outcomes(
        session,
        tenant_id=principal.tenant_id,
        group_by=list(dict.fromkeys(Dimension(name) for name in group_by.split(","))),
        since=since,
        until=until,
    )
    if format == "csv" or (format is None and CSV in request.headers.get("accept", "")):
        return Response(
            table(stats),
            media_type=f"{CSV}; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="outcomes.csv"'},
        )
    return stats
