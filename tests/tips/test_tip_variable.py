"""`{{ tip }}` in templates: a financial-literacy tip for the customer's situation and locale,
the short form in SMS (held to the segment limit when the template is saved), the body in
email, the same one when a reminder is retried."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.clock import FrozenClock
from app.tips.starters import STARTERS
from tests.conftest import DispatcherFactory, Tenant, smtp_options
from tests.factories import customer, reminder
from tests.fakes.smtp_server import Inbox, smtp_server
from tests.fakes.twilio_server import FakeTwilio, Reply
from tests.helpers.api import read

pytestmark = pytest.mark.anyio

VARIABLES = {
    "amount": {"type": "money", "required": True},
    "due_date": {"type": "date", "required": True},
}
SMS = {
    "channel": "sms",
    "locale": "zh-CN",
    "body": "【{{ tenant.display_name }}】您的还款{{ amount | money }}将于{{ due_date | date }}"
    "到期。{{ tip }}",
}
EMAIL = {
    "channel": "email",
    "locale": "en",
    "subject": "Your payment is due {{ due_date | date }}",
    "text": "Your payment of {{ amount | money }} is due.\n\nTip: {{ tip }}",
    "html": "<p>Your payment of {{ amount | money }} is due.</p><p>Tip: {{ tip }}</p>",
}
DUE_SOON, OVERDUE_A_WEEK = "2026-12-01", "2026-11-20"
"""The tests' clock stands at 2026-11-27."""


def with_tips(tenant: Tenant, *variants: dict[str, Any]) -> None:
    body = {"variables": VARIABLES, "variants": list(variants)}
    saved = tenant.client.put("/v1/templates/with-tip", json=body)
    assert saved.status_code == 200, saved.text


def submit(tenant: Tenant, due: str, **fields: Any) -> str:
    body = reminder(template="with-tip", variables={"amount": "1234.50", "due_date": due}, **fields)
    response = tenant.client.post("/v1/reminders", json=body)
    assert response.status_code == 202, response.text
    reminder_id: str = response.json()["id"]
    return reminder_id


def starters(locale: str, *situations: str) -> list[Any]:
    return [tip for tip in STARTERS[locale] if tip.situation in situations]


