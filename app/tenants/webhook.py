"""`PUT /v1/tenant`'s webhook fields, kept for the clients that set the target there: they are
another door to the tenant's `webhook` provider account (app/accounts), where the secret is
encrypted like every other provider secret. Errors name the fields of this request."""

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.vault import Vault
from app.config import Settings
from app.errors import FieldError, ValidationFailed
from app.tenants.schemas import TenantSettingsIn
from channels.webhook.account import NAME as WEBHOOK
from channels.webhook.account import WebhookAccount

FIELDS = {"url": "webhook_url", "secret": "webhook_secret"}


def apply(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    body: TenantSettingsIn,
    vault: Vault,
    rules: Settings,
    now: datetime,
) -> None:
    """Stores the target; a secret left out keeps the one set, a URL left out removes both."""
    if body.webhook_url is None:
        if body.webhook_secret is not None:
            detail = "is required with webhook_secret"
            raise ValidationFailed([FieldError(field="webhook_url", detail=detail)])
        if accounts.has(session, tenant_id=tenant_id, provider=WEBHOOK):
            accounts.remove(session, tenant_id=tenant_id, provider=WEBHOOK)
        return
    target = WebhookAccount(url=body.webhook_url, secret=body.webhook_secret)
    try:
        accounts.store(
            session,
            tenant_id=tenant_id,
            provider=WEBHOOK,
            body=target,
            vault=vault,
            rules=rules,
            now=now,
        )
    except ValidationFailed as failed:
        raise ValidationFailed(
            [error.model_copy(update={"field": FIELDS[error.field]}) for error in failed.errors]
        ) from None


def shown(session: Session, *, tenant_id: uuid.UUID) -> dict[str, object]:
    """The target as `GET /v1/tenant` shows it: the URL, and the secret only as set."""
    account = accounts.stored(session, tenant_id=tenant_id, provider=WEBHOOK)
    url = None if account is None else account.settings["url"]
    return {"webhook_url": url, "webhook_secret_set": account is not None}
