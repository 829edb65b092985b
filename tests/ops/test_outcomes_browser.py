"""A person in headless Chromium reads the outcomes page in English and in Chinese: the bars
are drawn at their conversion, the whiskers at their interval, and the table agrees."""

from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright
from sqlalchemy.orm import Session

from app.auth import Scope
from app.clock import FrozenClock
from tests.conftest import Server, Tenant
from tests.helpers.browser import chromium, launch  # noqa: F401  (the fixture)
from tests.helpers.ops import issue_key
from tests.helpers.outcomes import write_experiment

pytestmark = pytest.mark.anyio

OUTPUT = Path(__file__).parents[2] / "test-output"


async def bar_widths(page: Page) -> dict[str, float]:
    """Each arm's bar as the browser lays it out, in pixels."""
    widths: dict[str, float] = await page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#outcome-chart g.arm')]
            .map(g => [g.dataset.label, g.querySelector('rect.bar').getBBox().width]))"""
    )
    return widths


@pytest.mark.parametrize(
    ("language", "heading", "conversion", "template"),
    [("en", "Outcomes", "Conversion", "Template"), ("zh", "还款成效", "转化率", "模板")],
)
async def test_the_outcomes_page_draws_each_arm_and_its_interval_in_the_browser(
    chromium: Path,  # noqa: F811
    server: Server,
    tenant: Tenant,
    db: Session,
    clock: FrozenClock,
    database_url: str,
    tmp_path: Path,
    language: str,
    heading: str,
    conversion: str,
    template: str,
) -> None:
    write_experiment(db, clock, tenant)
    secret = issue_key(db, clock, tenant, Scope.DELIVERIES_READ)
    backend = database_url.split(":", 1)[0].split("+", 1)[0]
    OUTPUT.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        context = await launch(
            playwright,
            chromium,
            tmp_path / "profile",
            viewport={"width": 1280, "height": 800},
            locale="zh-CN" if language == "zh" else "en-US",
        )
        try:
            page = await context.new_page()
            await page.goto(f"{server.url}/ops/login")
            await page.fill("input[name=api_key]", secret)
            await page.click("button[type=submit]")
            await page.wait_for_url("**/ops/deliveries")
            await page.click(f"header >> text={heading}")
            await page.wait_for_url("**/ops/outcomes")
            assert await page.locator("h1").inner_text() == heading

            widths = await bar_widths(page)
            assert set(widths) == {"gentle · champion", "gentle · challenger"}
            assert widths["gentle · champion"] == pytest.approx(widths["gentle · challenger"] * 1.5)
            whiskers = page.locator('#outcome-chart g.arm[data-label="gentle · champion"] line')
            assert await whiskers.count() == 3
            rows = page.locator("#outcomes tbody tr")
            assert await rows.count() == 3
            assert "30.0%" in await rows.nth(1).locator("td.conversion").inner_text()
            assert conversion in await page.locator("#outcomes thead").inner_text()
            await page.screenshot(
                path=OUTPUT / f"ops-outcomes-{language}-{backend}.png", full_page=True
            )

            await page.uncheck("input[name=group_by][value=plan]")
            await page.check("input[name=group_by][value=step]")
            await page.click("form.filters button[type=submit]")
            await page.wait_for_url("**/ops/outcomes?*group_by=step*")
            assert set(await bar_widths(page)) == {"d-1 · champion", "d-1 · challenger"}

            await page.uncheck("input[name=group_by][value=arm]")
            await page.check("input[name=group_by][value=template]")
            await page.click("form.filters button[type=submit]")
            await page.wait_for_url("**/ops/outcomes?*group_by=template*")
            assert set(await bar_widths(page)) == {"d-1 · pre-due"}
            assert template in await page.locator("#outcomes thead").inner_text()
        finally:
            await context.close()
    assert (OUTPUT / f"ops-outcomes-{language}-{backend}.png").stat().st_size > 0
