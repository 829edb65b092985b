"""What the lender told Nudge about a customer, as pages show it."""

import uuid

from sqlalchemy.orm import Session

from app.customers import repository
from app.masking import mask_address


def contacts(session: Session, *, tenant_id: uuid.UUID, ref: str, reveal: bool) -> list[str]:
    """The customer's phone and email, masked unless the viewer may see them (`pii:read`)."""
    customer = repository.find_by_refs(session, tenant_id=tenant_id, refs=[ref]).get(ref)
    if customer is None:
        return []
    found = [contact for contact in (customer.phone, customer.email) if contact]
    return found if reveal else [mask_address(contact) for contact in found]
