"""The outcomes report: the tenant's plan-made reminders, what became of them and the
repayments that followed, read through the repository and summed up by `report`."""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from app.outcomes import repository
from app.outcomes.attribution import DEFAULT_WINDOW, Repayment
from app.outcomes.holdout import HeldOut, champion, would_have_sent
from app.outcomes.report import Exposure, build
from app.outcomes.schemas import Dimension, OutcomeStats
from app.plans.schemas import HOLDOUT_ARM, PlanIn


def outcomes(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    group_by: Sequence[Dimension],
    since: datetime | None,
    until: datetime | None,
) -> OutcomeStats:
    reminders = repository.reminders(session, tenant_id=tenant_id, since=since, until=until)
    words = repository.provider_words(session, tenant_id=tenant_id, since=since, until=until)
    held = repository.holdouts(session, tenant_id=tenant_id, arm=HOLDOUT_ARM, until=until)
    versions = {(row["plan_key"], row["plan_version"]) for row in [*reminders, *held]}
    plans = {
        version: PlanIn.model_validate(body)
        for version, body in repository.plans(
            session, tenant_id=tenant_id, versions=versions
        ).items()
    }
    exposures = _sent(reminders, words, plans) + _held_out(held, plans, since, until)
    groups, total = build(
        exposures,
        _repayments(repository.repayments(session, tenant_id=tenant_id, since=since)),
        group_by=group_by,
        champions={key: champion(plan) for (key, _), plan in plans.items()},
    )
    return OutcomeStats(
        group_by=list(group_by), since=since, until=until, groups=groups, total=total
    )


def _window(plans: Mapping[tuple[str, int], PlanIn], row: RowMapping) -> timedelta:
    plan = plans.get((row["plan_key"], row["plan_version"]))
    return timedelta(hours=plan.attribution_hours) if plan else DEFAULT_WINDOW


def _sent(
    reminders: Sequence[RowMapping],
    words: Iterable[RowMapping],
    plans: Mapping[tuple[str, int], PlanIn],
) -> list[Exposure]:
    """Each reminder with whether a provider accepted it, when it first reached the borrower
    and on which channel (the one that reached, else the last that accepted)."""
    sent: set[uuid.UUID] = set()
    reached: dict[uuid.UUID, datetime] = {}
    channels: dict[uuid.UUID, str] = {}
    for word in words:  # oldest first
        reminder_id, channel = word["reminder_id"], (word["detail"] or {}).get("channel")
        sent.add(reminder_id)
        if reminder_id in reached:
            continue
        if word["kind"] in repository.REACHED:
            reached[reminder_id] = word["at"]
        if channel is not None:
            channels[reminder_id] = channel
    return [
        Exposure(
            reminder_id=row["id"],
            enrollment_id=row["enrollment_id"],
            loan_ref=row["loan_ref"],
            plan=row["plan_key"],
            step=row["plan_step"],
            arm=row["arm"],
            channel=channels.get(row["id"]),
            segment=row["segment"],
            sent=row["id"] in sent,
            delivered_at=reached.get(row["id"]),
            send_at=row["send_at"],
            window=_window(plans, row),
        )
        for row in reminders
    ]


def _held_out(
    held: Iterable[RowMapping],
    plans: Mapping[tuple[str, int], PlanIn],
    since: datetime | None,
    until: datetime | None,
) -> list[Exposure]:
    """The holdout's counterfactual reminders in [since, until), one per step it would have
    had (ids derived from the enrolment and step, for attribution to tell them apart)."""
    exposures = []
    for row in held:
        plan = plans.get((row["plan_key"], row["plan_version"]))
        if plan is None:
            continue
        loan = HeldOut(
            due_date=row["due_date"],
            zone=ZoneInfo(row["timezone"]),
            enrolled_at=row["created_at"],
            amount_due=row["amount_due"],
            attributes=row["attributes"],
            segment=row["segment"],
        )
        for step, moment in would_have_sent(plan, loan):
            if (since is not None and moment < since) or (until is not None and moment >= until):
                continue
            exposures.append(
                Exposure(
                    reminder_id=uuid.uuid5(row["id"], step),
                    enrollment_id=row["id"],
                    loan_ref=row["loan_ref"],
                    plan=row["plan_key"],
                    step=step,
                    arm=HOLDOUT_ARM,
                    channel=None,
                    segment=row["segment"],
                    sent=False,
                    delivered_at=None,
                    send_at=moment,
                    window=_window(plans, row),
                )
            )
    return exposures


def _repayments(rows: Iterable[RowMapping]) -> list[Repayment]:
    return [Repayment(**row) for row in rows]
