"""Tenants' provider secrets encrypted at rest with `cryptography`'s Fernet (AES-128-CBC and
HMAC-SHA256, a timestamped token), under the keys of `NUDGE_CREDENTIALS_KEYS`.

MultiFernet encrypts with the first key and decrypts with any, so a key is rotated by putting
the new one first, running `nudge rotate-credentials` (every row re-encrypted under it), then
dropping the old one (SECURITY.md).
"""

import base64
import hashlib
import json
from typing import Annotated

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from fastapi import Depends
from sqlalchemy.orm import Session

from app.accounts import repository
from app.config import Settings, SettingsDep
from app.errors import Conflict

DEVELOPMENT_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"nudge development credentials: protects nothing").digest()
)
"""Outside production, without keys set: stable across restarts, so a developer's stored
credentials survive them; it is public, so it protects nothing."""


class NoCredentialsKey(Conflict):
    """Production without `NUDGE_CREDENTIALS_KEYS` stores no credentials rather than store
    them under a key everyone knows."""


class UnreadableCredentials(RuntimeError):
    """A row encrypted under a key no longer configured: the old key was dropped too early."""


def configured_keys(settings: Settings) -> list[bytes]:
    value = settings.credentials_keys.get_secret_value()
    return [key.strip().encode() for key in value.split(",") if key.strip()]


class Vault:
    def __init__(self, settings: Settings) -> None:
        keys = configured_keys(settings)
        if not keys and settings.env != "production":
            keys = [DEVELOPMENT_KEY]
        self._fernet = MultiFernet([Fernet(key) for key in keys]) if keys else None

    def seal(self, secrets: dict[str, str]) -> str:
        if self._fernet is None:
            raise NoCredentialsKey("set NUDGE_CREDENTIALS_KEYS before storing provider secrets")
        return self._fernet.encrypt(json.dumps(secrets, sort_keys=True).encode()).decode()

    def open(self, token: str) -> dict[str, str]:
        if self._fernet is None:
            raise UnreadableCredentials("NUDGE_CREDENTIALS_KEYS is not set")
        try:
            opened: dict[str, str] = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as error:
            raise UnreadableCredentials(
                "stored provider secrets were encrypted under a key that is no longer in "
                "NUDGE_CREDENTIALS_KEYS"
            ) from error
        return opened

    def rotate(self, token: str) -> str:
        """The same secrets under the first key."""
        if self._fernet is None:
            raise NoCredentialsKey("set NUDGE_CREDENTIALS_KEYS before rotating")
        return self._fernet.rotate(token.encode()).decode()


def _vault(settings: SettingsDep) -> Vault:
    return Vault(settings)


VaultDep = Annotated[Vault, Depends(_vault)]


def check_key_for_stored(settings: Settings, session: Session) -> None:
    """Production refuses to start when tenants have stored credentials it could not open.
    A database not migrated this far has none."""
    if settings.env != "production" or configured_keys(settings):
        return
    try:
        stored = repository.any_stored(session)
    except sa.exc.DBAPIError:
        return
    if stored:
        raise RuntimeError(
            "tenants have stored provider credentials: set NUDGE_CREDENTIALS_KEYS to the keys "
            "they were encrypted under"
        )
