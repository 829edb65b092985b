"""The tenant isolation matrix: every route of the application, tried by tenant B against
tenant A's objects, gives B a 404 or B's own (empty) view and never one of A's bytes.

The matrix is built from the application's routes, so a route added without an entry here
fails the suite; so does a route that takes neither an API key, a dashboard session nor a
provider's signature, unless it is listed as public with the reason.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from sqlalchemy.orm import Session

from app.auth import Scope, authenticate
from app.clock import FrozenClock
from app.main import create_app
from app.manage.public import borrower_link
from app.ops.endpoints import _signed_in
from app.optouts.public import signed_link
from app.visits.endpoints import _signed_task
from channels.registry import discover
from tests.conftest import DispatcherFactory, Server, Tenant, app_providers, app_settings
from tests.factories import customer, reminder
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.ops import issue_key, sign_in
from tests.servers import serving

pytestmark = pytest.mark.anyio

PUBLIC = {
    ("GET", "/openapi.json"): "the API's description",
    ("GET", "/docs"): "Swagger UI",
    ("GET", "/redoc"): "ReDoc",
    ("GET", "/healthz"): "liveness probe, says nothing of tenants",
    ("GET", "/readyz"): "readiness probe: migrations and the dispatcher's heartbeat",
    ("GET", "/metrics"): "Prometheus; guarded by its own token setting, not by tenant",
    ("GET", "/ops"): "redirects to the dashboard or its sign-in",
    ("GET", "/ops/login"): "the sign-in form",
    ("POST", "/ops/login"): "signs in with an API key",
    ("POST", "/ops/logout"): "ends whatever session the cookie names",
}
"""Routes anyone may call, and why."""

GUARDS = (authenticate, _signed_in, signed_link, _signed_task, borrower_link)
"""An API key, a dashboard session, an unsubscribe link Nudge signed, the tenant's webhook
signature or a borrower link Nudge issued: every other route needs one, except a provider
plugin's own."""


def plugin_route(path: str) -> bool:
    """A provider plugin's callback routes check the provider's signature themselves (the
    plugin knows its provider's scheme); MATRIX shows each refusing a post it did not sign."""
    plugins = [name for name, plugin in discover().items() if plugin.routes is not None]
    return any(path.startswith(f"/v1/webhooks/{name}/") for name in plugins)


def routes(app: FastAPI) -> set[tuple[str, str]]:
    return {
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        for method in context.methods or ()
        if method != "HEAD"
    }


def _guarded(dependant: Dependant | None) -> bool:
    if dependant is None:
        return False
    return dependant.call in GUARDS or any(_guarded(d) for d in dependant.dependencies)


def unguarded(app: FastAPI) -> set[tuple[str, str]]:
    """Routes that no guard protects and that are not public by design."""
    return {
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        for method in context.methods or ()
        if method != "HEAD"
        and (method, context.path) not in PUBLIC
        and not plugin_route(context.path)
        and not _guarded(getattr(context, "dependant", None))
    }


def test_a_route_without_a_guard_fails_the_matrix() -> None:
    app = create_app(app_settings("sqlite:///:memory:"))
    assert unguarded(app) == set()

    @app.get("/v1/leaky")
    def leaky() -> dict[str, str]:  # a throwaway route that forgot its API key
        return {"everything": "of every tenant"}

    assert unguarded(app) == {("GET", "/v1/leaky")}
    assert ("GET", "/v1/leaky") not in MATRIX


@dataclass(frozen=True)
class Alpha:
    """Tenant A's objects, and the strings that must never reach tenant B."""

    reminder_id: str
    attempt_id: str
    opt_out_id: str
    secrets: tuple[str, ...]
    tenant_id: str