async def test_an_sms_carries_the_short_form_of_a_tip_for_a_payment_not_yet_due(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> None:
    with_tips(tenant, SMS)
    submit(tenant, DUE_SOON, channels=["sms"])

    assert await make_dispatcher().run_once() == 1

    [sent] = twilio.received
    fitting = starters("zh-Hans", "before_due", "any")
    assert any(sent.form["Body"].endswith(f"到期。{tip.short}回复TD退订") for tip in fitting), sent
    assert not any(tip.body in sent.form["Body"] for tip in STARTERS["zh-Hans"])


async def test_an_sms_carries_the_tenants_own_tip_when_it_has_saved_some(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio
) -> None:
    own = {
        "key": "own",
        "topic": "budgeting",
        "title": "先留出还款的钱",
        "body": "工资到账后，先把还款的钱留出来。",
        "short": "工资到账先留还款钱。",
    }
    assert tenant.client.put("/v1/tips/zh-CN", json={"tips": [own]}).status_code == 200
    with_tips(tenant, SMS)
    submit(tenant, DUE_SOON, channels=["sms"])

    assert await make_dispatcher().run_once() == 1

    [sent] = twilio.received
    assert "到期。工资到账先留还款钱。" in sent.form["Body"]


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as received:
        yield received


async def test_an_email_carries_the_body_of_a_tip_for_a_payment_just_overdue(
    tenant: Tenant, make_dispatcher: DispatcherFactory, inbox: Inbox
) -> None:
    with_tips(tenant, EMAIL)
    submit(tenant, OVERDUE_A_WEEK, channels=["email"], customer=customer(locale="en-US"))
    dispatcher = make_dispatcher(smtp=smtp_options(inbox.port))

    assert await dispatcher.run_once() == 1

    [mail] = inbox.received
    text = mail.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    [tip] = [tip for tip in starters("en", "just_overdue", "any") if f"Tip: {tip.body}" in text]
    assert tip.situation in ("just_overdue", "any")
    assert tip.body.replace("'", "&#39;") in html


async def test_a_retried_reminder_repeats_its_tip(
    tenant: Tenant, make_dispatcher: DispatcherFactory, twilio: FakeTwilio, clock: FrozenClock
) -> None:
    with_tips(tenant, SMS)
    ids = [submit(tenant, DUE_SOON, channels=["sms"], loan_ref=f"loan-{n}") for n in range(6)]
    twilio.answer(*[Reply(status=500)] * 6)
    dispatcher = make_dispatcher()
    assert await dispatcher.run_once() == 6
    first = bodies(twilio)
    twilio.received.clear()

    clock.advance(timedelta(minutes=5))
    assert await dispatcher.run_once() == 6

    assert bodies(twilio) == first
    assert set(first) == set(ids)
    assert {read(tenant, reminder_id)["status"] for reminder_id in ids} == {"sent"}


def bodies(twilio: FakeTwilio) -> dict[str, str]:
    """Each SMS text by the reminder it was sent for (its id rides on the callback URL)."""
    return {r.form["StatusCallback"].rsplit("=", 1)[1]: r.form["Body"] for r in twilio.received}


def test_a_template_with_a_tip_in_sms_is_saved_only_if_the_longest_tip_fits_the_limit(
    tenant: Tenant,
) -> None:
    filler = "请按时还款" * 20  # 100 units: 106 with the footer, 136 with a 30-unit tip
    too_long = {**SMS, "body": f"{filler}{{{{ tip }}}}"}

    refused = tenant.client.put(
        "/v1/templates/with-tip", json={"variables": VARIABLES, "variants": [too_long]}
    )
    without_tip = tenant.client.put(
        "/v1/templates/with-tip",
        json={"variables": VARIABLES, "variants": [{**SMS, "body": filler}]},
    )

    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"] == "variants.0.body"
    assert error["detail"].startswith("sms-too-long: 3 UCS-2 segments")
    assert without_tip.status_code == 200, without_tip.text


def test_the_preview_shows_a_tip_for_the_due_date_given(tenant: Tenant) -> None:
    with_tips(tenant, SMS, EMAIL)
    request = {
        "channel": "email",
        "locale": "en-US",
        "variables": {"amount": "10", "due_date": "2026-09-01"},
    }

    preview = tenant.client.post("/v1/templates/with-tip/preview", json=request)

    assert preview.status_code == 200, preview.text
    shown = [tip for tip in STARTERS["en"] if f"Tip: {tip.body}" in preview.json()["text"]]
    assert [tip.situation for tip in shown] in (["long_overdue"], ["any"])


def test_a_template_declaring_its_own_tip_variable_keeps_its_value(tenant: Tenant) -> None:
    body = {
        "variables": {**VARIABLES, "tip": {"type": "text", "required": True}},
        "variants": [{**SMS, "body": "【{{ tenant.display_name }}】{{ tip }}"}],
    }
    assert tenant.client.put("/v1/templates/own-tip", json=body).status_code == 200
    request = {
        "channel": "sms",
        "locale": "zh-CN",
        "variables": {"amount": "10", "due_date": DUE_SOON, "tip": "我们自己的话"},
    }

    preview = tenant.client.post("/v1/templates/own-tip/preview", json=request)

    assert preview.status_code == 200, preview.text
    assert "】我们自己的话" in preview.json()["body"]


@pytest.fixture
def tip_queries(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        if "tip_library_versions" in args[2]:
            seen.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


async def test_a_round_reads_every_tenants_tips_in_one_query_and_each_gets_its_own(
    new_tenant: Callable[[str], Tenant],
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    tip_queries: list[str],
) -> None:
    own_tips = {}
    for name in ("alpha", "beta"):
        tenant = new_tenant(name)
        own = {"key": name, "topic": "budgeting", "title": name, "body": name, "short": name}
        assert tenant.client.put("/v1/tips/zh-CN", json={"tips": [own]}).status_code == 200
        with_tips(tenant, SMS)
        ids = [submit(tenant, DUE_SOON, channels=["sms"], loan_ref=f"l-{n}") for n in range(5)]
        own_tips.update(dict.fromkeys(ids, name))
    tip_queries.clear()

    assert await make_dispatcher().run_once() == 10

    assert len(tip_queries) == 1
    assert {
        reminder_id: body.split("到期。")[1].removesuffix("回复TD退订")
        for reminder_id, body in bodies(twilio).items()
    } == own_tips
