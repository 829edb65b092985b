"""Storing, showing and using tenants' own provider accounts.

Every check that applies to the global settings of a provider applies to a tenant's account
too: outbound-safety of its URL or host (`channels.addresses`) and the guessability of its
secrets (`app.secret_strength`). Services flush; the request or the command commits.
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.accounts import repository
from app.accounts.models import ProviderAccount
from app.accounts.schemas import (
    AccountIn,
    Provider,
    ProviderAccountOut,
    SmtpAccountIn,
    WebhookAccountIn,
)
from app.accounts.vault import Vault
from app.config import PROVIDER_SECRET_BITS, SECRET_BITS, Settings
from app.errors import FieldError, NotFound, ValidationFailed
from app.secret_strength import weakness
from channels.addresses import host_refusal, url_refusal
from channels.aliyun.account import AliyunAccount
from channels.aliyun.push import push_token
from channels.base import SmtpAccount, TwilioAccount, WebhookTarget

SECRET_FLOORS = {
    Provider.TWILIO: PROVIDER_SECRET_BITS,
    Provider.SMTP: PROVIDER_SECRET_BITS,
    Provider.ALIYUN: PROVIDER_SECRET_BITS,
}
ALIYUN_PUSH_PATH = "/v1/webhooks/aliyun/{tenant_id}/{token}"
"""Secrets a provider issues; a webhook secret is the tenant's choice and needs SECRET_BITS."""


@dataclass(frozen=True)
class TenantAccounts:
    """A tenant's accounts as the dispatcher hands them to messages."""

    twilio: TwilioAccount | None = None
    smtp: SmtpAccount | None = None
    webhook: WebhookTarget | None = None
    aliyun: AliyunAccount | None = None


def store(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    provider: Provider,
    body: AccountIn,
    vault: Vault,
    rules: Settings,
    now: datetime,
) -> ProviderAccountOut:
    """Replaces the account; secrets left out keep the ones stored."""
    account = repository.get(session, tenant_id=tenant_id, provider=provider)
    kept = vault.open(account.sealed) if account is not None else {}
    secrets = kept | body.secrets()
    problems = _problems(provider, body, given=body.secrets(), stored=secrets, rules=rules)
    if problems:
        raise ValidationFailed(problems)
    if account is None:
        account = ProviderAccount(tenant_id=tenant_id, provider=provider)
        session.add(account)
    account.settings, account.sealed, account.updated_at = body.shown(), vault.seal(secrets), now
    session.flush()
    return _shown(account, secrets, public_url=rules.public_url)


def read_all(
    session: Session, *, tenant_id: uuid.UUID, vault: Vault, public_url: str
) -> list[ProviderAccountOut]:
    return [
        _shown(a, vault.open(a.sealed), public_url=public_url)
        for a in repository.of_tenant(session, tenant_id=tenant_id)
    ]


def read(
    session: Session, *, tenant_id: uuid.UUID, provider: Provider, vault: Vault, public_url: str
) -> ProviderAccountOut:
    account = _existing(session, tenant_id=tenant_id, provider=provider)
    return _shown(account, vault.open(account.sealed), public_url=public_url)


def remove(session: Session, *, tenant_id: uuid.UUID, provider: Provider) -> None:
    """The tenant goes back to the global account (webhooks: to none)."""
    session.delete(_existing(session, tenant_id=tenant_id, provider=provider))
    session.flush()


def has(session: Session, *, tenant_id: uuid.UUID, provider: Provider) -> bool:
    return stored(session, tenant_id=tenant_id, provider=provider) is not None


def stored(session: Session, *, tenant_id: uuid.UUID, provider: Provider) -> ProviderAccount | None:
    """The row as stored, secrets sealed: for what shows no secret."""
    return repository.get(session, tenant_id=tenant_id, provider=provider)


def sealed_of(
    session: Session, tenant_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, dict[str, ProviderAccount]]:
    """Each tenant's accounts, still sealed, by provider: read with a dispatch round's claim
    and opened message by message, so a row that cannot be opened fails only its messages."""
    found: dict[uuid.UUID, dict[str, ProviderAccount]] = {}
    for account in repository.of_tenants(session, tenant_ids):
        found.setdefault(account.tenant_id, {})[account.provider] = account
    return found


def opened(accounts: Mapping[str, ProviderAccount], vault: Vault) -> TenantAccounts:
    return TenantAccounts(
        twilio=twilio_of(accounts.get(Provider.TWILIO), vault),
        smtp=smtp_of(accounts.get(Provider.SMTP), vault),
        webhook=webhook_of(accounts.get(Provider.WEBHOOK), vault),
        aliyun=aliyun_of(accounts.get(Provider.ALIYUN), vault),
    )


def twilio_of(account: ProviderAccount | None, vault: Vault) -> TwilioAccount | None:
    if account is None:
        return None
    shown = account.settings
    return TwilioAccount(
        account_sid=shown["account_sid"],
        auth_token=vault.open(account.sealed)["auth_token"],
        from_number=shown.get("from_number"),
        messaging_service_sid=shown.get("messaging_service_sid"),
    )


def smtp_of(account: ProviderAccount | None, vault: Vault) -> SmtpAccount | None:
    if account is None:
        return None
    password = vault.open(account.sealed).get("password", "")
    return SmtpAccount(**account.settings, password=password)