A_REF, A_LOAN, A_PHONE = "alpha-cust-7731", "alpha-loan-7731", "+8613800007731"
A_POLICY, A_TEMPLATE = "alpha-policy", "alpha-template"
A_TEMPLATE_BODY = {
    "variables": {"amount": {"type": "money", "required": True}},
    "variants": [{"channel": "sms", "locale": "zh-CN", "body": "Alpha：{{ amount | money }}"}],
}
A_TWILIO_SID, A_TWILIO_NUMBER = "AC7731" + "0" * 28, "+15005557731"
A_TWILIO = {
    "account_sid": A_TWILIO_SID,
    "auth_token": "Alpha7731tokenQ9vX2mKp4RzL8wN3bY6c",
    "from_number": A_TWILIO_NUMBER,
}
B_TWILIO = {
    "account_sid": "AC" + "b" * 32,
    "auth_token": "Beta55tokenH7jD3kS9fG2aZ6xC1vB8nM4",
    "from_number": "+15005550055",
}
B_ALIYUN = {
    "access_key_id": "LTAI5tBeta55Key00055",
    "access_key_secret": "Beta55aliyunW4qT9xK2mP7vL3nZ8c",
    "sign_name": "贝塔小贷",
}
A_PUSH = "/v1/webhooks/aliyun/{a.tenant_id}/" + "0" * 64
"""A's push URL with a token B made up: B cannot make A's, which is keyed with A's secret."""
A_REPORT = {"phone_number": A_PHONE[3:], "success": True, "biz_id": "1^1", "out_id": ""}
A_TEXT = {"phone_number": A_PHONE[3:], "content": "退订", "sequence_id": 1}
B_SMTP = {"host": "127.0.0.1", "port": 2525, "from_address": "beta@example.com"}
B_WEBHOOK = {
    "url": "https://beta.example/nudge",
    "secret": "Beta55webhook-kP3xW9qL2mZ7vN4bR8tY1cF6hJ",
}
A_PLAN, A_PLAN_SECRET, A_RULE = "alpha-plan", "alpha plan 7731", "alpha-rule-7731"
A_PLAN_BODY = {
    "description": A_PLAN_SECRET,
    "steps": [
        {"key": "d0", "offset": "0d", "at": "10:00", "channels": ["sms"], "template": A_TEMPLATE}
    ],
}
B_PLAN_BODY = {**A_PLAN_BODY, "steps": [{**A_PLAN_BODY["steps"][0], "template": "pre-due"}]}
A_SEGMENTS = {"rules": [{"name": A_RULE, "segment": "alpha", "plan": A_PLAN}]}
A_ENROLMENT = {
    "loan_ref": A_LOAN,
    "customer": customer(ref=A_REF, phone=A_PHONE),
    "plan": A_PLAN,
    "due_date": "2026-12-10",
    "amount_due": "100.00",
    "currency": "CNY",
}
A_TIP_SECRET = "alpha tip 7731"
A_TIPS = {
    "tips": [
        {
            "key": "alpha-tip",
            "topic": "budgeting",
            "title": A_TIP_SECRET,
            "body": "Set the repayment aside first.",
            "short": "Set the repayment aside first.",
        }
    ]
}
B_TIPS = {"tips": [{**A_TIPS["tips"][0], "title": "beta tip"}]}
A_GUESSED_LINK = "/m/" + "A" * 20
A_POLICY_BODY = {"windows": {"any": [{"start": "08:00", "end": "21:00"}]}, "description": "alpha"}

Call = Callable[[httpx.Client, Alpha], httpx.Response]
Check = tuple[Call, set[int]]
"""How tenant B calls a route against A's objects, and the statuses B may get."""


def get(path: str) -> Call:
    return lambda client, a: client.get(path.format(a=a))


def post(path: str, body: Any = None) -> Call:
    return lambda client, a: client.post(path.format(a=a), json=body)


def put(path: str, body: Any) -> Call:
    return lambda client, a: client.put(path.format(a=a), json=body)


def patch(path: str, body: Any) -> Call:
    return lambda client, a: client.patch(path.format(a=a), json=body)


def delete(path: str) -> Call:
    return lambda client, a: client.delete(path.format(a=a))


OWN = {200, 202}
"""B acting on its own namespace (a policy or template of the same name is B's own)."""

