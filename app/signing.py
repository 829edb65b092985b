"""Values Nudge signs so it can trust them when they come back: dashboard cookies,
unsubscribe links. The form is `base64(json).hmac`, the HMAC keyed by `NUDGE_SECRET_KEY` and
bound to a purpose, so a value signed for one use is refused for another.
"""

import base64
import binascii
import hashlib
import hmac
import json
import secrets

from app.config import Settings

_PROCESS_KEY = secrets.token_bytes(32)
"""Development and tests run without `NUDGE_SECRET_KEY`: what was signed (dashboard sessions,
unsubscribe links) then stops verifying when the process restarts."""


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


def same_token(expected: str | None, given: str | None) -> bool:
    """In constant time. Tokens and MACs are ASCII, so a value that is not (a browser sends
    what it likes) simply differs: `compare_digest` would raise on it."""
    if not (expected and given and given.isascii()):
        return False
    return hmac.compare_digest(expected, given)


def mac_bytes(settings: Settings, purpose: str, message: str) -> bytes:
    """The raw HMAC of `message` for `purpose`, for tokens too short for `sign`'s form: the
    caller keeps as many bytes as it needs (at least 12, 96 bits)."""
    data = f"{purpose}:{message}".encode()
    return hmac.new(_signing_key(settings), data, hashlib.sha256).digest()