def webhook_of(account: ProviderAccount | None, vault: Vault) -> WebhookTarget | None:
    if account is None:
        return None
    return WebhookTarget(url=account.settings["url"], secret=vault.open(account.sealed)["secret"])


def aliyun_of(account: ProviderAccount | None, vault: Vault) -> AliyunAccount | None:
    if account is None:
        return None
    return AliyunAccount(
        access_key_id=account.settings["access_key_id"],
        access_key_secret=vault.open(account.sealed)["access_key_secret"],
        sign_name=account.settings["sign_name"],
    )


def aliyun_secret(session: Session, *, tenant_id: uuid.UUID, vault: Vault) -> str | None:
    """The AccessKey secret the tenant's push URLs are keyed with; None: it has no account."""
    account = repository.get(session, tenant_id=tenant_id, provider=Provider.ALIYUN)
    return None if account is None else vault.open(account.sealed)["access_key_secret"]


def aliyun_sign_name(session: Session, *, tenant_id: uuid.UUID) -> str | None:
    """The signature Aliyun puts before the tenant's texts (it is no secret)."""
    account = repository.get(session, tenant_id=tenant_id, provider=Provider.ALIYUN)
    return None if account is None else str(account.settings["sign_name"])


def twilio_token(session: Session, *, tenant_id: uuid.UUID | None, vault: Vault) -> str | None:
    """The auth token Twilio signs this tenant's callbacks with; None: the global one."""
    if tenant_id is None:
        return None
    account = repository.get(session, tenant_id=tenant_id, provider=Provider.TWILIO)
    return None if account is None else vault.open(account.sealed)["auth_token"]


def twilio_senders(session: Session) -> dict[uuid.UUID, str | None]:
    """Each tenant with its own Twilio account, and the number it sends from (None: a Messaging
    Service's): these tenants never text from the service's shared sender."""
    return {
        account.tenant_id: account.settings.get("from_number")
        for account in repository.of_provider(session, Provider.TWILIO)
    }


def tenant_of_number(session: Session, number: str) -> uuid.UUID | None:
    """The tenant whose own Twilio account sends from this number (an inbound text's `To`)."""
    return owner_of(number, twilio_senders(session))


def owner_of(number: str, senders: dict[uuid.UUID, str | None]) -> uuid.UUID | None:
    return next((tenant for tenant, own in senders.items() if number and own == number), None)


def rotate(session: Session, *, vault: Vault) -> int:
    """Re-encrypts every stored account under the first key; returns how many."""
    accounts = repository.every(session)
    for account in accounts:
        account.sealed = vault.rotate(account.sealed)
    session.flush()
    return len(accounts)


def _existing(session: Session, *, tenant_id: uuid.UUID, provider: Provider) -> ProviderAccount:
    account = repository.get(session, tenant_id=tenant_id, provider=provider)
    if account is None:
        raise NotFound(f"the tenant has no {provider} account")
    return account


def _shown(
    account: ProviderAccount, secrets: dict[str, str], *, public_url: str
) -> ProviderAccountOut:
    return ProviderAccountOut(
        provider=Provider(account.provider),
        settings=account.settings,
        secrets_set=sorted(name for name, value in secrets.items() if value),
        updated_at=account.updated_at,
        push_urls=_push_urls(account, secrets, public_url),
    )


def _push_urls(
    account: ProviderAccount, secrets: dict[str, str], public_url: str
) -> dict[str, str]:
    """Aliyun's pushes carry no signature: the URL given to its console is the credential."""
    if account.provider != Provider.ALIYUN:
        return {}
    tenant_id = str(account.tenant_id)
    base = public_url.rstrip("/") + ALIYUN_PUSH_PATH.format(
        tenant_id=tenant_id, token=push_token(tenant_id, secrets["access_key_secret"])
    )
    return {"report": f"{base}/report", "up": f"{base}/up"}


def _problems(
    provider: Provider,
    body: AccountIn,
    *,
    given: dict[str, str],
    stored: dict[str, str],
    rules: Settings,
) -> list[FieldError]:
    """Why the account cannot be used; the details never quote a secret."""
    found = []
    for name in body.secret_fields:
        if name in given:
            reason = weakness(given[name], min_bits=SECRET_FLOORS.get(provider, SECRET_BITS))
            if reason is not None:
                found.append(FieldError(field=name, detail=f"too guessable: {reason}"))
        elif name not in stored and not (isinstance(body, SmtpAccountIn) and not body.username):
            found.append(FieldError(field=name, detail="required"))
    outbound = {
        "production": rules.env == "production",
        "allow_private": rules.allow_private_targets,
    }
    refusal = None
    if isinstance(body, WebhookAccountIn):
        try:
            refusal = url_refusal("url", body.url, **outbound)
        except ValueError as error:  # urlsplit's own refusals: a broken IPv6 literal...
            refusal = f"url is not a URL: {error}"
        field = "url"
    elif isinstance(body, SmtpAccountIn):
        refusal, field = host_refusal("host", body.host, **outbound), "host"
    if refusal is not None:
        found.append(FieldError(field=field, detail=refusal))
    return found
