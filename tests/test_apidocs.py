"""/docs and /redoc work with no network but Nudge's own: every asset they load is served by
the app (from the `fastapi-offline` package), none by a CDN."""

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Request, Route, async_playwright

from app.main import create_app
from tests.conftest import app_settings
from tests.helpers.browser import chromium, launch  # noqa: F401  (the fixture)
from tests.servers import serving

REFERENCES = re.compile(r"""(?:src|href|spec-url)="([^"]+)"|url: ?'([^']+)'""")
"""Where the pages name what they load: tags' attributes and Swagger UI's `url: '...'`."""


REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
"""The one address ReDoc's bundle names itself: a sidebar credit the pages' policy blocks."""


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app, serving its documentation; the pages read no database."""
    database = tmp_path_factory.mktemp("docs") / "nudge.db"
    with serving(create_app(app_settings(f"sqlite:///{database}"))) as url:
        yield url


def references(page: str) -> list[str]:
    return [first or second for first, second in REFERENCES.findall(page)]


@pytest.mark.parametrize(
    ("path", "assets"),
    [
        ("/docs", ["swagger-ui-bundle.js", "swagger-ui.css", "favicon.png", "/openapi.json"]),
        ("/redoc", ["redoc.standalone.js", "favicon.png", "/openapi.json"]),
    ],
)
def test_the_docs_pages_load_only_what_nudge_serves_itself(
    docs_server: str, path: str, assets: list[str]
) -> None:
    page = httpx.get(docs_server + path)
    assert page.status_code == 200
    found = references(page.text)
    for asset in assets:
        assert any(url.endswith(asset) for url in found), (asset, found)
    for url in found:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        assert httpx.get(docs_server + url).status_code == 200, url
    assert "cdn." not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "fonts.googleapis" not in page.text


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "operation"),
    [("/docs", ".opblock-summary-path"), ("/redoc", "[data-section-id^='operation/']")],
)
async def test_the_docs_render_the_operations_with_the_network_cut_off(
    chromium: Path,  # noqa: F811
    docs_server: str,
    tmp_path: Path,
    path: str,
    operation: str,
) -> None:
    """Every request leaving loopback is refused, as on a network that blocks the CDNs."""
    refused: list[str] = []
    errors: list[str] = []

    async def loopback_only(route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname == "127.0.0.1":
            await route.continue_()
        else:
            refused.append(request.url)
            await route.abort()

    async with async_playwright() as playwright:
        context = await launch(playwright, chromium, tmp_path / "profile")
        try:
            await context.route("**/*", loopback_only)
            page = await context.new_page()
            page.on("console", lambda message: errors.append(message.text))
            await page.goto(docs_server + path)
            await page.locator(operation).first.wait_for(timeout=30_000)
            shown = await page.locator(operation).count()
            text = await page.locator("body").inner_text()
        finally:
            await context.close()
    assert shown >= 20
    assert "/v1/reminders" in text
    assert refused == []
    blocked = [e for e in errors if "Content Security Policy" in e]
    assert [e for e in blocked if REDOCLY_LOGO not in e] == []  # the policy broke nothing else
