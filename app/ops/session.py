"""Signed dashboard cookies: they name an API key, never carry it, and hold the CSRF token.

The value is `base64(json).hmac`: tampering breaks the HMAC, and the key it names is looked up
again on every request, so revoking the key ends the session at once.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.config import Settings
from app.signing import sign, unsign

SESSION_COOKIE = "nudge_ops_session"
SIGN_IN_COOKIE = "nudge_ops_signin"
"""Holds the sign-in form's CSRF token before there is a session (double submit)."""
SESSION_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class OpsSession:
    key_id: uuid.UUID
    tenant_id: uuid.UUID
    csrf: str
    expires_at: datetime


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


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
