"""A webhook receiver on a loopback port that checks Nudge's signature the way
docs/channels.md tells a third party to, written from the docs rather than from Nudge's code."""

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import trustme
from fastapi import FastAPI, Request, Response

from tests.fakes.scripted import Script
from tests.servers import serving


@dataclass(frozen=True)
class Reply:
    status: int = 204
    retry_after: str | None = None
    hang: bool = False


@dataclass(frozen=True)
class Delivery:
    headers: dict[str, str]
    payload: dict[str, Any]
    signature_valid: bool


@dataclass
class WebhookReceiver:
    secret: bytes
    url: str = ""
    received: list[Delivery] = field(default_factory=list)
    script: Script[Reply] = field(default_factory=lambda: Script(Reply()))

    def reset(self) -> None:
        self.received.clear()
        self.script.reset()

    def verify(self, timestamp: str, signature: str, body: bytes) -> bool:
        signed = f"{timestamp}.".encode() + body
        expected = "v1=" + hmac.new(self.secret, signed, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hooks/nudge")
        async def receive(request: Request) -> Response:
            body = await request.body()
            headers = dict(request.headers)
            valid = self.verify(
                headers.get("nudge-timestamp", ""), headers.get("nudge-signature", ""), body
            )
            self.received.append(Delivery(headers, json.loads(body), valid))
            if not valid:
                return Response(status_code=401)
            reply = await self.script.next()
            extra = {"Retry-After": reply.retry_after} if reply.retry_after else {}
            return Response(status_code=reply.status, headers=extra)

        return app


@contextmanager
def webhook_receiver(
    secret: bytes, *, tls: trustme.LeafCert | None = None
) -> Iterator[WebhookReceiver]:
    """With `tls`, `url` is left http://127.0.0.1: the test puts the certificate's name in."""
    receiver = WebhookReceiver(secret)
    with serving(receiver.app(), tls=tls) as url:
        receiver.url = f"{url}/hooks/nudge"
        try:
            yield receiver
        finally:
            receiver.script.released.set()
