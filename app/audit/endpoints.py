"""HTTP route for checking the tenant's audit chain."""

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.audit import service
from app.auth import Admin
from app.clock import ClockDep
from app.db import SessionDep
from app.errors import problem_responses

router = APIRouter(prefix="/v1", tags=["audit"])


class BrokenLink(BaseModel):
    seq: int = Field(description="The first entry that does not hold.", examples=[42])
    reason: str = Field(examples=["its content was changed after it was written"])


class Verification(BaseModel):
    intact: bool
    entries: int = Field(description="Linked entries that verified before the first break.")
    first_broken: BrokenLink | None
    unlinked: int = Field(
        description="Entries written but not linked onto the chain yet: the sequencer links "
        "them within seconds. The rows they vouch for are compared with them all the same.",
        examples=[0],
    )
    oldest_unlinked_age_seconds: float | None = Field(
        description="How long the oldest unlinked entry has waited; null when none does.",
        examples=[None],
    )


@router.get(
    "/audit/verify",
    response_model=Verification,
    summary="Verify the audit chain",
    description="Walks the tenant's hash chain (SHA-256 over the previous hash and each "
    "entry's canonical JSON) and compares every reminder event and delivery attempt in the "
    "database with its latest entry. Entries are linked onto the chain by a sequencer within "
    "seconds of being written; until then they are counted in `unlinked`, and their rows are "
    "compared with them too. Reports the chain intact, or the first broken link: an entry "
    "changed or missing, or a row edited, deleted or added outside Nudge. Needs `admin`.",
    responses=problem_responses(401, 403),
)
def verify_audit(principal: Admin, session: SessionDep, clock: ClockDep) -> Verification:
    report = service.verify(session, tenant_id=principal.tenant_id)
    broken, oldest = report.broken, report.oldest_unlinked_at
    return Verification(
        intact=broken is None,
        entries=report.entries,
        first_broken=BrokenLink(seq=broken.seq, reason=broken.reason) if broken else None,
        unlinked=report.unlinked,
        oldest_unlinked_age_seconds=None
        if oldest is None
        else max(0.0, (clock.now() - oldest).total_seconds()),
    )
