"""Storing, showing and using tenants' own provider accounts.

An account is the provider plugin's own `Account` model (channels/base.py), stored as what it
shows and its secrets sealed. Every check that applies to a provider's global settings applies
to a tenant's account too: the targets it names (the model's `refusals`) and the guessability
of its secrets (`app.secret_strength`). Services flush; the request or the command commits.
"""

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from app.accounts import repository
from app.accounts.schemas import ProviderAccountOut
from app.accounts.vault import Vault
from app.config import Settings
from app.errors import FieldError, NotFound, ValidationFailed
from app.models.accounts import ProviderAccount
from app.secret_strength import weakness
from channels.base import Account


def store(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    provider: str,
    body: Account,
    vault: Vault,
    rules: Settings,
    now: datetime,
) -> ProviderAccountOut:
    """Replaces the account; secrets left out keep the ones stored."""
    account = repository.get(session, tenant_id=tenant_id, provider=provider)
    kept = vault.open(account.sealed) if account is not None else {}
    secrets = kept | body.secrets()
    problems = _problems(body, given=body.secrets(), stored=secrets, rules=rules)
    if problems:
        raise ValidationFailed(problems)
    if account is None:
        account = ProviderAccount(tenant_id=tenant_id, provider=provider)
        session.add(account)
    account.settings, account.sealed, account.updated_at = body.shown(), vault.seal(secrets), now
    session.flush()
    return _shown(account, secrets, type(body), public_url=rules.public_url)


def read_all(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    vault: Vault,
    models: Mapping[str, type[Account]],
    public_url: str,
) -> list[ProviderAccountOut]:
    return [
        _shown(a, vault.open(a.sealed), models.get(a.provider), public_url=public_url)
        for a in repository.of_tenant(session, tenant_id=tenant_id)
    ]


def read(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    provider: str,
    vault: Vault,
    model: type[Account],
    public_url: str,
) -> ProviderAccountOut:
    account = _existing(session, tenant_id=tenant_id, provider=provider)
    return _shown(account, vault.open(account.sealed), model, public_url=public_url)


def remove(session: Session, *, tenant_id: uuid.UUID, provider: str) -> None:
    """The tenant goes back to the global account (webhooks: to none)."""
    session.delete(_existing(session, tenant_id=tenant_id, provider=provider))
    session.flush()


def has(session: Session, *, tenant_id: uuid.UUID, provider: str) -> bool:
    return stored(session, tenant_id=tenant_id, provider=provider) is not None


def stored(session: Session, *, tenant_id: uuid.UUID, provider: str) -> ProviderAccount | None:
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


def opened(
    accounts: Mapping[str, ProviderAccount], vault: Vault, models: Mapping[str, type[Account]]
) -> dict[str, Account]:
    """The accounts of installed plugins, each through its plugin's model."""
    return {
        name: open_account(account, vault, models[name])
        for name, account in accounts.items()
        if name in models
    }


def open_account(account: ProviderAccount, vault: Vault, model: type[Account]) -> Account:
    return model.opened(account.settings, vault.open(account.sealed))


def opened_of_tenant(
    session: Session, *, tenant_id: uuid.UUID, provider: str, vault: Vault, model: type[Account]
) -> Account | None:
    account = repository.get(session, tenant_id=tenant_id, provider=provider)
    return None if account is None else open_account(account, vault, model)


def opened_of_provider(
    session: Session, *, provider: str, vault: Vault, model: type[Account]
) -> dict[uuid.UUID, Account]:
    """Every tenant's account with this provider, opened."""
    return {
        account.tenant_id: open_account(account, vault, model)
        for account in repository.of_provider(session, provider)
    }


def holders(session: Session, provider: str) -> set[uuid.UUID]:
    """The tenants with an account of their own with this provider."""
    return {account.tenant_id for account in repository.of_provider(session, provider)}


def rotate(session: Session, *, vault: Vault) -> int:
    """Re-encrypts every stored account under the first key; returns how many."""
    accounts = repository.every(session)
    for account in accounts:
        account.sealed = vault.rotate(account.sealed)
    session.flush()
    return len(accounts)


def _existing(session: Session, *, tenant_id: uuid.UUID, provider: str) -> ProviderAccount:
    account = repository.get(session, tenant_id=tenant_id, provider=provider)
    if account is None:
        raise NotFound(f"the tenant has no {provider} account")
    return account


def _shown(
    account: ProviderAccount,
    secrets: dict[str, str],
    model: type[Account] | None,
    *,
    public_url: str,
) -> ProviderAccountOut:
    """`model` None: the account of a plugin no longer installed, shown as stored."""
    paths = (
        {}
        if model is None
        else model.opened(account.settings, secrets).callback_paths(account.tenant_id)
    )
    base = public_url.rstrip("/")
    return ProviderAccountOut(
        provider=account.provider,
        settings=account.settings,
        secrets_set=sorted(name for name, value in secrets.items() if value),
        updated_at=account.updated_at,
        callback_urls={name: base + path for name, path in paths.items()},
    )


def _problems(
    body: Account, *, given: dict[str, str], stored: dict[str, str], rules: Settings
) -> list[FieldError]:
    """Why the account cannot be used; the details never quote a secret."""
    found = []
    for name in body.secret_fields:
        if name in given:
            reason = weakness(given[name], min_bits=body.secret_bits)
            if reason is not None:
                found.append(FieldError(field=name, detail=f"too guessable: {reason}"))
        elif name not in stored and name in body.required_secrets():
            found.append(FieldError(field=name, detail="required"))
    refusals = body.refusals(
        production=rules.env == "production", allow_private=rules.allow_private_targets
    )
    found += [FieldError(field=field, detail=detail) for field, detail in refusals.items()]
    return found