MATRIX: dict[tuple[str, str], Check] = {
    ("POST", "/v1/reminders"): (
        post("/v1/reminders", reminder(customer=customer(ref=A_REF), loan_ref=A_LOAN)),
        {202},
    ),
    ("POST", "/v1/reminders/batch"): (
        post("/v1/reminders/batch", {"items": [reminder(customer=customer(ref=A_REF))]}),
        {202},
    ),
    ("GET", "/v1/reminders"): (get(f"/v1/reminders?customer_ref={A_REF}"), {200}),
    ("GET", "/v1/reminders/{reminder_id}"): (get("/v1/reminders/{a.reminder_id}"), {404}),
    ("POST", "/v1/reminders/{reminder_id}/cancel"): (
        post("/v1/reminders/{a.reminder_id}/cancel"),
        {404},
    ),
    ("POST", "/v1/reminders/{reminder_id}/resolve"): (
        post("/v1/reminders/{a.reminder_id}/resolve", {"outcome": "sent"}),
        {404},
    ),
    # Loans are named by the lender: B's loan of that name has no pending reminders.
    ("POST", "/v1/loans/{loan_ref}/cancel-reminders"): (
        post(f"/v1/loans/{A_LOAN}/cancel-reminders"),
        {200},
    ),
    # B has no plan of A's name: B's own enrolment of a loan of that name is refused.
    ("POST", "/v1/enrollments"): (post("/v1/enrollments", A_ENROLMENT), {422}),
    ("POST", "/v1/enrollments/batch"): (
        post("/v1/enrollments/batch", {"items": [A_ENROLMENT]}),
        {422},
    ),
    ("GET", "/v1/enrollments/{loan_ref}"): (get(f"/v1/enrollments/{A_LOAN}"), {404}),
    ("PATCH", "/v1/enrollments/{loan_ref}"): (
        patch(f"/v1/enrollments/{A_LOAN}", {"due_date": "2026-12-20"}),
        {404},
    ),
    ("POST", "/v1/loans/{loan_ref}/events"): (
        post(f"/v1/loans/{A_LOAN}/events", {"type": "dispute", "event_id": "beta-1"}),
        {404},
    ),
    ("GET", "/v1/tenant"): (get("/v1/tenant"), {200}),
    ("GET", "/v1/tenant/providers"): (get("/v1/tenant/providers"), {200}),
    ("GET", "/v1/tenant/providers/{name}"): (get("/v1/tenant/providers/twilio"), {404}),
    ("DELETE", "/v1/tenant/providers/{name}"): (delete("/v1/tenant/providers/twilio"), {404}),
    # Hidden from the schema: a provider that is not installed has no account to store.
    ("PUT", "/v1/tenant/providers/{name}"): (put("/v1/tenant/providers/nope", {}), {404}),
    ("PUT", "/v1/tenant/providers/twilio"): (put("/v1/tenant/providers/twilio", B_TWILIO), OWN),
    ("PUT", "/v1/tenant/providers/smtp"): (put("/v1/tenant/providers/smtp", B_SMTP), OWN),
    ("PUT", "/v1/tenant/providers/webhook"): (put("/v1/tenant/providers/webhook", B_WEBHOOK), OWN),
    ("PUT", "/v1/tenant/providers/aliyun"): (put("/v1/tenant/providers/aliyun", B_ALIYUN), OWN),
    ("PUT", "/v1/tenant"): (
        lambda client, a: client.put("/v1/tenant", json=client.get("/v1/tenant").json()),
        {200},
    ),
    ("PUT", "/v1/policies/{name}"): (put(f"/v1/policies/{A_POLICY}", A_POLICY_BODY), OWN),
    ("GET", "/v1/policies"): (get("/v1/policies"), {200}),
    ("GET", "/v1/policies/{name}"): (get(f"/v1/policies/{A_POLICY}"), {404}),
    ("POST", "/v1/policy/evaluate"): (
        post("/v1/policy/evaluate", {"customer_ref": A_REF, "channel": "sms"}),
        {422},
    ),
    ("POST", "/v1/opt-outs"): (post("/v1/opt-outs", {"phone": A_PHONE, "channel": "sms"}), {201}),
    ("GET", "/v1/opt-outs"): (get(f"/v1/opt-outs?phone=%2B{A_PHONE[1:]}"), {200}),
    ("DELETE", "/v1/opt-outs/{opt_out_id}"): (delete("/v1/opt-outs/{a.opt_out_id}"), {404}),
    # The link's token is the credential: B can only present one Nudge did not sign for A.
    ("GET", "/v1/unsubscribe/{token}"): (get("/v1/unsubscribe/{a.opt_out_id}.00"), {404}),
    ("POST", "/v1/unsubscribe/{token}"): (post("/v1/unsubscribe/{a.opt_out_id}.00"), {404}),
    ("GET", "/v1/customers/{ref}"): (get(f"/v1/customers/{A_REF}"), {404}),
    ("PUT", "/v1/customers/{ref}/preferences"): (
        put(f"/v1/customers/{A_REF}/preferences", {"channels_off": ["sms"]}),
        {404},
    ),
    ("GET", "/v1/audit/verify"): (get("/v1/audit/verify"), {200}),
    ("GET", "/v1/templates"): (get("/v1/templates"), {200}),
    ("GET", "/v1/templates/_lint"): (get("/v1/templates/_lint"), {200}),
    ("GET", "/v1/tips"): (get("/v1/tips"), {200}),
    # B reads the starters where A has saved its own, and saves its own library.
    ("GET", "/v1/tips/{locale}"): (get("/v1/tips/en-GB"), {200}),
    ("PUT", "/v1/tips/{locale}"): (put("/v1/tips/en-GB", B_TIPS), OWN),
    ("PUT", "/v1/templates/_lint"): (put("/v1/templates/_lint", {}), {200}),
    ("PUT", "/v1/templates/{key}"): (put(f"/v1/templates/{A_TEMPLATE}", A_TEMPLATE_BODY), OWN),
    ("GET", "/v1/templates/{key}"): (get(f"/v1/templates/{A_TEMPLATE}"), {404}),
    ("GET", "/v1/templates/{key}/versions"): (get(f"/v1/templates/{A_TEMPLATE}/versions"), {404}),
    ("POST", "/v1/templates/{key}/preview"): (
        post(
            f"/v1/templates/{A_TEMPLATE}/preview",
            {"channel": "sms", "locale": "zh-CN", "variables": {"amount": "1.00"}},
        ),
        {404},
    ),
    ("PUT", "/v1/plans/{key}"): (put(f"/v1/plans/{A_PLAN}", B_PLAN_BODY), OWN),
    ("GET", "/v1/plans/{key}"): (get(f"/v1/plans/{A_PLAN}"), {404}),
    ("POST", "/v1/plans/{key}/simulate"): (
        post(
            f"/v1/plans/{A_PLAN}/simulate", {"customer": {"ref": A_REF}, "due_date": "2026-12-10"}
        ),
        {404},
    ),
    ("GET", "/v1/segments"): (get("/v1/segments"), {200}),
    # B has no plan of A's plan's name, so B cannot map a segment to it.
    ("PUT", "/v1/segments"): (put("/v1/segments", A_SEGMENTS), {422}),
    # Twilio's webhooks carry no tenant: the tenant is the attempt's, found by the signed sid.
    ("POST", "/v1/webhooks/twilio/status"): (post("/v1/webhooks/twilio/status"), {403}),
    ("POST", "/v1/webhooks/twilio/inbound"): (post("/v1/webhooks/twilio/inbound"), {403}),
    # Aliyun's pushes carry no signature: the URL's token, keyed with A's secret, is A's.
    ("POST", "/v1/webhooks/aliyun/{tenant_id}/{token}/report"): (
        post(A_PUSH + "/report", [A_REPORT]),
        {403},
    ),
    ("POST", "/v1/webhooks/aliyun/{tenant_id}/{token}/up"): (post(A_PUSH + "/up", [A_TEXT]), {403}),
    # A visit's outcome carries no key: only the signature of the task's own tenant counts.
    ("POST", "/v1/webhooks/tasks/{task_id}/outcome"): (
        post("/v1/webhooks/tasks/{a.reminder_id}/outcome", {"outcome": "visited"}),
        {401},
    ),
    ("GET", "/v1/deliveries"): (get(f"/v1/deliveries?customer_ref={A_REF}"), {200}),
    ("GET", "/v1/deliveries.csv"): (get("/v1/deliveries.csv"), {200}),
    ("GET", "/v1/deliveries/{delivery_id}"): (get("/v1/deliveries/{a.attempt_id}"), {404}),
    ("GET", "/v1/stats/deliveries"): (get("/v1/stats/deliveries?group_by=channel"), {200}),
    ("GET", "/v1/stats/outcomes"): (
        get("/v1/stats/outcomes?group_by=plan,step,arm,channel,segment"),
        {200},
    ),
    ("DELETE", "/v1/customers/{ref}/links"): (delete(f"/v1/customers/{A_REF}/links"), {404}),
    # The borrower page takes no key: its link is the credential, and B has none of A's.
    ("GET", "/m/{link}"): (get(A_GUESSED_LINK), {404}),
    ("POST", "/m/{link}/channels"): (post(A_GUESSED_LINK + "/channels"), {404}),
    ("POST", "/m/{link}/times"): (post(A_GUESSED_LINK + "/times"), {404}),
    ("POST", "/m/{link}/language"): (post(A_GUESSED_LINK + "/language"), {404}),
    ("POST", "/m/{link}/hardship"): (post(A_GUESSED_LINK + "/hardship"), {404}),
    ("GET", "/ops/deliveries"): (get("/ops/deliveries"), {200}),
    ("GET", "/ops/reminders/{reminder_id}"): (get("/ops/reminders/{a.reminder_id}"), {404}),
    ("GET", "/ops/chart"): (get("/ops/chart"), {200}),
    ("GET", "/ops/backlog"): (get("/ops/backlog"), {200}),
    ("GET", "/ops/outcomes"): (get("/ops/outcomes?group_by=plan&group_by=arm"), {200}),
}


