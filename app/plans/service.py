"""The rules for plans and segment rules: versioned saves that check what they name.

A save whose body equals the current version's changes nothing and returns that version, so
a lender's deploy can PUT its plans every time without making versions.
"""

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import Clock
from app.errors import Conflict, FieldError, NotFound, ValidationFailed
from app.models.plans import PlanVersion, SegmentRuleSet
from app.plans import repository
from app.plans.check import check_plan
from app.plans.schemas import PlanIn, PlanOut, SegmentsIn, SegmentsOut
from app.templates import service as templates


def _out(row: PlanVersion) -> PlanOut:
    return PlanOut.model_validate(
        {**row.body, "key": row.key, "version": row.version, "created_at": row.created_at}
    )


def _stored(body: PlanIn) -> dict[str, object]:
    return body.model_dump(mode="json")


def put_plan(
    session: Session, *, tenant_id: uuid.UUID, key: str, body: PlanIn, clock: Clock
) -> PlanOut:
    """A new version when the body changed, after checking every template, channel variant
    and locale the plan can reach; the current version when it did not."""
    existing = repository.latest_plan(session, tenant_id=tenant_id, key=key)
    if existing is not None and _stored(PlanIn.model_validate(existing.body)) == _stored(body):
        return _out(existing)
    named = {t for _, step in body.all_steps() for t in step.template_weights()}
    found = templates.read_for_submission(session, tenant_id=tenant_id, keys=named)
    errors = check_plan(
        body, templates=found.templates, default_locale=found.tenant["default_locale"]
    )
    if errors:
        raise ValidationFailed(errors)
    row = PlanVersion(
        tenant_id=tenant_id,
        key=key,
        version=existing.version + 1 if existing else 1,
        description=body.description,
        body=_stored(body),
        created_at=clock.now(),
    )
    session.add(row)
    _flush(session, f"plan '{key}'")
    return _out(row)


def _flush(session: Session, what: str) -> None:
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"{what} was changed by another request; try again") from None


def get_plan(
    session: Session, *, tenant_id: uuid.UUID, key: str, version: int | None = None
) -> PlanOut:
    """The current version, or the one asked for (enrolments keep the version they used)."""
    if version is None:
        row = repository.latest_plan(session, tenant_id=tenant_id, key=key)
    else:
        row = repository.plan_version(session, tenant_id=tenant_id, key=key, version=version)
    if row is None:
        raise NotFound(f"no plan '{key}'" + (f" version {version}" if version else ""))
    return _out(row)


def get_segments(session: Session, *, tenant_id: uuid.UUID) -> SegmentsOut:
    """The tenant's current rules; none saved yet is version 0 with no rules."""
    row = repository.latest_segments(session, tenant_id=tenant_id)
    if row is None:
        return SegmentsOut(rules=[], version=0, created_at=None)
    return _segments_out(row)


def _segments_out(row: SegmentRuleSet) -> SegmentsOut:
    return SegmentsOut.model_validate(
        {"rules": row.rules, "version": row.version, "created_at": row.created_at}
    )


def put_segments(
    session: Session, *, tenant_id: uuid.UUID, body: SegmentsIn, clock: Clock
) -> SegmentsOut:
    """Replaces the rules (a new version) when they changed; each rule's plan must exist."""
    existing = repository.latest_segments(session, tenant_id=tenant_id)
    rules = body.model_dump(mode="json")["rules"]
    if existing is not None and _segments_out(existing).model_dump(mode="json")["rules"] == rules:
        return _segments_out(existing)
    plans = {rule.plan for rule in body.rules}
    known = repository.existing_plan_keys(session, tenant_id=tenant_id, keys=plans)
    errors = [
        FieldError(field=f"rules.{i}.plan", detail=f"no plan '{rule.plan}'")
        for i, rule in enumerate(body.rules)
        if rule.plan not in known
    ]
    if errors:
        raise ValidationFailed(errors)
    row = SegmentRuleSet(
        tenant_id=tenant_id,
        version=existing.version + 1 if existing else 1,
        rules=rules,
        created_at=clock.now(),
    )
    session.add(row)
    _flush(session, "the segment rules")
    return _segments_out(row)
