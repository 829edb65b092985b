"""A borrower on a phone, in headless Chromium: opens the link from their SMS, in Chinese and
in English, turns voice off, names an inconvenient time and asks for hardship help; each
change is checked through dispatch and the lender's webhook. axe-core checks every page for
serious or critical accessibility violations. The screenshots are docs/borrower.md's.
"""

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import BrowserContext, Page, async_playwright

from app.clock import FrozenClock
from app.notices.delivery import Notices
from tests.conftest import DispatcherFactory, Server, Tenant
from tests.fakes.twilio_server import FakeTwilio
from tests.fakes.webhook_receiver import WebhookReceiver, webhook_receiver
from tests.helpers.api import read, submit
from tests.helpers.borrower import link_template, sent_link
from tests.helpers.browser import chromium, launch  # noqa: F401  (the fixture)
from tests.helpers.enrollments import enrol, put_plan

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).parents[2]
IMAGES = ROOT / ("docs/images" if os.environ.get("NUDGE_DOCS_SCREENSHOTS") else "test-output")
"""docs/borrower.md's screenshots when asked (`NUDGE_DOCS_SCREENSHOTS=1`): an ordinary run
must not rewrite tracked files, whose pixels differ a little from run to run."""
PHONE = {"width": 390, "height": 844}
AXE = Axe()


@pytest.fixture
async def phone(chromium: Path, tmp_path: Path) -> AsyncIterator[BrowserContext]:  # noqa: F811
    async with async_playwright() as playwright:
        context = await launch(
            playwright,
            chromium,
            tmp_path / "profile",
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            java_script_enabled=False,  # the page works without it; axe needs it, below
        )
        try:
            yield context
        finally:
            await context.close()


@pytest.fixture
async def axe_context(chromium: Path, tmp_path: Path) -> AsyncIterator[BrowserContext]:  # noqa: F811
    async with async_playwright() as playwright:
        context = await launch(
            playwright, chromium, tmp_path / "axe-profile", viewport=PHONE, is_mobile=True
        )
        try:
            yield context
        finally:
            await context.close()


@pytest.fixture
def receiver(tenant: Tenant) -> Iterator[WebhookReceiver]:
    secret = secrets.token_urlsafe(32)
    with webhook_receiver(secret.encode()) as receiver:
        body = {"display_name": "阳光小贷", "webhook_url": receiver.url, "webhook_secret": secret}
        assert tenant.client.put("/v1/tenant", json=body).status_code == 200
        yield receiver


async def accessible(context: BrowserContext, url: str) -> list[str]:
    """Serious and critical violations axe-core finds on the page at `url` (a page with
    JavaScript on, as axe runs in it; the page itself ships none)."""
    page = await context.new_page()
    try:
        await page.goto(url)
        results = await AXE.run(page)
    finally:
        await page.close()
    return [
        f"{violation['id']}: {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


async def shot(page: Page, name: str, database_url: str) -> None:
    """Screenshots for the docs, from the SQLite run only (both backends show the same)."""
    if database_url.startswith("sqlite"):
        IMAGES.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=IMAGES / f"{name}.png", full_page=True)


async def test_the_page_in_chinese_and_english_without_javascript_and_accessible(
    phone: BrowserContext,
    axe_context: BrowserContext,
    server: Server,
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    database_url: str,
) -> None:
    link_template(tenant)
    url = server.url + await sent_link(tenant, make_dispatcher(), twilio)
    page = await phone.new_page()
    answer = await page.goto(url)

    assert answer is not None
    assert answer.headers["cache-control"] == "no-store"
    assert await page.locator("html").get_attribute("lang") == "zh-CN"
    assert await page.locator("h1").inner_text() == "我的还款提醒设置"
    assert await page.locator("#amount").inner_text() == "US$1,***.**"
    assert await page.locator("#tips article").count() >= 1
    await shot(page, "borrower-page-zh", database_url)
    assert await accessible(axe_context, url) == []

    await page.click("#switch")
    assert await page.locator("html").get_attribute("lang") == "en"
    assert await page.locator("#due-date").inner_text() == "December 1, 2026"
    await shot(page, "borrower-page-en", database_url)
    assert await accessible(axe_context, url + "?lang=en") == []


async def test_turning_voice_off_on_the_page_stops_the_next_voice_reminder(
    phone: BrowserContext,
    axe_context: BrowserContext,
    server: Server,
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
) -> None:
    link_template(tenant)
    dispatcher = make_dispatcher()
    url = server.url + await sent_link(tenant, dispatcher, twilio)
    page = await phone.new_page()
    await page.goto(url + "?lang=en")
    await page.check("#channels input[name=off][value=voice]")
    await page.click("#channels button[type=submit]")

    assert page.url == url + "?lang=en&done=channels"
    assert await page.locator("#channels .notice").inner_text() == "Saved."
    assert await page.locator("#channels input[value=voice][name=off]").is_checked()
    assert await accessible(axe_context, page.url) == []

    only_voice = submit(tenant, template="with-link", channels=["voice"], loan_ref="loan-v")
    voice_then_sms = submit(
        tenant, template="with-link", channels=["voice", "sms"], loan_ref="loan-vs"
    )
    calls_before = [r for r in twilio.received if r.resource == "Calls"]
    await dispatcher.run_once()

    suppressed = read(tenant, only_voice)
    assert (suppressed["status"], suppressed["events"][-1]["reason"]) == (
        "suppressed",
        "BORROWER_RESTRICTED",
    )
    fell_back = read(tenant, voice_then_sms)
    assert [a["channel"] for a in fell_back["attempts"]] == ["sms"]
    assert ("skipped", "BORROWER_RESTRICTED") in [
        (e["kind"], e["reason"]) for e in fell_back["events"]
    ]
    assert [r for r in twilio.received if r.resource == "Calls"] == calls_before


