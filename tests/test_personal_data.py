"""No phone number or email address is shown in clear to a key without `pii:read`, on any GET
route (JSON, CSV, dashboard pages), in an error body, or in any line the service logs.

Known contact details are fed in the ways they reach Nudge: as a customer's phone and email,
in a provider error quoting the number (the fake Twilio), in a status callback's error message
(national form), in an inbound reply, in a reminder's variables, in query strings. Then every
GET route of the app is read, and the log the service wrote (JSON lines, uvicorn's access log,
a traceback) is searched.
"""

import logging
import logging.config
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.orm import Session

from app import onboarding
from app.auth import Scope
from app.borrower.links import Issue, ManageLinks, digest
from app.borrower.repository import store
from app.clock import FrozenClock
from app.main import create_app
from app.models.customers import Customer
from app.models.reminders import Reminder
from app.observability import logs
from app.optouts.links import UnsubscribeLinks
from app.preferences import service as preferences
from app.tenants import service as tenants
from tests.conftest import DispatcherFactory, app_providers, app_settings
from tests.factories import reminder
from tests.fakes.twilio_server import FakeTwilio, Reply
from tests.helpers.ops import sign_in
from tests.helpers.twilio import INBOUND_PATH, STATUS_PATH, signature
from tests.servers import serving

pytestmark = pytest.mark.anyio

PHONE, EMAIL = "+8613755501234", "zhao.lei@example.org"
OTHER_PHONE, OTHER_EMAIL = "+8613987654321", "li.na@example.org"
IN_CLEAR = ("13755501234", "zhao.lei@", "zhao.lei%40", "13987654321", "li.na@", "li.na%40")
"""What must never be found: the national digits cover `+86...`, `%2B86...` and Twilio's
national form alike. (Not the numbers of the API's examples, which the docs show.)"""

PUBLIC_URL = "http://127.0.0.1"
"""Plain http, as the dashboard tests use: its session cookie then comes without `Secure`."""

SKIPPED: dict[str, str] = {
    "/v1/audit/verify": "needs `admin`, which implies `pii:read`: no key without it reads it",
    "/v1/tenant/providers": "needs `admin` (it implies `pii:read`); holds no customer's "
    "details, and its secrets are never shown (tests/accounts)",
    "/v1/tenant/providers/{name}": "as /v1/tenant/providers",
}
"""GET routes this test does not read, and why. A route added without a way to fill its path
below fails the test until it is covered or listed here."""
REQUIRED_QUERY = {"/v1/stats/deliveries": "?group_by=template"}
"""Routes that need a query parameter to answer at all."""


def get_routes(app: FastAPI) -> list[str]:
    """Every GET path of the app, routers included (FastAPI nests them as included routers)."""
    paths = []
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        for found in contexts() if contexts else [route]:
            if "GET" in (getattr(found, "methods", None) or ()):
                paths.append(found.path)
    return sorted(set(paths))


def leaks(text: str) -> list[str]:
    return [clear for clear in IN_CLEAR if clear in text]


