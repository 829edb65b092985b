"""A person in headless Chromium signs in, filters the delivery log and opens a timeline.

Debian's `chromium` drives the pages through Playwright (no `playwright install`). Where it is
missing the test skips on a workstation, but fails in CI, where `.ci/run` installs it.
"""

from pathlib import Path

import pytest
from playwright.async_api import async_playwright
from sqlalchemy.orm import Session

from app.auth import Scope
from app.clock import FrozenClock
from tests.conftest import Server, Tenant
from tests.factories import customer
from tests.helpers.browser import chromium, launch  # noqa: F401  (the fixture)
from tests.helpers.ops import Send, issue_key

pytestmark = pytest.mark.anyio

OUTPUT = Path(__file__).parents[2] / "test-output"


async def test_ops_person_signs_in_filters_the_log_and_reads_a_reminders_timeline(
    chromium: Path,  # noqa: F811
    server: Server,
    tenant: Tenant,
    send: Send,
    db: Session,
    clock: FrozenClock,
    database_url: str,
    tmp_path: Path,
) -> None:
    by_sms, by_voice = await send(
        tenant,
        {"customer": customer(ref="cust-sms"), "channels": ["sms"]},
        {"customer": customer(ref="cust-voice", phone="+8613900001111"), "channels": ["voice"]},
    )
    secret = issue_key(db, clock, tenant, Scope.DELIVERIES_READ)
    backend = database_url.split(":", 1)[0].split("+", 1)[0]
    OUTPUT.mkdir(exist_ok=True)

    async with async_playwright() as playwright:
        context = await launch(
            playwright, chromium, tmp_path / "profile", viewport={"width": 1280, "height": 800}
        )
        try:
            page = await context.new_page()
            await page.goto(f"{server.url}/ops/deliveries")
            assert page.url.endswith("/ops/login")
            await page.fill("input[name=api_key]", secret)
            await page.click("button[type=submit]")
            await page.wait_for_url("**/ops/deliveries")
            assert await page.locator("#delivery-log tbody tr").count() == 2

            await page.select_option("select[name=channel]", "voice")
            await page.click("form.filters button[type=submit]")
            await page.wait_for_url("**/ops/deliveries?*channel=voice*")
            rows = page.locator("#delivery-log tbody tr")
            assert await rows.count() == 1
            assert "cust-voice" in await rows.first.inner_text()
            await page.screenshot(path=OUTPUT / f"ops-delivery-log-{backend}.png", full_page=True)

            await rows.first.locator("a").click()
            await page.wait_for_url(f"**/ops/reminders/{by_voice}")
            heading = await page.locator("h1").inner_text()
            assert by_voice in heading
            assert by_sms not in heading
            events = await page.locator("#events tbody").inner_text()
            assert "accepted" in events
            assert "twilio_voice" in await page.locator("#attempts").inner_text()
            assert "+86 139****1111" in await page.content()
            await page.screenshot(path=OUTPUT / f"ops-timeline-{backend}.png", full_page=True)

            await page.click("text=Sends, last 14 days")
            await page.wait_for_url("**/ops/chart")
            assert await page.locator("svg#chart-voice rect").count() == 14
            await page.screenshot(path=OUTPUT / f"ops-chart-{backend}.png", full_page=True)

            page = await context.new_page()
            await page.set_extra_http_headers({"Accept-Language": "zh-CN,zh;q=0.9"})
            await page.goto(f"{server.url}/ops/reminders/{by_sms}")
            assert await page.locator("h1").inner_text() == f"时间线 · {by_sms}"
            await page.screenshot(path=OUTPUT / f"ops-timeline-zh-{backend}.png", full_page=True)
        finally:
            await context.close()

    assert (OUTPUT / f"ops-timeline-{backend}.png").stat().st_size > 0
