"""HTTP routes for templates; the rules live in `service`."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.auth import ReminderReader, TemplateWriter
from app.clock import ClockDep
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import problem_responses
from app.templates import service
from app.templates.budget import RenderBudget
from app.templates.examples import PREVIEW_IN_EN, PREVIEW_IN_ZH, PREVIEW_OUT_EN, PREVIEW_OUT_ZH
from app.templates.schemas import (
    LintSettings,
    PreviewIn,
    PreviewOut,
    TemplateIn,
    TemplateKey,
    TemplateOut,
    TemplateSummary,
    Version,
)
from channels.aliyun.settings import NAME as ALIYUN

router = APIRouter(prefix="/v1", tags=["templates"])
KeyPath = Annotated[TemplateKey, Path(description="The template's key, e.g. `pre-due`.")]


@router.get(
    "/templates",
    response_model=list[TemplateSummary],
    summary="List templates",
    description="The current version of every template of the tenant, by key.",
    responses=problem_responses(401, 403),
)
def list_templates(principal: ReminderReader, session: SessionDep) -> list[TemplateSummary]:
    return service.list_templates(session, tenant_id=principal.tenant_id)


@router.get(
    "/templates/_lint",
    response_model=LintSettings,
    summary="Read the tenant's lint additions",
    description="Extra prohibited wording by language and the SMS segment limit.",
    responses=problem_responses(401, 403),
)
def read_lint(principal: ReminderReader, session: SessionDep) -> LintSettings:
    return service.read_lint_settings(session, tenant_id=principal.tenant_id)


@router.put(
    "/templates/_lint",
    response_model=LintSettings,
    summary="Replace the tenant's lint additions",
    description="Adds prohibited wording to Nudge's defaults (which cannot be removed) and sets "
    "the SMS segment limit. Applies to later saves and previews.",
    responses=problem_responses(401, 403, 422),
)
def replace_lint(
    body: LintSettings, principal: TemplateWriter, session: SessionDep, clock: ClockDep
) -> LintSettings:
    return service.replace_lint_settings(
        session, tenant_id=principal.tenant_id, settings=body, clock=clock
    )


@router.put(
    "/templates/{key}",
    response_model=TemplateOut,
    summary="Save a new version of a template",
    description="Every save is a new version; earlier ones stay readable and reminders keep the "
    "version they were submitted with. Each variant is compiled in the sandbox and dry-run "
    "under the render budget with sample, empty and extreme values (texts at their "
    "`max_length`); sandbox escapes, unknown variables, render failures (`render-failed`), "
    "budget overruns (`render-budget`) and lint errors are refused with 422 naming the field "
    "(`variants.2.body`). Lint warnings come back in `warnings`.",
    responses=problem_responses(401, 403, 409, 422),
)
def put_template(
    key: KeyPath,
    body: TemplateIn,
    principal: TemplateWriter,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> TemplateOut:
    return service.put_template(
        session,
        tenant_id=principal.tenant_id,
        key=key,
        body=body,
        clock=clock,
        budget=RenderBudget.from_settings(settings),
    )


@router.get(
    "/templates/{key}",
    response_model=TemplateOut,
    summary="Read a template",
    description="The current version, or the one asked for with `version`.",
    responses=problem_responses(401, 403, 404, 422),
)
def read_template(
    key: KeyPath,
    principal: ReminderReader,
    session: SessionDep,
    version: Annotated[Version | None, Query()] = None,
) -> TemplateOut:
    return service.get_template(session, tenant_id=principal.tenant_id, key=key, version=version)


@router.get(
    "/templates/{key}/versions",
    response_model=list[TemplateOut],
    summary="List a template's versions",
    description="Every version, newest first.",
    responses=problem_responses(401, 403, 404, 422),
)
def list_versions(
    key: KeyPath, principal: ReminderReader, session: SessionDep
) -> list[TemplateOut]:
    return service.list_versions(session, tenant_id=principal.tenant_id, key=key)


@router.post(
    "/templates/{key}/preview",
    response_model=PreviewOut,
    summary="Preview a template",
    description="Renders one channel for a locale (through locale negotiation; the chosen "
    "locale is in the answer) with the given variables, appends the opt-out footer the "
    "`jurisdiction` requires, and returns the final text, SMS encoding and segment count, "
    "and lint findings. An SMS variant with an Aliyun template also shows what the carrier "
    "will deliver from it: the tenant's `【sign name】` and the approved text, filled in.",
    responses={
        **problem_responses(401, 403, 404, 422),
        200: {
            "description": "The rendered message",
            "content": {
                "application/json": {
                    "examples": {
                        "zh-CN": {"summary": "Chinese SMS", "value": PREVIEW_OUT_ZH},
                        "en-US": {"summary": "English SMS", "value": PREVIEW_OUT_EN},
                    }
                }
            },
        },
    },
)
def preview(
    key: KeyPath,
    body: Annotated[
        PreviewIn,
        Body(
            openapi_examples={
                "zh-CN": {"summary": "Chinese SMS", "value": PREVIEW_IN_ZH},
                "en-US": {"summary": "English SMS", "value": PREVIEW_IN_EN},
            }
        ),
    ],
    principal: ReminderReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> PreviewOut:
    return service.preview(
        session,
        tenant_id=principal.tenant_id,
        key=key,
        request=body,
        budget=RenderBudget.from_settings(settings),
        sign_name=_aliyun_sign_name(session, principal.tenant_id),
        clock=clock,
    )


def _aliyun_sign_name(session: Session, tenant_id: uuid.UUID) -> str | None:
    """The signature Aliyun puts before the tenant's texts, when it has an Aliyun account
    (it is no secret: it is stored in clear)."""
    own = accounts.stored(session, tenant_id=tenant_id, provider=ALIYUN)
    return None if own is None else str(own.settings["sign_name"])
