"""A new lender: its tenant, its first admin key, and the starter templates it begins with.

Above `tenants` and `templates` so that neither calls into the other: tenants stores lenders
and their keys, templates owns what a lender starts with, and this composes the two.
"""

from sqlalchemy.orm import Session

from app.clock import Clock
from app.templates import service as templates
from app.tenants import service as tenants
from app.tenants.schemas import TenantSettings
from app.tenants.service import IssuedKey


def create_tenant(
    session: Session, *, name: str, clock: Clock, settings: TenantSettings | None = None
) -> IssuedKey:
    issued = tenants.create_tenant(session, name=name, clock=clock, settings=settings)
    templates.load_starters(session, tenant_id=issued.tenant_id, now=clock.now())
    return issued
