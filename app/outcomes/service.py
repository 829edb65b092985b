"""The outcomes report: the tenant's plan-made reminders, what became of them and the
repayments that followed, read through the repository and summed up by `report`."""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from app.outcomes import repository
from app.outcomes.attribution import DEFAULT_WINDOW, Repayment, Touch
from app.outcomes.holdout import HeldOut, champion, split_steps, would_have_sent
from app.outcomes.report import Exposure, build
from app.outcomes.schemas import Dimension, OutcomeStats
from app.plans.schemas import HOLDOUT_ARM, PlanIn
from app.policy import service as policies

Plans = Mapping[tuple[str, int], PlanIn]


def outcomes(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    group_by: Sequence[Dimension],
    since: datetime | None,
    until: datetime | None,
) -> OutcomeStats:
    plans = {
        version: PlanIn.model_validate(body)
        for version, body in repository.plans(session, tenant_id=tenant_id).items()
    }
    reminders = repository.reminders(session, tenant_id=tenant_id, since=since, until=until)
    listed = repository.listed_loans(session, tenant_id=tenant_id, since=since, until=until)
    words = repository.provider_words(session, tenant_id=tenant_id, since=since, until=until)
    reached = repository.reached(session, tenant_id=tenant_id, since=since)
    reached_listed = repository.reached_listed(session, tenant_id=tenant_id, since=since)
    held = repository.holdouts(session, tenant_id=tenant_id, arm=HOLDOUT_ARM)
    holdout = HeldOutSteps(since, until)
    for row in held:
        holdout.add(row, plans)
    with_step_holdout = {
        version for version, plan in plans.items() if any(s.holdout for _, s in plan.all_steps())
    }
    for row in repository.step_holdouts(session, tenant_id=tenant_id, plans=with_step_holdout):
        holdout.add_steps(row, plans)
    latest = {key: plans[key, v] for key, v in sorted(plans)}  # the latest version wins
    groups, total = build(
        _reported(reminders, listed, words) + holdout.exposures,
        [Touch(row["id"], row["loan_ref"], row["at"], _window(plans, row)) for row in reached]
        + [
            Touch(_listed_id(row), row["loan_ref"], row["at"], _window(plans, row))
            for row in reached_listed
        ]
        + holdout.touches,
        [
            Repayment(**row)
            for row in repository.repayments(session, tenant_id=tenant_id, since=since)
        ],
        group_by=group_by,
        champions={key: champion(plan) for key, plan in latest.items()},
        splits={
            (key, arm, step): variants
            for key, plan in latest.items()
            for (arm, step), variants in split_steps(plan).items()
        },
    )
    return OutcomeStats(
        group_by=list(group_by), since=since, until=until, groups=groups, total=total
    )


def _window(plans: Plans, row: RowMapping) -> timedelta:
    plan = plans.get((row["plan_key"], row["plan_version"]))
    return timedelta(hours=plan.attribution_hours) if plan else DEFAULT_WINDOW


def _listed_id(row: RowMapping) -> uuid.UUID:
    """A digest's message as it reached one of its other loans: that loan's repayment is
    credited to it there, never to the loan that owns the message."""
    return uuid.uuid5(row["id"], row["loan_ref"])


def _reported(
    reminders: Sequence[RowMapping], listed: Sequence[RowMapping], words: Iterable[RowMapping]
) -> list[Exposure]:
    """Each reminder with whether a provider accepted it, whether it reached the borrower and
    on which channel (the first that reached, else the last that accepted). A digest's other
    loans are exposed to its message too, but it is counted sent and delivered once, for its
    owner: `sent` and `delivered` count messages, `enrolled` and `repaid` loans."""
    sent: set[uuid.UUID] = set()
    reached: set[uuid.UUID] = set()
    channels: dict[uuid.UUID, str] = {}
    for word in words:  # oldest first
        reminder_id, channel = word["reminder_id"], (word["detail"] or {}).get("channel")
        sent.add(reminder_id)
        if reminder_id in reached:
            continue
        if word["kind"] in repository.REACHED:
            reached.add(reminder_id)
        if channel is not None:
            channels[reminder_id] = channel

    def exposure(row: RowMapping, reminder_id: uuid.UUID, *, owner: bool) -> Exposure:
        return Exposure(
            reminder_id=reminder_id,
            enrollment_id=row["enrollment_id"],
            plan=row["plan_key"],
            step=row["plan_step"],
            arm=row["arm"],
            channel=channels.get(row["id"]),
            segment=row["segment"],
            template=row["step_variant"],
            sent=owner and row["id"] in sent,
            delivered=owner and row["id"] in reached,
        )

    return [exposure(row, row["id"], owner=True) for row in reminders] + [
        exposure(row, _listed_id(row), owner=False) for row in listed
    ]


@dataclass
class HeldOutSteps:
    """The holdouts' would-be reminders (the plan's holdout's, and those of customers held out
    of a step): all of them touch their loans; those scheduled in [since, until) are
    reported."""

    since: datetime | None
    until: datetime | None
    exposures: list[Exposure] = field(default_factory=list)
    touches: list[Touch] = field(default_factory=list)

    def holds(self, moment: datetime) -> bool:
        return (self.since is None or moment >= self.since) and (
            self.until is None or moment < self.until
        )

    def add(self, row: RowMapping, plans: Plans) -> None:
        plan = plans.get((row["plan_key"], row["plan_version"]))
        if plan is None:
            return
        loan = HeldOut(
            due_date=row["due_date"],
            zone=policies.zones_for(
                timezone=row["timezone"], phone=row["phone"], fallback=row["default_timezone"]
            )[0],
            enrolled_at=row["created_at"],
            amount_due=row["amount_due"],
            attributes=row["attributes"],
            segment=row["segment"],
        )
        for step, moment in would_have_sent(plan, loan):
            self._hold(row, plans, step, moment, arm=HOLDOUT_ARM, template=None)

    def add_steps(self, row: RowMapping, plans: Plans) -> None:
        """An enrolment's steps it was held out of, at the moments they were planned for."""
        for step in row["steps"]:
            if step["skipped"] == HOLDOUT_ARM:
                moment = datetime.fromisoformat(step["send_at"])
                self._hold(row, plans, step["key"], moment, arm=row["arm"], template=HOLDOUT_ARM)

    def _hold(
        self,
        row: RowMapping,
        plans: Plans,
        step: str,
        moment: datetime,
        *,
        arm: str | None,
        template: str | None,
    ) -> None:
        would_be = uuid.uuid5(row["id"], step)  # tells the steps apart for attribution
        self.touches.append(Touch(would_be, row["loan_ref"], moment, _window(plans, row)))
        if self.holds(moment):
            self.exposures.append(
                Exposure(
                    reminder_id=would_be,
                    enrollment_id=row["id"],
                    plan=row["plan_key"],
                    step=step,
                    arm=arm,
                    channel=None,
                    segment=row["segment"],
                    sent=False,
                    delivered=False,
                    template=template,
                )
            )
