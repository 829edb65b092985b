"""Only Twilio may call the webhooks: each request must carry Twilio's signature of its URL and
form fields, made with the auth token of the account that sent the message.

That account is the tenant's own when it stored one (`PUT /v1/tenant/providers/twilio`), else
the global `NUDGE_TWILIO_*` one: a status callback belongs to the tenant whose message it
reports on, an inbound text to the tenant whose own number it was sent to. A callback signed
with any other account's token is refused, so one tenant cannot move another's deliveries.
"""

import uuid
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request
from twilio.request_validator import RequestValidator

from app.accounts import service as accounts
from app.accounts.vault import VaultDep
from app.config import SettingsDep
from app.db import SessionDep
from app.deliveries import queries
from app.deliveries.callbacks import reminder_of
from app.errors import NudgeError

SIGNATURE_HEADER = "X-Twilio-Signature"


class BadSignature(NudgeError):
    status, slug, title = 403, "bad-signature", "Missing or invalid provider signature"


@dataclass(frozen=True)
class SignedPost:
    """A post as Twilio signed it: Nudge's public URL, the form fields, the signature."""

    url: str
    form: dict[str, str]
    signature: str


def signed_url(public_url: str, path: str, query: str) -> str:
    """The URL Twilio was given and signed: Nudge's public address, never the Host header,
    which a proxy rewrites and a forger chooses."""
    return f"{public_url.rstrip('/')}{path}{'?' + query if query else ''}"


async def _signed_post(request: Request, settings: SettingsDep) -> SignedPost:
    body = (await request.body()).decode("utf-8", errors="replace")
    return SignedPost(
        url=signed_url(settings.public_url, request.url.path, request.url.query),
        form=dict(parse_qsl(body, keep_blank_values=True)),
        signature=request.headers.get(SIGNATURE_HEADER, ""),
    )


Posted = Annotated[SignedPost, Depends(_signed_post)]


def _verified(post: SignedPost, own_token: str | None, settings: SettingsDep) -> dict[str, str]:
    """The form, once its signature checks out with the tenant's token (or the global one).
    Without a token nothing can be verified, so the request is refused."""
    token = own_token or settings.twilio_auth_token.get_secret_value()
    if not (
        post.signature
        and token
        and RequestValidator(token).validate(post.url, post.form, post.signature)
    ):
        raise BadSignature(f"the {SIGNATURE_HEADER} header is missing or does not match")
    return post.form


def verified_status(
    post: Posted, request: Request, session: SessionDep, vault: VaultDep, settings: SettingsDep
) -> dict[str, str]:
    """A status callback, verified with the token of the tenant whose message it reports on."""
    sid = post.form.get("CallSid") or post.form.get("MessageSid") or ""
    reference = reminder_of(request.query_params.get("reference"))
    tenant_id = queries.tenant_of_message(session, sid, reference) if sid else None
    return _verified(
        post, accounts.twilio_token(session, tenant_id=tenant_id, vault=vault), settings
    )


def verified_inbound(
    post: Posted, session: SessionDep, vault: VaultDep, settings: SettingsDep
) -> dict[str, str]:
    """An inbound text, verified with the token of the tenant whose own number it was sent to."""
    tenant_id: uuid.UUID | None = accounts.tenant_of_number(session, post.form.get("To", ""))
    return _verified(
        post, accounts.twilio_token(session, tenant_id=tenant_id, vault=vault), settings
    )


StatusForm = Annotated[dict[str, str], Depends(verified_status)]
InboundForm = Annotated[dict[str, str], Depends(verified_inbound)]
"""Twilio's calls into Nudge: no API key (Twilio holds none), a verified signature instead."""
