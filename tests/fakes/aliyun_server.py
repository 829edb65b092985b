"""A fake Aliyun SMS API (Dysmsapi 2017-05-25) speaking Aliyun's wire format on loopback.

The official SDK sends `SendSms` as a POST to `/` with the action and version in the
`x-acs-action` and `x-acs-version` headers, the action's parameters in the query string, and
an `Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=...,Signature=...`
header (Aliyun's V3 signature over the canonical request: method, path, sorted query, signed
headers, body hash). The fake recomputes that signature with the account's AccessKey secret,
so a wrong secret gets `SignatureDoesNotMatch`; an unknown key `InvalidAccessKeyId.NotFound`; a
sign name or template code the account has no approval for `isv.SMS_SIGNATURE_ILLEGAL` /
`isv.SMS_TEMPLATE_ILLEGAL`; parameters that leave a `${...}` unfilled
`isv.TEMPLATE_MISSING_PARAMETERS`. It renders what the carrier would deliver and keeps every
request. Tests script other answers (`isv.BUSINESS_LIMIT_CONTROL`, a 503...).

It also builds the JSON arrays Aliyun's HTTP batch push posts (`SmsReport`, `SmsUp`).
"""

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.scripted import Script
from tests.servers import serving

PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


@dataclass(frozen=True)
class Reply:
    """One scripted answer; the default checks the request and accepts it."""

    code: str = "OK"
    message: str = "OK"
    status: int = 200
    hang: bool = False


@dataclass
class Account:
    secret: str
    sign_names: set[str]
    templates: dict[str, str]
    """Approved template code -> approved text with `${name}` parameters."""


@dataclass(frozen=True)
class Received:
    access_key_id: str
    params: dict[str, str]
    """The action's parameters, as the query string carried them."""
    rendered: str | None
    """What the carrier would deliver (`【sign】text`), when Aliyun accepted it."""
    biz_id: str | None


ALGORITHM = "ACS3-HMAC-SHA256"
AUTHORIZATION = re.compile(
    ALGORITHM
    + r" Credential=(?P<key>[^,]*),SignedHeaders=(?P<headers>[^,]*),Signature=(?P<sig>\w*)"
)


def v3_signature(
    *,
    method: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    body: bytes,
    signed: list[str],
    secret: str,
) -> str:
    """Aliyun's V3 signature: HMAC-SHA256, under the secret, of the algorithm's name and the
    SHA-256 of the canonical request."""
    canonical_query = "&".join(f"{key}={quote(query[key], safe='~')}" for key in sorted(query))
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed)
    canonical = "\n".join(
        [
            method,
            path,
            canonical_query,
            canonical_headers,
            ";".join(signed),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


@dataclass
class FakeAliyun:
    url: str = ""
    accounts: dict[str, Account] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    script: Script[Reply] = field(default_factory=lambda: Script(Reply()))

    def add_account(
        self, access_key_id: str, secret: str, *, sign_name: str, templates: dict[str, str]
    ) -> None:
        self.accounts[access_key_id] = Account(secret, {sign_name}, dict(templates))

    def answer(self, *replies: Reply) -> None:
        self.script.answer(*replies)

    def reset(self) -> None:
        self.received.clear()
        self.accounts.clear()
        self.script.reset()

    def _check(
        self, key: str, params: dict[str, str], signature: Callable[[str], str], given: str
    ) -> tuple[int, str, str] | None:
        """Aliyun's own refusals, in the order it makes them."""
        account = self.accounts.get(key)
        if account is None:
            return 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
        if not secrets.compare_digest(signature(account.secret), given):
            return 400, "SignatureDoesNotMatch", "Specified signature is not matched."
        if params.get("SignName") not in account.sign_names:
            return 200, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名"
        approved = account.templates.get(params.get("TemplateCode", ""))
        if approved is None:
            return 200, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板"
        given = json.loads(params.get("TemplateParam") or "{}")
        if set(PLACEHOLDER.findall(approved)) - set(given):
            return 200, "isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量"
        if not re.fullmatch(r"1\d{10}|00\d{6,15}", params.get("PhoneNumbers", "")):
            return 200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"
        return None

    def _rendered(self, key: str, params: dict[str, str]) -> str:
        account = self.accounts[key]
        given = json.loads(params.get("TemplateParam") or "{}")
        text = PLACEHOLDER.sub(
            lambda m: str(given[m.group(1)]), account.templates[params["TemplateCode"]]
        )
        return f"【{params['SignName']}】{text}"

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/")
        async def rpc(request: Request) -> JSONResponse:
            params = dict(parse_qsl(request.url.query, keep_blank_values=True))
            body = await request.body()
            request_id = secrets.token_hex(8).upper()
            if request.headers.get("x-acs-action") != "SendSms":
                return JSONResponse({"Code": "InvalidAction.NotFound"}, status_code=404)
            found = AUTHORIZATION.fullmatch(request.headers.get("authorization", ""))
            key = found["key"] if found else ""
            headers = {name.lower(): value for name, value in request.headers.items()}

            def signature(secret: str) -> str:
                return v3_signature(
                    method=request.method,
                    path=request.url.path,
                    query=params,
                    headers=headers,
                    body=body,
                    signed=found["headers"].split(";") if found else [],
                    secret=secret,
                )

            refusal = self._check(key, params, signature, found["sig"] if found else "")
            reply = await self.script.next() if refusal is None else None
            if refusal is None and reply is not None and reply.code != "OK":
                refusal = reply.status, reply.code, reply.message
            if refusal is not None:
                self.received.append(Received(key, params, None, None))
                status, code, message = refusal
                answer = {"Code": code, "Message": message, "RequestId": request_id}
                return JSONResponse(answer, status_code=status)
            biz_id = f"{secrets.randbelow(10**6):06d}^{secrets.randbelow(10**10):010d}"
            rendered = self._rendered(key, params)
            self.received.append(Received(key, params, rendered, biz_id))
            body = {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id}
            return JSONResponse(body)

        return app


def report(
    *,
    biz_id: str,
    out_id: str,
    phone: str,
    success: bool,
    err_code: str = "DELIVERED",
    err_msg: str = "用户接收成功",
) -> dict[str, Any]:
    """One `SmsReport` item as Aliyun's HTTP batch push posts it (in a JSON array)."""
    return {
        "phone_number": phone,
        "send_time": "2026-01-05 09:00:00",
        "report_time": "2026-01-05 09:00:05",
        "success": success,
        "err_code": err_code,
        "err_msg": err_msg,
        "sms_size": "1",
        "biz_id": biz_id,
        "out_id": out_id,
    }


def uplink(*, phone: str, content: str, sign_name: str, sequence_id: int) -> dict[str, Any]:
    """One `SmsUp` item: a customer's reply to the lender's messages."""
    return {
        "phone_number": phone,
        "send_time": "2026-01-05 09:30:00",
        "content": content,
        "sign_name": sign_name,
        "dest_code": "1234",
        "sequence_id": sequence_id,
    }


@contextmanager
def fake_aliyun() -> Iterator[FakeAliyun]:
    fake = FakeAliyun()
    with serving(fake.app()) as url:
        fake.url = url
        try:
            yield fake
        finally:
            fake.script.released.set()
