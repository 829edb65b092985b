"""The rules for templates: versioned saves, submission checks, preview, and rendering a send."""

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.borrower.links import sample_url
from app.clock import Clock
from app.customers.jurisdiction import jurisdiction_of
from app.db import release_connection
from app.errors import Conflict, FieldError, NotFound, ValidationFailed
from app.models.customers import Customer
from app.models.reminders import Reminder
from app.models.templates import TemplateLintSettings, TemplateVersion
from app.models.tenants import Tenant
from app.templates import repository
from app.templates.budget import RenderBudget
from app.templates.check import check_template, failure, lint_rendered, typed_values
from app.templates.helpline import home_region, template_values
from app.templates.lint import Finding, Phrases, phrase_lists
from app.templates.locales import pick_variant
from app.templates.render import audience_for, carrier_text, render
from app.templates.schemas import (
    FindingOut,
    LintSettings,
    PreviewIn,
    PreviewOut,
    Rendered,
    TemplateIn,
    TemplateOut,
    TemplateSummary,
    with_legacy_lengths,
)
from app.templates.starters import STARTERS
from app.templates.value_lint import refuse_values
from app.tenants.schemas import TenantSettings
from app.tips import service as tips
from app.tips.pick import Libraries, tip_text
from channels.base import Channel


class NoVariant(ValidationFailed):
    """The template has no variant for the channel asked for (a 422 in a preview; a reminder's
    channel that can never be rendered at dispatch)."""


def _tenant(session: Session, tenant_id: uuid.UUID) -> dict[str, Any]:
    return settings_of(session.get_one(Tenant, tenant_id))


def settings_of(tenant: Tenant | repository.AnyRow) -> dict[str, Any]:
    """The tenant's settings as templates see them (`tenant.display_name`...)."""
    return {name: getattr(tenant, name) for name in TenantSettings.model_fields}


def _body(row: TemplateVersion | repository.AnyRow) -> TemplateIn:
    return TemplateIn.model_validate(
        {
            "description": row.description,
            "variables": with_legacy_lengths(row.variables),
            "variants": row.variants,
        }
    )


def _out(row: TemplateVersion, warnings: Sequence[Finding] = ()) -> TemplateOut:
    return TemplateOut(
        **_body(row).model_dump(),
        key=row.key,
        version=row.version,
        created_at=row.created_at,
        warnings=[FindingOut.model_validate(w, from_attributes=True) for w in warnings],
    )


def _row(
    tenant_id: uuid.UUID, key: str, version: int, body: TemplateIn, now: datetime
) -> dict[str, Any]:
    stored = body.model_dump(mode="json")
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "key": key,
        "version": version,
        "description": stored["description"],
        "variables": stored["variables"],
        "variants": stored["variants"],
        "created_at": now,
    }


def starter_rows(tenant_id: uuid.UUID, now: datetime) -> list[dict[str, Any]]:
    """The shipped templates as version 1 of each key (also used by migration 0003)."""
    return [_row(tenant_id, key, 1, body, now) for key, body in STARTERS.items()]


def load_starters(session: Session, *, tenant_id: uuid.UUID, now: datetime) -> None:
    repository.add_many(session, starter_rows(tenant_id, now))


def read_lint_settings(session: Session, *, tenant_id: uuid.UUID) -> LintSettings:
    stored = repository.lint_settings(session, tenant_id=tenant_id)
    if stored is None:
        return LintSettings()
    return LintSettings(
        extra_phrases=stored.extra_phrases, sms_segment_limit=stored.sms_segment_limit
    )


def replace_lint_settings(
    session: Session, *, tenant_id: uuid.UUID, settings: LintSettings, clock: Clock
) -> LintSettings:
    """Applies to saves and previews from now on; stored versions are not re-checked."""
    repository.save_lint_settings(
        session,
        TemplateLintSettings(tenant_id=tenant_id, updated_at=clock.now(), **settings.model_dump()),
    )
    return settings


def put_template(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    key: str,
    body: TemplateIn,
    clock: Clock,
    budget: RenderBudget,
) -> TemplateOut:
    """Stores a new version after the sandbox, dry-run and lint checks; earlier versions stay as
    they are. The dry runs hold no connection: the reads end before them."""
    lint = read_lint_settings(session, tenant_id=tenant_id)
    tenant = _tenant(session, tenant_id)
    release_connection(session)
    errors, warnings = check_template(
        body,
        tenant=tenant,
        phrases=phrase_lists(lint.extra_phrases),
        segment_limit=lint.sms_segment_limit,
        budget=budget,
    )
    if errors:
        raise ValidationFailed(errors)
    existing = repository.current(session, tenant_id=tenant_id, keys=[key]).get(key)
    row = TemplateVersion(
        **_row(tenant_id, key, existing.version + 1 if existing else 1, body, clock.now())
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"template '{key}' was changed by another request; try again") from None
    return _out(row, warnings)


