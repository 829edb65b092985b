"""A fake Pigeon SMS API on a loopback port, speaking the wire format tests/plugins/nudge_pigeon
was written against: `POST /v1/messages` with a bearer key and a JSON body, answered 201 with
the message's id and state (401 for a key it does not know). It keeps every request, and signs
receipts the way Pigeon does."""

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.servers import serving


@dataclass(frozen=True)
class Sent:
    api_key: str
    document: dict[str, Any]
    id: str


@dataclass
class FakePigeon:
    keys: set[str] = field(default_factory=set)
    """The API keys of the accounts it serves."""
    url: str = ""
    received: list[Sent] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/messages")
        async def send(request: Request) -> JSONResponse:
            api_key = request.headers.get("authorization", "").removeprefix("Bearer ")
            if api_key not in self.keys:
                return JSONResponse({"error": "unknown API key"}, status_code=401)
            sent = Sent(api_key, await request.json(), "pg-" + secrets.token_hex(8))
            self.received.append(sent)
            return JSONResponse({"id": sent.id, "state": "accepted"}, status_code=201)

        return app


def receipt(secret: str, **fields: str) -> tuple[bytes, dict[str, str]]:
    """A receipt's body and headers as Pigeon posts them, signed with `secret`."""
    body = json.dumps(fields).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "Pigeon-Signature": signature}


@contextmanager
def fake_pigeon(*keys: str) -> Iterator[FakePigeon]:
    fake = FakePigeon(set(keys))
    with serving(fake.app()) as url:
        fake.url = f"{url}/v1"
        yield fake
