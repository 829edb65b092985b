"""The one-click unsubscribe link every email carries: sent through a real SMTP server
(aiosmtpd), followed on the real service, and refused when it was not Nudge's own."""

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.config import Settings
from app.main import create_app
from app.optouts.links import UnsubscribeLinks
from app.signing import sign
from app.tenants import service as tenants
from tests.conftest import DispatcherFactory, app_providers, app_settings, settings, smtp_options
from tests.factories import reminder
from tests.fakes.smtp_server import Inbox, smtp_server
from tests.servers import serving

pytestmark = pytest.mark.anyio

SECRET_KEY = "Zb3Qy8Lq2Vn5Rt7Wm1Kp4Xs6Hd9Gf0Jc"
PUBLIC = "https://nudge.example"
SENDER = "reminders@lender.example"
EMAIL = "wang.fang@example.com"


@dataclass
class Lender:
    client: httpx.Client
    """The tenant's API client."""
    browser: httpx.Client
    """No key: what a customer following the link is."""


@pytest.fixture
def lender(database_url: str, db: Session, clock: FrozenClock) -> Iterator[Lender]:
    """The service with the secret key and https address the dispatcher signs links with."""
    settings = app_settings(database_url, secret_key=SECRET_KEY, public_url=PUBLIC)
    app = create_app(settings, clock, app_providers(settings))
    issued = tenants.create_tenant(db, name="acme", clock=clock)
    db.commit()
    with serving(app) as url:
        headers = {"Authorization": f"Bearer {issued.secret}"}
        with (
            httpx.Client(base_url=url, headers=headers, timeout=30) as client,
            httpx.Client(base_url=url, timeout=30) as browser,
        ):
            yield Lender(client, browser)


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as received:
        yield received


def mailing(make_dispatcher: DispatcherFactory, inbox: Inbox) -> Any:
    return make_dispatcher(
        smtp=smtp_options(inbox.port, from_address=SENDER),
        secret_key=SECRET_KEY,
        public_url=PUBLIC,
    )


def submit_email(lender: Lender, loan_ref: str) -> str:
    response = lender.client.post(
        "/v1/reminders", json=reminder(loan_ref=loan_ref, channels=["email"])
    )
    assert response.status_code == 202, response.text
    reminder_id: str = response.json()["id"]
    return reminder_id


def opt_outs(lender: Lender) -> list[tuple[str | None, str, str]]:
    items = lender.client.get("/v1/opt-outs").json()["items"]
    return [(o["customer_ref"], o["channel"], o["source"]) for o in items]


def link_path(header: str) -> str:
    """The path of the https target in a List-Unsubscribe header."""
    [https] = [t.strip(" <>") for t in header.split(",") if t.strip(" <").startswith("https:")]
    assert https.startswith(f"{PUBLIC}/v1/unsubscribe/")
    return urlsplit(https).path


async def test_an_email_carries_a_one_click_link_in_its_header_and_text_that_opts_the_customer_out(
    lender: Lender, inbox: Inbox, make_dispatcher: DispatcherFactory
) -> None:
    dispatcher = mailing(make_dispatcher, inbox)
    first = submit_email(lender, "loan-1")
    await dispatcher.run_once()
    assert lender.client.get(f"/v1/reminders/{first}").json()["status"] == "sent"
    [received] = inbox.received
    header = received.message["List-Unsubscribe"]
    assert f"<mailto:{SENDER}?subject=unsubscribe>" in header
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = link_path(header)
    [text, html] = [part.get_content() for part in received.message.iter_parts()]
    assert f"退订邮件提醒: {PUBLIC}{path}" in text  # the footer points here, in both parts
    assert f'<a href="{PUBLIC}{path}">退订邮件提醒</a>' in html

    page = lender.browser.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<form method="post">' in page.text
    assert opt_outs(lender) == []  # looking at the link changes nothing

    clicked = lender.browser.post(path, data={"List-Unsubscribe": "One-Click"})
    assert clicked.status_code == 200, clicked.text
    assert "您已退订" in clicked.text
    assert opt_outs(lender) == [("cust-1", "email", "email_link")]

    second = submit_email(lender, "loan-2")
    await dispatcher.run_once()
    body = lender.client.get(f"/v1/reminders/{second}").json()
    assert (body["status"], body["events"][-1]["reason"]) == ("suppressed", "OPTED_OUT")
    assert len(inbox.received) == 1


async def test_clicking_the_link_twice_keeps_one_opt_out(
    lender: Lender, inbox: Inbox, make_dispatcher: DispatcherFactory
) -> None:
    submit_email(lender, "loan-1")
    await mailing(make_dispatcher, inbox).run_once()
    path = link_path(inbox.received[0].message["List-Unsubscribe"])
    for _ in range(2):
        assert lender.browser.post(path).status_code == 200
    assert opt_outs(lender) == [("cust-1", "email", "email_link")]


async def test_the_link_names_no_contact_detail_or_customer_reference(
    lender: Lender, inbox: Inbox, make_dispatcher: DispatcherFactory
) -> None:
    submit_email(lender, "loan-1")
    await mailing(make_dispatcher, inbox).run_once()
    token = link_path(inbox.received[0].message["List-Unsubscribe"]).rsplit("/", 1)[1]
    payload = base64.urlsafe_b64decode(token.split(".")[0]).decode()
    for personal in (EMAIL, "wang.fang", "cust-1", "13812345678"):
        assert personal not in token
        assert personal not in payload


def tampered(token: str) -> list[str]:
    """The token with its signature altered, with its payload altered, and cut short."""
    payload, mac = token.split(".")
    flipped_mac = mac[:-1] + ("0" if mac[-1] != "0" else "1")
    other_payload = base64.urlsafe_b64encode(
        base64.urlsafe_b64decode(payload).replace(b'"email"', b'"sms"')
    ).decode()
    return [f"{payload}.{flipped_mac}", f"{other_payload}.{mac}", payload, "nonsense"]


def foreign(customer_token: str, keyed: Settings) -> list[str]:
    """The same claim signed with another service's key, and signed by this service for
    another purpose (a dashboard cookie)."""
    data = json.loads(base64.urlsafe_b64decode(customer_token.split(".")[0]))
    return [
        sign(settings(secret_key="another-service-key-0123456789abc"), "unsubscribe", data),
        sign(keyed, "nudge_ops_session", data),
    ]


async def test_a_tampered_or_foreign_link_is_refused_and_changes_nothing(
    lender: Lender, inbox: Inbox, make_dispatcher: DispatcherFactory
) -> None:
    dispatcher = mailing(make_dispatcher, inbox)
    submit_email(lender, "loan-1")
    await dispatcher.run_once()
    path = link_path(inbox.received[0].message["List-Unsubscribe"])
    token = path.rsplit("/", 1)[1]
    keyed = settings(secret_key=SECRET_KEY, public_url=PUBLIC)
    assert UnsubscribeLinks(keyed).read(token) is not None  # the genuine one reads

    for bad in [*tampered(token), *foreign(token, keyed)]:
        for method in ("GET", "POST"):
            response = lender.browser.request(method, f"/v1/unsubscribe/{bad}")
            assert response.status_code == 404, (bad, response.text)
            assert response.headers["content-type"] == "application/problem+json"
    assert opt_outs(lender) == []
    submit_email(lender, "loan-2")
    await dispatcher.run_once()
    assert len(inbox.received) == 2
