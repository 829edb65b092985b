"""A tenant's own webhook target: checked when set, handed to the adapter with each message.

The URL goes through the same outbound rules as every URL Nudge calls (`channels.addresses`,
and `channels.outbound` again at connect time); the secret must be as hard to guess as the
service's own keys, since it is all that proves a visit outcome comes from the lender.
"""

from app.config import SECRET_BITS, Settings
from app.errors import FieldError
from app.secret_strength import weakness
from app.tenants.models import Tenant
from app.tenants.schemas import TenantSettingsIn
from channels.addresses import url_refusal
from channels.base import WebhookTarget


def target_of(tenant: Tenant) -> WebhookTarget | None:
    """The tenant's target; None until it has both a URL and a secret ("not configured")."""
    if not (tenant.webhook_url and tenant.webhook_secret):
        return None
    return WebhookTarget(url=tenant.webhook_url, secret=tenant.webhook_secret)


def errors(
    body: TenantSettingsIn, *, stored_secret: str | None, rules: Settings
) -> list[FieldError]:
    """Why the target given cannot be used; the details never quote the URL or the secret."""
    found = []
    secret = body.webhook_secret.get_secret_value() if body.webhook_secret else None
    if body.webhook_url is None:
        if secret:
            found.append(FieldError(field="webhook_url", detail="is required with webhook_secret"))
        return found
    try:
        refusal = url_refusal(
            "webhook_url",
            body.webhook_url,
            production=rules.env == "production",
            allow_private=rules.allow_private_targets,
        )
    except ValueError as error:  # urlsplit's own refusals: a broken IPv6 literal...
        refusal = f"webhook_url is not a URL: {error}"
    if refusal is not None:
        found.append(FieldError(field="webhook_url", detail=refusal))
    if secret is None and not stored_secret:
        found.append(FieldError(field="webhook_secret", detail="is required with webhook_url"))
    elif secret is not None:
        reason = weakness(secret, min_bits=SECRET_BITS)
        if reason is not None:
            found.append(FieldError(field="webhook_secret", detail=f"too guessable: {reason}"))
    return found


def apply(tenant: Tenant, body: TenantSettingsIn) -> None:
    """Stores the target; a secret left out keeps the one set, a URL left out removes both."""
    tenant.webhook_url = body.webhook_url
    if body.webhook_url is None:
        tenant.webhook_secret = None
    elif body.webhook_secret is not None:
        tenant.webhook_secret = body.webhook_secret.get_secret_value()
