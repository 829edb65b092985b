"""Signed dashboard cookies: they name an API key, never carry it, and hold the CSRF token.

The value is `base64(json).hmac`: tampering breaks the HMAC, and the key it names is looked up
again on every request, so revoking the key ends the session at once.
"""

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.config import Settings

SESSION_COOKIE = "nudge_ops_session"
SIGN_IN_COOKIE = "nudge_ops_signin"
"""Holds the sign-in form's CSRF token before there is a session (double submit)."""
SESSION_LIFETIME = timedelta(hours=12)

_PROCESS_KEY = secrets.token_bytes(32)
"""Development and tests run without `NUDGE_SECRET_KEY`: sessions then end on restart."""


@dataclass(frozen=True)
class OpsSession:
    key_id: uuid.UUID
    tenant_id: uuid.UUID
    csrf: str
    expires_at: datetime


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def _signing_key(settings: Settings) -> bytes:
    configured = settings.secret_key.get_secret_value()
    return configured.encode() if configured else _PROCESS_KEY


def _mac(settings: Settings, purpose: str, payload: str) -> str:
    message = f"{purpose}:{payload}".encode()
    return hmac.new(_signing_key(settings), message, hashlib.sha256).hexdigest()


def sign(settings: Settings, purpose: str, data: dict[str, str]) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(data, sort_keys=True).encode()).decode()
    return f"{payload}.{_mac(settings, purpose, payload)}"


def unsign(settings: Settings, purpose: str, value: str | None) -> dict[str, str] | None:
    """The signed data, or None when the value is missing, forged or malformed."""
    payload, _, mac = (value or "").rpartition(".")
    if not (payload and same_token(_mac(settings, purpose, payload), mac)):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, binascii.Error):
        return None
    return data if isinstance(data, dict) else None


def session_cookie(settings: Settings, session: OpsSession) -> str:
    return sign(
        settings,
        SESSION_COOKIE,
        {
            "key": str(session.key_id),
            "tenant": str(session.tenant_id),
            "csrf": session.csrf,
            "exp": session.expires_at.isoformat(),
        },
    )


def read_session(settings: Settings, value: str | None, *, now: datetime) -> OpsSession | None:
    data = unsign(settings, SESSION_COOKIE, value)
    if data is None:
        return None
    try:
        session = OpsSession(
            key_id=uuid.UUID(data["key"]),
            tenant_id=uuid.UUID(data["tenant"]),
            csrf=data["csrf"],
            expires_at=datetime.fromisoformat(data["exp"]),
        )
    except (KeyError, ValueError, TypeError):
        return None
    return session if session.expires_at > now else None


def sign_in_cookie(settings: Settings, csrf: str) -> str:
    return sign(settings, SIGN_IN_COOKIE, {"csrf": csrf})


def sign_in_csrf(settings: Settings, value: str | None) -> str | None:
    data = unsign(settings, SIGN_IN_COOKIE, value)
    return None if data is None else data.get("csrf")


def same_token(expected: str | None, given: str | None) -> bool:
    """In constant time. Tokens and MACs are ASCII, so a value that is not (a browser sends
    what it likes) simply differs: `compare_digest` would raise on it."""
    if not (expected and given and given.isascii()):
        return False
    return hmac.compare_digest(expected, given)
