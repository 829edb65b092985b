"""A fake Twilio REST API speaking Twilio's wire format, served on a loopback port.

It takes form-encoded POSTs to the Messages and Calls resources under
`/2010-04-01/Accounts/{sid}/`, checks HTTP Basic auth, answers 201 with Twilio-shaped JSON or
with Twilio error bodies, and keeps every request it received. Tests script what the next
answers are: an error code, a 429 with Retry-After, a 500, or a hang until released.
"""

import base64
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.scripted import Script
from tests.servers import serving

PREFIXES = {"Messages": "SM", "Calls": "CA"}


@dataclass(frozen=True)
class Reply:
    """One scripted answer; the default is a created resource."""

    status: int = 201
    code: int | None = None
    message: str = ""
    retry_after: str | None = None
    hang: bool = False
    price: str | None = None
    sid: str | None = None
    """The id the created resource gets; a random one when None. A test that must send a
    callback before the dispatcher has recorded the answer knows the id in advance."""


@dataclass(frozen=True)
class Received:
    resource: str
    account_sid: str
    form: dict[str, str]
    authorized: bool


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    url: str = ""
    received: list[Received] = field(default_factory=list)
    script: Script[Reply] = field(default_factory=lambda: Script(Reply()))
    other_accounts: dict[str, str] = field(default_factory=dict)
    """More accounts it serves, SID -> auth token: the tenants' own accounts."""

    def add_account(self, account_sid: str, auth_token: str) -> None:
        self.other_accounts[account_sid] = auth_token

    def answer(self, *replies: Reply) -> None:
        """The next requests get these answers, in order; then created resources again."""
        self.script.answer(*replies)

    def reset(self) -> None:
        self.received.clear()
        self.script.reset()
        self.other_accounts.clear()

    def _authorized(self, header: str | None, account_sid: str) -> bool:
        """Basic auth with the SID in the path and that account's token."""
        tokens = {self.account_sid: self.auth_token} | self.other_accounts
        if account_sid not in tokens:
            return False
        expected = base64.b64encode(f"{account_sid}:{tokens[account_sid]}".encode()).decode()
        return secrets.compare_digest(header or "", f"Basic {expected}")

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/2010-04-01/Accounts/{account_sid}/{resource}.json")
        async def create(account_sid: str, resource: str, request: Request) -> JSONResponse:
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
            authorized = self._authorized(request.headers.get("authorization"), account_sid)
            self.received.append(Received(resource, account_sid, form, authorized))
            if not authorized:
                return error(401, 20003, "Authenticate")
            reply = await self.script.next()
            if reply.status == 429:
                headers = {"Retry-After": reply.retry_after} if reply.retry_after else {}
                return error(429, 20429, "Too Many Requests", headers)
            if reply.status >= 500:
                return error(reply.status, 20500, "An internal server error has occurred")
            if reply.code is not None:
                return error(reply.status, reply.code, reply.message)
            return JSONResponse(created(resource, account_sid, form, reply), status_code=201)

        return app


def error(
    status: int, code: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return JSONResponse(body, status_code=status, headers=headers)


def created(
    resource: str, account_sid: str, form: dict[str, str], reply: Reply
) -> dict[str, object]:
    sid = reply.sid or PREFIXES[resource] + secrets.token_hex(16)
    return {
        "sid": sid,
        "account_sid": account_sid,
        "to": form.get("To"),
        "from": form.get("From"),
        "messaging_service_sid": form.get("MessagingServiceSid"),
        "body": form.get("Body"),
        "status": "queued",
        "price": reply.price,
        "price_unit": "USD",
        "error_code": None,
        "error_message": None,
        "api_version": "2010-04-01",
        "uri": f"/2010-04-01/Accounts/{account_sid}/{resource}/{sid}.json",
    }


@contextmanager
def fake_twilio(account_sid: str, auth_token: str) -> Iterator[FakeTwilio]:
    fake = FakeTwilio(account_sid, auth_token)
    with serving(fake.app()) as url:
        fake.url = url
        try:
            yield fake
        finally:
            fake.script.released.set()