async def test_an_inconvenient_time_named_on_the_page_defers_a_reminder_to_its_end(
    phone: BrowserContext,
    server: Server,
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    database_url: str,
) -> None:
    link_template(tenant)
    dispatcher = make_dispatcher()
    url = server.url + await sent_link(tenant, dispatcher, twilio)
    page = await phone.new_page()
    await page.goto(url)
    # it is 17:30 on Friday 27 November in Shanghai: Fridays 17:00-19:00 do not suit
    await page.check("#times input[name=weekday][value='4']")
    await page.fill("#start", "17:00")
    await page.fill("#end", "19:00")
    await page.click("#times button[value=add]")

    assert await page.locator("#windows").inner_text() == "周五 17:00\u201319:00"
    await shot(page, "borrower-times-saved", database_url)
    reminder_id = submit(tenant, template="with-link", channels=["sms"], loan_ref="loan-t")
    await dispatcher.run_once()

    body = read(tenant, reminder_id)
    event = body["events"][-1]
    assert (body["status"], event["reason"]) == ("deferred", "BORROWER_RESTRICTED")
    local = datetime.fromisoformat(event["detail"]["next_attempt_local"])
    assert local.utcoffset() == timedelta(hours=8)
    assert (
        datetime(2026, 11, 27, 19, 0) <= local.replace(tzinfo=None) < datetime(2026, 11, 27, 19, 10)
    )


async def test_a_hardship_request_pauses_the_plan_and_the_lender_receives_it_signed(
    phone: BrowserContext,
    axe_context: BrowserContext,
    server: Server,
    tenant: Tenant,
    receiver: WebhookReceiver,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    clock: FrozenClock,
    database_url: str,
) -> None:
    link_template(tenant)
    put_plan(tenant)
    enrol(tenant, loan_ref="loan-plan")
    dispatcher = make_dispatcher()
    url = server.url + await sent_link(tenant, dispatcher, twilio)
    page = await phone.new_page()
    await page.goto(url)
    await page.select_option("#reason", "illness")
    await page.fill("#note", "住院两周")
    await page.select_option("#callback", "evening")
    await shot(page, "borrower-hardship-form", database_url)
    await page.click("#hardship button[type=submit]")

    assert "done=hardship" in page.url
    next_steps = await page.locator("#next").inner_text()
    assert "已暂停（1笔贷款）" in next_steps
    assert "阳光小贷已收到通知" in next_steps
    await shot(page, "borrower-hardship-next", database_url)
    assert await accessible(axe_context, page.url) == []

    loan = tenant.client.get("/v1/enrollments/loan-plan").json()
    assert (loan["status"], loan["pause_reason"]) == ("paused", "hardship")
    notices = Notices(
        sessions=dispatcher.sessions,
        registry=dispatcher.registry,
        vault=dispatcher.vault,
        clock=clock,
        retry=dispatcher.retry,
    )
    assert await notices.run_once() == 1
    [delivery] = receiver.received
    assert delivery.signature_valid
    notice = delivery.payload["notice"]
    assert (notice["type"], notice["source"], notice["reason"]) == (
        "hardship",
        "borrower",
        "illness",
    )
    assert (notice["note"], notice["callback"], notice["paused_loans"]) == (
        "住院两周",
        "evening",
        ["loan-plan"],
    )


@pytest.mark.parametrize("kind", ["expired", "tampered"])
async def test_an_expired_or_tampered_link_shows_the_polite_error_page_with_no_data(
    phone: BrowserContext,
    axe_context: BrowserContext,
    server: Server,
    tenant: Tenant,
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    clock: FrozenClock,
    database_url: str,
    kind: str,
) -> None:
    link_template(tenant)
    path = await sent_link(tenant, make_dispatcher(), twilio)
    if kind == "expired":
        clock.advance(timedelta(days=31))
    else:
        path = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    page = await phone.new_page()
    answer = await page.goto(server.url + path)

    assert answer is not None
    assert answer.status == (410 if kind == "expired" else 404)
    text = await page.locator("body").inner_text()
    assert "链接" in text
    assert "link" in text
    assert not [shown for shown in ("acme", "***", "cust-1", "2026") if shown in text]
    await shot(page, f"borrower-error-{kind}", database_url)
    assert await accessible(axe_context, server.url + path) == []
