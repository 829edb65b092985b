"""Only Twilio may call the webhooks: each request must carry Twilio's signature of its URL and
form fields, made with the account's auth token."""

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request
from twilio.request_validator import RequestValidator

from app.config import SettingsDep
from app.errors import NudgeError

SIGNATURE_HEADER = "X-Twilio-Signature"


class BadSignature(NudgeError):
    status, slug, title = 403, "bad-signature", "Missing or invalid provider signature"


def signed_url(public_url: str, path: str, query: str) -> str:
    """The URL Twilio was given and signed: Nudge's public address, never the Host header,
    which a proxy rewrites and a forger chooses."""
    return f"{public_url.rstrip('/')}{path}{'?' + query if query else ''}"


async def verified_form(request: Request, settings: SettingsDep) -> dict[str, str]:
    """The request's form fields, once the signature over them and the URL checks out.

    Without an auth token nothing can be verified, so every request is refused.
    """
    body = (await request.body()).decode("utf-8", errors="replace")
    form = dict(parse_qsl(body, keep_blank_values=True))
    signature = request.headers.get(SIGNATURE_HEADER, "")
    token = settings.twilio_auth_token.get_secret_value()
    url = signed_url(settings.public_url, request.url.path, request.url.query)
    if not (signature and token and RequestValidator(token).validate(url, form, signature)):
        raise BadSignature(f"the {SIGNATURE_HEADER} header is missing or does not match")
    return form


TwilioForm = Annotated[dict[str, str], Depends(verified_form)]
