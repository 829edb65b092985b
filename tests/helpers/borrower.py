"""Acting as the borrower's page does: the service calls it makes for a known customer."""

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.models.customers import Customer
from app.notices.delivery import Notices
from app.preferences import service
from app.preferences.schemas import Hardship, Preferences, PreferencesIn
from tests.conftest import DispatcherFactory, Tenant


def customer_id(db: Session, tenant: Tenant, ref: str = "cust-1") -> uuid.UUID:
    db.rollback()  # see what the API committed
    found = db.scalar(
        sa.select(Customer.id).where(Customer.tenant_id == tenant.id, Customer.ref == ref)
    )
    assert found is not None, f"no customer {ref!r}"
    return found


def state(
    db: Session,
    tenant: Tenant,
    clock: FrozenClock,
    *,
    ref: str = "cust-1",
    source: str = "borrower",
    **fields: Any,
) -> Preferences:
    """Saves the form's fields and commits, as the page's request does."""
    saved = service.save(
        db,
        tenant_id=tenant.id,
        customer_id=customer_id(db, tenant, ref),
        change=PreferencesIn.model_validate(fields),
        source=source,
        now=clock.now(),
    )
    db.commit()
    return saved


def ask_for_help(
    db: Session, tenant: Tenant, clock: FrozenClock, *, ref: str = "cust-1", **fields: Any
) -> Hardship:
    """The hardship form, not committed: the caller commits or rolls back."""
    request = {"reason": "job_loss", "note": None, "callback": None} | fields
    return service.request_hardship(
        db,
        tenant_id=tenant.id,
        customer_id=customer_id(db, tenant, ref),
        now=clock.now(),
        **request,
    )


def notices(make_dispatcher: DispatcherFactory, clock: FrozenClock) -> Notices:
    """The worker's notice sender, as the scheduler builds it beside the dispatcher."""
    dispatcher = make_dispatcher()
    return Notices(
        sessions=dispatcher.sessions,
        registry=dispatcher.registry,
        vault=dispatcher.vault,
        clock=clock,
        retry=dispatcher.retry,
    )
