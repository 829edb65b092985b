"""Pigeon's delivery receipts: `POST /v1/webhooks/pigeon/receipts`, a JSON body signed with
`Pigeon-Signature: sha256=<hex HMAC-SHA256(signing secret, body)>` by the key of the account
that sent the message, the tenant's own or the global one."""

import hashlib
import hmac
import json
from typing import Any, cast

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from channels.base import Account
from channels.plugin import CallbackInvalid, CallbackRefused, Host, StatusReport
from nudge_pigeon.adapter import STATES
from nudge_pigeon.settings import PigeonAccount, PigeonSettings, key

SIGNATURE_HEADER = "Pigeon-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, signature: str, account: Account | None, settings: PigeonSettings) -> None:
    """With the tenant's key when the message went through its own account, else the global."""
    secret = key(
        account.signing_secret if isinstance(account, PigeonAccount) else settings.signing_secret
    )
    if not (secret and hmac.compare_digest(sign(secret, body), signature)):
        raise CallbackRefused(f"the {SIGNATURE_HEADER} header is missing or does not match")


def receipt_of(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError:
        raise CallbackInvalid({"body": "must be JSON"}) from None
    if not isinstance(document, dict):
        raise CallbackInvalid({"body": "must be a JSON object"})
    return document


def report_of(receipt: dict[str, Any]) -> StatusReport:
    missing = {name: "required" for name in ("id", "state") if not receipt.get(name)}
    if missing:
        raise CallbackInvalid(missing)
    return StatusReport(
        provider_message_id=str(receipt["id"]),
        provider_status=str(receipt["state"]),
        status=STATES.normalize(str(receipt["state"])),
        error_code=receipt.get("error_code"),
        reference=receipt.get("reference"),
    )


def router(host: Host) -> APIRouter:
    settings = cast(PigeonSettings, host.settings)
    routes = APIRouter(tags=["webhooks"])

    @routes.post(
        "/receipts",
        status_code=204,
        response_class=Response,
        summary="Pigeon delivery receipt",
        description="Pigeon reports a text's state, signed with `Pigeon-Signature`.",
    )
    async def receipt(request: Request) -> Response:
        body = await request.body()
        receipt = receipt_of(body)
        account = await run_in_threadpool(
            host.account_of_message, str(receipt.get("id", "")), receipt.get("reference")
        )
        verify(body, request.headers.get(SIGNATURE_HEADER, ""), account, settings)
        await run_in_threadpool(host.record_status, report_of(receipt))
        return Response(status_code=204)

    return routes