EMPTY_FOR_B: dict[tuple[str, str], Callable[[Any], bool]] = {
    ("GET", "/v1/reminders"): lambda body: body["items"] == [],
    ("GET", "/v1/opt-outs"): lambda body: body["items"] == [],
    ("GET", "/v1/deliveries"): lambda body: body["items"] == [],
    ("GET", "/v1/stats/deliveries"): lambda body: body["total"]["attempts"] == 0,
    ("GET", "/v1/stats/outcomes"): lambda body: body["groups"] == [],
    ("GET", "/v1/audit/verify"): lambda body: body["entries"] == 0,
    ("GET", "/v1/tenant/providers"): lambda body: body == [],
    ("GET", "/v1/segments"): lambda body: body["rules"] == [],
    ("GET", "/v1/tips"): lambda body: body == [],
    ("GET", "/v1/tips/{locale}"): lambda body: body["source"] == "starter",
}
"""Listings and counts that must show B nothing at all: A's rows are not B's."""


@pytest.fixture(scope="module")
def server(database_url: str, clock: FrozenClock) -> Iterator[Server]:
    """Served over plain http, as the dashboard tests are, so session cookies are sent."""
    settings = app_settings(database_url, public_url="http://127.0.0.1")
    app = create_app(settings, clock, app_providers(settings))
    with serving(app) as url:
        yield Server(url=url, app=app)


