"""A headless Chromium for the tests that drive a real browser (playwright)."""

import os
from pathlib import Path

import pytest

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
