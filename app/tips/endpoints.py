"""HTTP routes for tip libraries; the rules live in `service`."""

from typing import Annotated

from fastapi import APIRouter, Path

from app.auth import ReminderReader, TemplateWriter
from app.clock import ClockDep
from app.db import SessionDep
from app.errors import problem_responses
from app.tips import service
from app.tips.schemas import LibrarySummary, LocalePath, TipLibraryIn, TipLibraryOut

router = APIRouter(prefix="/v1", tags=["tips"])
Locale = Annotated[LocalePath, Path(description="A BCP 47 locale, e.g. `zh-CN`, `en`.")]


@router.get(
    "/tips",
    response_model=list[LibrarySummary],
    summary="List the tenant's tip libraries",
    description="Each locale the tenant has saved tips for, with its current version. Other "
    "locales use Nudge's starter tips (zh-Hans, zh-Hant, en).",
    responses=problem_responses(401, 403),
)
def list_libraries(principal: ReminderReader, session: SessionDep) -> list[LibrarySummary]:
    return service.list_libraries(session, tenant_id=principal.tenant_id)


@router.get(
    "/tips/{locale}",
    response_model=TipLibraryOut,
    summary="Read the tips for a locale",
    description="The tenant's current library saved for this locale (`source: tenant`), else "
    "Nudge's starter tips in its script (`source: starter`); 404 when neither exists.",
    responses=problem_responses(401, 403, 404, 422),
)
def read_library(locale: Locale, principal: ReminderReader, session: SessionDep) -> TipLibraryOut:
    return service.read_library(session, tenant_id=principal.tenant_id, locale=locale)


@router.put(
    "/tips/{locale}",
    response_model=TipLibraryOut,
    summary="Replace the tips for a locale",
    description="Stores the whole library as a new version; borrowers' pages and `{{ tip }}` "
    "use it from the next read. Every title, body and short form passes the templates' wording "
    "lint (with the tenant's additions), and each short form must fit an SMS's share for tips; "
    "anything refused is a 422 naming the field (`tips.2.body`), and nothing is stored.",
    responses=problem_responses(401, 403, 409, 422),
)
def replace_library(
    locale: Locale,
    body: TipLibraryIn,
    principal: TemplateWriter,
    session: SessionDep,
    clock: ClockDep,
) -> TipLibraryOut:
    return service.save_library(
        session, tenant_id=principal.tenant_id, locale=locale, library=body, clock=clock
    )
