"""A headless Chromium for the tests that drive a real browser (playwright)."""

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; the browser test is required in CI")
        pytest.skip(reason)
    return CHROMIUM


async def launch(
    playwright: Playwright, chromium: Path, profile: Path, **options: Any
) -> BrowserContext:
    """Headless Chromium on a fresh profile, with the flags this closed network needs."""
    return await playwright.chromium.launch_persistent_context(
        profile, executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS, **options
    )
