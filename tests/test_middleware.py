"""Text no database can store or no answer can encode is refused at the edge: a NUL character,
a lone surrogate, or NaN is a 422 naming the field, before any endpoint runs, on both
databases, and the 422 itself always encodes."""

import json
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from app.models.customers import Customer
from app.models.inbound import InboundMessage
from app.models.optouts import OptOut
from app.models.policy import PolicyRecord
from app.models.reminders import Reminder
from app.models.templates import TemplateVersion
from app.models.tenants import Tenant as TenantRow
from app.ops import endpoints as ops
from tests.conftest import Server, Tenant
from tests.factories import customer, reminder
from tests.helpers.twilio import INBOUND_PATH, signature

NUL = "a\x00b"
LONE = "\udfff"
"""Half of a UTF-16 surrogate pair: JSON may spell it ("\\udfff"), no encoder can write it."""
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def as_json(body: Any) -> dict[str, Any]:
    """Request arguments sending `body` as JSON with every non-ASCII character escaped: how a
    client sends a lone surrogate or NaN, which no encoder writes raw."""
    return {"content": json.dumps(body).encode(), "headers": JSON}


def signed_form(path: str, form: dict[str, str]) -> dict[str, Any]:
    return {"data": form, "headers": {"X-Twilio-Signature": signature(path, form)}}


TEXT_CASES: list[tuple[str, str, str, dict[str, Any], str]] = [
    (
        "customer ref",
        "POST",
        "/v1/reminders",
        as_json(reminder(customer=customer(ref=NUL))),
        "customer.ref",
    ),
    ("loan ref", "POST", "/v1/reminders", as_json(reminder(loan_ref=NUL)), "loan_ref"),
    (
        "batch item",
        "POST",
        "/v1/reminders/batch",
        as_json({"items": [reminder(), reminder(loan_ref=NUL)]}),
        "items.1.loan_ref",
    ),
    (
        "checked field quoting its input",
        "POST",
        "/v1/reminders",
        as_json(reminder(customer=customer(locale=LONE))),
        "customer.locale",
    ),
    (
        "metadata value",
        "POST",
        "/v1/reminders",
        as_json(reminder(metadata={"note": NUL})),
        "metadata.note",
    ),
    (
        "metadata key",
        "POST",
        "/v1/reminders",
        as_json(reminder(metadata={LONE: "x"})),
        "metadata.\\udfff",
    ),
    (
        "NaN",
        "POST",
        "/v1/reminders",
        as_json(reminder(metadata={"score": float("nan")})),
        "metadata.score",
    ),
    (
        "infinity",
        "POST",
        "/v1/reminders/batch",
        as_json({"items": [reminder(metadata={"score": float("-inf")})]}),
        "items.0.metadata.score",
    ),
    (
        "number too large for a float",
        "POST",
        "/v1/reminders",
        {
            "content": json.dumps(reminder(metadata={"score": 1}))
            .replace('"score": 1', '"score": 1e999')
            .encode(),
            "headers": JSON,
        },
        "metadata.score",
    ),
    (
        "surrogate written as UTF-8 bytes",
        "POST",
        "/v1/reminders",
        {
            "content": json.dumps(reminder(loan_ref="x"), ensure_ascii=False)
            .encode()
            .replace(b'"x"', b'"\xed\xbf\xbf"'),
            "headers": JSON,
        },
        "loan_ref",
    ),
    (
        "UTF-16 body",
        "POST",
        "/v1/reminders",
        {"content": json.dumps(reminder(loan_ref=NUL)).encode("utf-16"), "headers": JSON},
        "loan_ref",
    ),
    (
        "opt-out ref",
        "POST",
        "/v1/opt-outs",
        as_json({"customer_ref": NUL, "channel": "sms"}),
        "customer_ref",
    ),
    ("tenant display name", "PUT", "/v1/tenant", as_json({"display_name": NUL}), "display_name"),
    (
        "template text",
        "PUT",
        "/v1/templates/due-soon",
        as_json({"variants": [{"channel": "sms", "locale": "en-US", "body": NUL}]}),
        "variants.0.body",
    ),
    ("policy description", "PUT", "/v1/policies/p", as_json({"description": NUL}), "description"),
    (
        "reminder filter",
        "GET",
        "/v1/reminders",
        {"params": {"customer_ref": NUL}},
        "query.customer_ref",
    ),
    ("delivery filter", "GET", "/v1/deliveries", {"params": {"loan_ref": NUL}}, "query.loan_ref"),
    (
        "opt-out filter",
        "GET",
        "/v1/opt-outs",
        {"params": {"customer_ref": NUL}},
        "query.customer_ref",
    ),
    ("path parameter", "POST", "/v1/loans/a%00b/cancel-reminders", {}, "path"),
    (
        "twilio form",
        "POST",
        INBOUND_PATH,
        signed_form(INBOUND_PATH, {"From": "+8613812345678", "Body": NUL, "MessageSid": "SM1"}),
        "Body",
    ),
    ("ops sign-in form", "POST", "/ops/login", {"data": {"api_key": NUL}}, "api_key"),
]