def list_templates(session: Session, *, tenant_id: uuid.UUID) -> list[TemplateSummary]:
    summaries = []
    for row in repository.current(session, tenant_id=tenant_id).values():
        body = _body(row)
        summaries.append(
            TemplateSummary(
                key=row.key,
                version=row.version,
                description=row.description,
                channels=sorted({Channel(v.channel) for v in body.variants}),
                locales=sorted({v.locale for v in body.variants}),
                created_at=row.created_at,
            )
        )
    return summaries


def _find(
    session: Session, *, tenant_id: uuid.UUID, key: str, version: int | None = None
) -> TemplateVersion:
    if version is None:
        row = repository.current(session, tenant_id=tenant_id, keys=[key]).get(key)
    else:
        row = repository.get_version(session, tenant_id=tenant_id, key=key, version=version)
    if row is None:
        raise NotFound(f"no template '{key}'" + (f" version {version}" if version else ""))
    return row


def get_template(
    session: Session, *, tenant_id: uuid.UUID, key: str, version: int | None = None
) -> TemplateOut:
    return _out(_find(session, tenant_id=tenant_id, key=key, version=version))


def list_versions(session: Session, *, tenant_id: uuid.UUID, key: str) -> list[TemplateOut]:
    rows = repository.versions(session, tenant_id=tenant_id, key=key)
    if not rows:
        raise NotFound(f"no template '{key}'")
    return [_out(row) for row in rows]


@dataclass(frozen=True)
class Submittable:
    """What the submission check needs from the database, read in one query."""

    templates: dict[str, TemplateIn]
    """The current body of each template named that exists, by key."""
    versions: dict[str, int]
    """Their current versions, which the new reminders are pinned to."""
    tenant: dict[str, Any]
    """The tenant's settings (`TenantSettings` fields), which templates see as `tenant`."""
    phrases: Phrases
    """The tenant's additions to the wording lint, which variable values are linted with too."""


def read_for_submission(
    session: Session, *, tenant_id: uuid.UUID, keys: Collection[str]
) -> Submittable:
    """Read afresh on every submission, in one statement, so a template saved or a setting
    changed applies to the very next reminder, in every API process."""
    rows = repository.for_submission(session, tenant_id=tenant_id, keys=keys)
    found = [row for row in rows if row.key is not None]
    return Submittable(
        templates={row.key: _body(row) for row in found},
        versions={row.key: row.version for row in found},
        tenant=settings_of(rows[0]),
        phrases=phrase_lists(rows[0].extra_phrases or {}),
    )


def _phrases(session: Session, tenant_id: uuid.UUID) -> Phrases:
    return phrase_lists(read_lint_settings(session, tenant_id=tenant_id).extra_phrases)


def _render(
    tenant: Mapping[str, Any],
    row: TemplateVersion,
    *,
    body: TemplateIn | None = None,
    channel: Channel,
    locale: str | None,
    timezone: str | None,
    jurisdiction: str | None,
    region: str | None,
    raw: Mapping[str, Any],
    budget: RenderBudget,
    phrases: Phrases,
    libraries: Libraries,
    now: datetime,
    seed: bytes,
    manage_url: str | None = None,
) -> Rendered:
    """One send's text; `{{ tip }}` is a tip from `libraries` for the reminder's situation on
    the customer's own date, rotated by `seed` (the reminder's id); `{{ manage_url }}` the
    customer's link, or in a preview a sample one as long."""
    body = body or _body(row)
    variant = pick_variant(body.variants, channel, locale, tenant["default_locale"])
    if variant is None:
        raise NoVariant(
            [FieldError(field="channel", detail=f"template '{row.key}' has no {channel} variant")]
        )
    values, errors = typed_values(body.variables, raw, currency=tenant["default_currency"])
    if errors:
        raise ValidationFailed(errors)
    refuse_values(values, phrases=phrases)
    audience = audience_for(
        tenant,
        values,
        chosen=variant.locale,
        locale=locale,
        timezone=timezone,
        jurisdiction=jurisdiction,
    )
    tip = tip_text(
        libraries,
        locale=variant.locale,
        channel=channel,
        values=values,
        today=now.astimezone(ZoneInfo(audience.timezone)).date(),
        seed=seed,
    )
    link = manage_url or sample_url(budget.public_url)
    seen = {"tip": tip, **template_values(values, tenant, customer_region=region, manage_url=link)}
    return render(variant, seen, audience, version=row.version, budget=budget)