@pytest.fixture
async def alpha(
    new_tenant: Callable[[str], Tenant], make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> tuple[Tenant, Alpha]:
    a = new_tenant("alpha")
    body = reminder(customer=customer(ref=A_REF, phone=A_PHONE), loan_ref=A_LOAN, channels=["sms"])
    reminder_id = a.client.post("/v1/reminders", json=body).json()["id"]
    await make_dispatcher().run_once()
    [attempt] = a.client.get(f"/v1/reminders/{reminder_id}").json()["attempts"]
    opt_out = a.client.post("/v1/opt-outs", json={"customer_ref": A_REF, "channel": "voice"})
    assert a.client.put(f"/v1/policies/{A_POLICY}", json=A_POLICY_BODY).status_code == 200
    assert a.client.put(f"/v1/templates/{A_TEMPLATE}", json=A_TEMPLATE_BODY).status_code == 200
    assert a.client.put(f"/v1/plans/{A_PLAN}", json=A_PLAN_BODY).status_code == 200
    assert a.client.put("/v1/segments", json=A_SEGMENTS).status_code == 200
    assert a.client.put("/v1/tips/en-GB", json=A_TIPS).status_code == 200
    assert opt_out.status_code == 201, opt_out.text
    opt_out_id = opt_out.json()["id"]
    enrolled = a.client.post("/v1/enrollments", json=A_ENROLMENT)
    assert enrolled.status_code == 201, enrolled.text
    own = a.client.put("/v1/tenant/providers/twilio", json=A_TWILIO)
    assert own.status_code == 200, own.text
    stated = a.client.put(f"/v1/customers/{A_REF}/preferences", json={"preferred": ["sms"]})
    assert stated.status_code == 200, stated.text
    secrets = (A_REF, A_LOAN, A_PHONE[3:], reminder_id, attempt["id"], opt_out_id)
    secrets += (A_TWILIO_SID, A_TWILIO_NUMBER, A_TWILIO["auth_token"], A_PLAN_SECRET, A_RULE)
    secrets += (A_TIP_SECRET,)
    return a, Alpha(reminder_id, attempt["id"], opt_out_id, secrets, str(a.id))


def test_the_matrix_covers_every_route_that_is_not_public(server: Server) -> None:
    assert routes(server.app) - PUBLIC.keys() == MATRIX.keys()
    assert unguarded(server.app) == set()


@pytest.mark.parametrize("route", sorted(MATRIX), ids=" ".join)
async def test_tenant_b_never_reaches_tenant_a(
    route: tuple[str, str],
    alpha: tuple[Tenant, Alpha],
    new_tenant: Callable[[str], Tenant],
    server: Server,
    db: Session,
    clock: FrozenClock,
) -> None:
    a, objects = alpha
    b = new_tenant("beta")
    call, allowed = MATRIX[route]
    if route[1].startswith("/ops"):
        with httpx.Client(base_url=server.url, timeout=30) as browser:
            assert sign_in(browser, issue_key(db, clock, b, Scope.ADMIN)).status_code == 303
            response = call(browser, objects)
    else:
        response = call(b.client, objects)
    assert response.status_code in allowed, response.text
    sent = str(response.request.url) + response.request.content.decode()
    for secret in objects.secrets:
        if secret not in sent:  # B's own names may come back to B
            assert secret not in response.text, f"{route} showed tenant A's {secret!r}"
    if route in EMPTY_FOR_B:
        assert EMPTY_FOR_B[route](response.json()), response.text
    after = a.client.get(f"/v1/reminders/{objects.reminder_id}").json()
    assert after["status"] == "sent", "B changed A's reminder"
    assert a.client.get(f"/v1/policies/{A_POLICY}").json()["policy"]["description"] == "alpha"
    assert a.client.get(f"/v1/templates/{A_TEMPLATE}").json()["version"] == 1
    assert a.client.get("/v1/tips/en-GB").json()["tips"][0]["title"] == A_TIP_SECRET
    enrolment = a.client.get(f"/v1/enrollments/{A_LOAN}").json()
    assert (enrolment["status"], enrolment["due_date"]) == ("active", "2026-12-10")
    account = a.client.get("/v1/tenant/providers/twilio").json()
    assert account["settings"]["account_sid"] == A_TWILIO_SID, "B changed A's Twilio account"
    stated = a.client.get(f"/v1/customers/{A_REF}").json()["preferences"]
    assert (stated["channels_off"], stated["preferred"]) == ([], ["sms"]), "B changed A's say"