def stored(db: Session) -> dict[str, Any]:
    """Everything a request could have written."""
    db.rollback()  # see what the server committed
    tables = (Customer, Reminder, OptOut, InboundMessage, PolicyRecord, TemplateVersion)
    counts = {t.__name__: db.scalar(sa.select(sa.func.count()).select_from(t)) for t in tables}
    return counts | {"tenants": sorted(db.scalars(sa.select(TenantRow.display_name)))}


@pytest.mark.parametrize(
    ("case", "method", "path", "request_", "field"),
    TEXT_CASES,
    ids=[case[0] for case in TEXT_CASES],
)
def test_unstorable_text_is_a_422_naming_the_field_and_nothing_is_stored(
    tenant: Tenant,
    db: Session,
    case: str,
    method: str,
    path: str,
    request_: dict[str, Any],
    field: str,
) -> None:
    # A customer the Twilio form's number belongs to, and a loan to cancel.
    assert tenant.client.post("/v1/reminders", json=reminder()).status_code == 202
    before = stored(db)
    response = tenant.client.request(method, path, **request_)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert stored(db) == before


def test_a_nul_in_a_header_never_reaches_an_endpoint(server: Server) -> None:
    """HTTP clients refuse to send one; a raw request is stopped by the server or by Nudge."""
    address = urlsplit(server.url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as raw:
        raw.sendall(b"GET /v1/reminders HTTP/1.1\r\nHost: x\r\nIdempotency-Key: a\x00b\r\n\r\n")
        status_line = raw.recv(64).split(b"\r\n")[0]
    assert status_line.split()[1] in (b"400", b"422")


def every_route(app: FastAPI) -> list[tuple[str, str, list[str], list[str]]]:
    """(method, path, path parameters, query parameters) of each route: those the OpenAPI
    document lists, and the dashboard's, which it leaves out."""
    routes = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            routes.append(
                (
                    method.upper(),
                    path,
                    [p["name"] for p in parameters if p["in"] == "path"],
                    [p["name"] for p in parameters if p["in"] == "query"],
                )
            )
    for route in ops.router.routes:
        assert isinstance(route, APIRoute)
        path_names = [param.name for param in route.dependant.path_params]
        query_names = [param.name for param in route.dependant.query_params]
        routes += [(method, route.path, path_names, query_names) for method in route.methods]
    return routes


def fill(path: str, names: list[str], value: str) -> str:
    for name in names:
        path = path.replace("{" + name + "}", value)
    return path


@pytest.mark.parametrize(
    ("kind", "field"),
    [("query", None), ("path", "path"), ("json body", "probe"), ("form body", "probe")],
)
def test_every_route_refuses_nul_and_lone_surrogates_with_a_problem(
    server: Server, anonymous: httpx.Client, kind: str, field: str | None
) -> None:
    """The attack: each route, with a NUL or a lone surrogate in each kind of input."""
    wrong = []
    for method, template, path_names, query_names in every_route(server.app):
        path, request, fields = fill(template, path_names, "x"), {}, [field]
        if kind == "query":
            names = query_names or ["probe"]
            request = {"params": dict.fromkeys(names, NUL)}
            fields = [f"query.{name}" for name in names]
        elif kind == "path":
            if not path_names:
                continue
            path = fill(template, path_names, "a%00b")
        elif kind == "json body":
            request = {"content": b'{"probe": "\\udfff"}', "headers": JSON}
        else:
            request = {"content": b"probe=a%00b", "headers": FORM}
        response = anonymous.request(method, path, **request)
        answer = (
            response.status_code,
            response.headers["content-type"],
            [error["field"] for error in response.json().get("errors", [])],
        )
        if answer != (422, "application/problem+json", fields):
            wrong.append((method, template, answer))
    assert wrong == []