def preview(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    key: str,
    request: PreviewIn,
    budget: RenderBudget,
    sign_name: str | None,
    clock: Clock,
) -> PreviewOut:
    """One channel rendered with the given values; a render that fails or goes over the budget
    with them is a 422 on `variables`, as it would be at submission. It changes nothing, and
    renders and lints with no connection held. `{{ tip }}` shows one of the tips for the
    situation the values' due date gives today."""
    row = _find(session, tenant_id=tenant_id, key=key, version=request.version)
    tenant = _tenant(session, tenant_id)
    libraries = tips.libraries_of(session, tenant_ids=[tenant_id])[tenant_id]
    lint = read_lint_settings(session, tenant_id=tenant_id)
    phrases = phrase_lists(lint.extra_phrases)
    release_connection(session)
    try:
        rendered = _render(
            tenant,
            row,
            channel=Channel(request.channel),
            locale=request.locale,
            timezone=request.timezone,
            jurisdiction=request.jurisdiction,
            region=request.jurisdiction,
            raw=request.variables,
            budget=budget,
            phrases=phrases,
            libraries=libraries,
            now=clock.now(),
            seed=b"",
        )
    except ValidationFailed:
        raise
    except Exception as error:  # tenant-written code failing with these values
        where = f"version {row.version}, {request.channel} variant:"
        raise ValidationFailed(
            [FieldError(field="variables", detail=failure(error, where))]
        ) from None
    findings = lint_rendered(rendered, phrases=phrases, segment_limit=lint.sms_segment_limit)
    if rendered.aliyun is not None and sign_name is not None:
        rendered.aliyun.carrier_text = carrier_text(sign_name, rendered.aliyun.text)
    return PreviewOut(
        **rendered.model_dump(),
        findings=[FindingOut.model_validate(f, from_attributes=True) for f in findings],
    )


PinKey = tuple[uuid.UUID, str, int | None]
"""A reminder's tenant, template key and pinned version."""


@dataclass(frozen=True)
class Pinned:
    """The template versions and tenant settings a dispatch round renders with, read in its
    claim transaction so that rendering itself needs no session and holds no lock."""

    versions: Mapping[PinKey, TemplateVersion]
    tenants: Mapping[uuid.UUID, Mapping[str, Any]]
    phrases: Mapping[uuid.UUID, Phrases] = field(default_factory=dict)
    """Each tenant's additions to the wording lint, which values are linted with at render."""
    tips: Mapping[uuid.UUID, Libraries] = field(default_factory=dict)
    """Each tenant's tip libraries, read once for the round (`{{ tip }}`)."""
    now: datetime = field(kw_only=True)
    """When the round claimed its reminders: a tip suits the situation on that day."""


def pin(
    session: Session,
    *,
    reminders: Collection[Reminder],
    tenants: Collection[Tenant],
    now: datetime,
) -> Pinned:
    """Every template version `reminders` are pinned to, in one query, and every tip library
    of their tenants, in one more."""
    versions = repository.pinned(
        session, wanted={(r.tenant_id, r.template, r.template_version) for r in reminders}
    )
    return Pinned(
        versions,
        {tenant.id: settings_of(tenant) for tenant in tenants},
        {tenant.id: _phrases(session, tenant.id) for tenant in tenants},
        tips.libraries_of(session, tenant_ids=[tenant.id for tenant in tenants]),
        now=now,
    )


def render_for_reminders(
    pinned: Pinned,
    *,
    sends: Sequence[tuple[Reminder, Customer, Channel]],
    budget: RenderBudget,
    manage_urls: Mapping[uuid.UUID, str],
) -> list[Rendered | Exception]:
    """What the dispatcher sends and records: each reminder's pinned version, never newer.

    Each version is parsed once. A send that cannot be rendered gets its exception in its
    place instead of a text (`NoVariant`, `WordingRefused`, a template error, a render budget
    exceeded...): a
    template is user code, so one broken template or value must fail only its own sends.
    """
    bodies: dict[PinKey, TemplateIn] = {}
    rendered: list[Rendered | Exception] = []
    for reminder, customer, channel in sends:
        key = (reminder.tenant_id, reminder.template, reminder.template_version)
        try:
            row = pinned.versions.get(key)
            if row is None:
                raise LookupError(f"template '{key[1]}' version {key[2]} is not stored")
            body = bodies[key] if key in bodies else bodies.setdefault(key, _body(row))
            rendered.append(
                _render(
                    pinned.tenants[reminder.tenant_id],
                    row,
                    body=body,
                    channel=channel,
                    locale=customer.message_locale,
                    timezone=customer.timezone,
                    jurisdiction=jurisdiction_of(
                        stated=customer.jurisdiction, phone=customer.phone
                    ),
                    region=home_region(customer.phone, customer.jurisdiction),
                    raw=reminder.variables,
                    budget=budget,
                    phrases=pinned.phrases[reminder.tenant_id],
                    libraries=pinned.tips.get(reminder.tenant_id, {}),
                    now=pinned.now,
                    seed=reminder.id.bytes,
                    manage_url=manage_urls[reminder.id],
                )
            )
        except Exception as error:
            rendered.append(error)
    return rendered