@pytest.fixture
def logged(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    """The service's own logging (as `nudge serve` sets it up), written to a captured stderr."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield capsys
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)  # it writes to the captured stderr, closed after
    root.setLevel(level)


async def test_no_contact_detail_is_shown_or_logged_in_clear_without_pii_read(
    database_url: str,
    db: Session,
    clock: FrozenClock,
    twilio: FakeTwilio,
    make_dispatcher: DispatcherFactory,
    logged: pytest.CaptureFixture[str],
) -> None:
    settings = app_settings(database_url, public_url=PUBLIC_URL)
    app = create_app(settings, clock, app_providers(settings))
    with serving(app, log_config=logs.config(), log_level="info") as url:
        issued = onboarding.create_tenant(db, name="acme", clock=clock)
        reader_scopes = [s for s in Scope if s not in (Scope.PII_READ, Scope.ADMIN)]
        reader_key = tenants.create_key(
            db, tenant_id=issued.tenant_id, scopes=reader_scopes, clock=clock
        ).secret
        db.commit()
        admin = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {issued.secret}"}, timeout=30
        )
        reader = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {reader_key}"}, timeout=30
        )
        browser = httpx.Client(base_url=url, timeout=30)
        with admin, reader, browser:
            ids = await feed_contact_details(admin, twilio, make_dispatcher)
            ask_for_help_in_own_words(db, clock)
            log_a_database_error(app)

            seen = read_every_get_route(app, ids, reader, browser, reader_key)
            # The data is really there: the same routes show it to a key with pii:read.
            clear = (
                admin.get("/v1/deliveries").text + admin.get(f"/v1/reminders/{ids['failed']}").text
            )
            assert "13755501234" in clear
            assert EMAIL in clear
            customer_page = admin.get(f"/v1/customers/{CUSTOMER_REF}").text
            assert "13755501234" in customer_page
            assert "13987654321" in customer_page  # the borrower's own note

    written = logged.readouterr().err
    assert '"GET /v1/opt-outs?phone=' in written  # uvicorn's access log was captured
    assert "Traceback" in written
    assert "LookupError" in written
    assert "+86 137****1234" in written
    assert {path: found for path, found in seen.items() if found} == {}
    assert leaks(written) == [], [line for line in written.splitlines() if leaks(line)]


async def feed_contact_details(
    admin: httpx.Client, twilio: FakeTwilio, make_dispatcher: DispatcherFactory
) -> dict[str, str]:
    """A send refused with Twilio's error quoting the number, a send whose callback reports a
    failure in national form, an inbound reply with other contact details, and an opt-out."""
    variables = {
        "amount": "1234.50",
        "due_date": "2026-12-01",
        "pay_url": f"https://p.example/?e={EMAIL}",
    }
    customer = reminder()["customer"] | {"phone": PHONE, "email": EMAIL}
    refused = submitted(admin, customer=customer, loan_ref="loan-1", channels=["sms"])
    twilio.answer(
        Reply(
            status=400, code=21211, message=f"The 'To' number {PHONE} is not a valid phone number."
        )
    )
    await make_dispatcher().run_once()

    sid = "SM" + "ab" * 16
    sent = submitted(
        admin, customer=customer, loan_ref="loan-2", channels=["sms"], variables=variables
    )
    twilio.answer(Reply(sid=sid))
    await make_dispatcher().run_once()
    form = {
        "MessageSid": sid,
        "MessageStatus": "undelivered",
        "ErrorCode": "30005",
        "ErrorMessage": "Unknown destination handset 13755501234",
        "To": PHONE,
    }
    assert twilio_posts(admin, f"{STATUS_PATH}?reference={sent}", form).status_code == 200
    inbound = {
        "From": PHONE,
        "To": "+15005550006",
        "Body": f"Paid already. Call my sister on {OTHER_PHONE} or {OTHER_EMAIL}",
        "MessageSid": "SM" + "cd" * 16,
    }
    assert twilio_posts(admin, INBOUND_PATH, inbound).status_code == 200
    made = admin.post("/v1/opt-outs", json={"phone": PHONE, "channel": "sms"})
    assert made.status_code == 201, made.text
    assert admin.post("/v1/opt-outs", json={"email": EMAIL, "channel": "email"}).status_code == 201
    # A plan (no customer in it, named like the template the key routes are read with), and
    # a simulation for the customer, which stores nothing and answers in zones, not contacts.
    step = {"key": "d0", "offset": "0d", "at": "10:00", "channels": ["sms"], "template": "pre-due"}
    assert admin.put("/v1/plans/pre-due", json={"steps": [step]}).status_code == 200
    simulated = admin.post(
        "/v1/plans/pre-due/simulate", json={"customer": customer, "due_date": "2026-12-10"}
    )
    assert simulated.status_code == 200, simulated.text
    assert leaks(simulated.text) == []
    loan = {
        "loan_ref": ENROLLED_LOAN,
        "customer": customer,
        "plan": "pre-due",
        "due_date": "2026-12-10",
        "amount_due": "1234.50",
        "currency": "CNY",
        "variables": {"pay_url": variables["pay_url"]},
    }
    assert admin.post("/v1/enrollments", json=loan).status_code == 201
    delivery = admin.get("/v1/deliveries", params={"reminder_id": refused}).json()["items"][0]
    assert PHONE in delivery["error_message"]
    return {"failed": refused, "sent": sent, "delivery": delivery["id"]}


ENROLLED_LOAN = "loan-enrolled"
CUSTOMER_REF = reminder()["customer"]["ref"]


def ask_for_help_in_own_words(db: Session, clock: FrozenClock) -> None:
    """A hardship request whose note gives other contact details, as a borrower may write."""
    customer_id = db.scalar(sa.select(Customer.id).where(Customer.ref == CUSTOMER_REF))
    assert customer_id is not None
    tenant_id = db.scalar(sa.select(Customer.tenant_id).where(Customer.id == customer_id))
    assert tenant_id is not None
    preferences.request_hardship(
        db,
        tenant_id=tenant_id,
        customer_id=customer_id,
        reason="illness",
        note=f"In hospital; my brother answers on {OTHER_PHONE}, or write to {OTHER_EMAIL}",
        callback=None,
        now=clock.now(),
    )
    db.commit()


def twilio_posts(client: httpx.Client, path: str, form: dict[str, str]) -> httpx.Response:
    signed = signature(path, form, base=PUBLIC_URL)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signed})


def submitted(admin: httpx.Client, **fields: Any) -> str:
    response = admin.post("/v1/reminders", json=reminder(**fields))
    assert response.status_code == 202, response.text
    reminder_id: str = response.json()["id"]
    return reminder_id


def log_a_database_error(app: FastAPI) -> None:
    """What an unexpected error logs: a traceback through a database error whose statement
    was given the number, and an exception quoting it."""
    try:
        with app.state.engine.connect() as connection:
            connection.execute(
                sa.text("SELECT phone FROM no_such_table WHERE phone = :p"), {"p": PHONE}
            )
    except sa.exc.DBAPIError as error:
        try:
            raise LookupError(f"no customer with phone {PHONE} or email {EMAIL}") from error
        except LookupError:
            logging.getLogger("app.errors").exception(
                "unhandled error for %s", PHONE, extra={"customer": {"email": EMAIL}}
            )


def unsubscribe_token(app: FastAPI) -> str:
    """The token of the link the customer's emails carry (their unsubscribe page)."""
    with Session(app.state.engine) as session:
        tenant_id, customer_id = session.execute(
            sa.select(Customer.tenant_id, Customer.id).limit(1)
        ).one()
    link = UnsubscribeLinks(app.state.settings).email(tenant_id=tenant_id, customer_id=customer_id)
    return link.rsplit("/", 1)[1]


def manage_token(app: FastAPI, reminder_id: str) -> str:
    """The token of the borrower link a message of this reminder would carry, stored as the
    dispatcher stores it when the send starts."""
    links = ManageLinks(app.state.settings)
    token = links.token(uuid.UUID(reminder_id))
    with Session(app.state.engine) as session, session.begin():
        sent = session.get_one(Reminder, uuid.UUID(reminder_id))
        now = app.state.clock.now()
        issue = Issue(
            digest(token),
            sent.tenant_id,
            sent.customer_id,
            sent.id,
            issued_at=now,
            expires_at=now + links.lifetime,
        )
        store(session, [issue])
    return token


def read_every_get_route(
    app: FastAPI, ids: dict[str, str], reader: httpx.Client, browser: httpx.Client, key: str
) -> dict[str, list[str]]:
    """Reads each GET route as a key with every scope but `pii:read` (the dashboard through a
    session of that key); returns, per URL, the contact details found in clear."""
    policy = reader.get("/v1/policies").json()
    names = (
        [p["name"] for p in policy]
        if isinstance(policy, list)
        else [p["name"] for p in policy["items"]]
    )
    values = {
        "reminder_id": [ids["failed"], ids["sent"]],
        "delivery_id": [ids["delivery"]],
        "key": ["pre-due"],
        "name": names[:1],
        "token": [unsubscribe_token(app)],
        "link": [manage_token(app, ids["sent"])],
        "loan_ref": [ENROLLED_LOAN],
        "locale": ["zh-CN"],
        "ref": [CUSTOMER_REF],
    }
    assert sign_in(browser, key).status_code == 303
    urls: list[str] = []
    for path in get_routes(app):
        if path in SKIPPED:
            continue
        params = re.findall(r"{(\w+)(?::\w+)?}", path)
        missing = [name for name in params if not values.get(name)]
        assert not missing, f"{path}: no value for {missing}; fill it in or add it to SKIPPED"
        filled = [path]
        for name in params:
            filled = [
                re.sub(rf"{{{name}(?::\w+)?}}", value, url)
                for url in filled
                for value in values[name]
            ]
        urls += [url + REQUIRED_QUERY.get(path, "") for url in filled]
    # Query strings carrying contact details, percent-encoded as clients send them, and an
    # error body that quotes the caller's input.
    urls += [
        f"/v1/opt-outs?phone=%2B{PHONE[1:]}",
        "/v1/opt-outs?email=zhao.lei%40example.org",
        "/v1/opt-outs?phone=13755501234",
    ]
    found = {}
    for url in urls:
        client = browser if url.startswith("/ops") else reader
        response = client.get(url, follow_redirects=True)
        assert response.status_code < 500, (url, response.text)
        if url != "/v1/opt-outs?phone=13755501234":
            assert response.status_code == 200, (url, response.status_code, response.text[:300])
        found[url] = leaks(response.text + str(response.headers))
    return found
