"""The README's quick start, run as a newcomer runs it after `make run`: the example is read
from README.md, so the test fails as soon as the README and the service disagree."""

import itertools
import json
import logging
import random
import re
import shlex
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.clock import FrozenClock
from app.db import create_db_engine, create_session_factory
from app.dispatch.worker import Dispatcher
from app.main import create_app
from bench.scratch import fresh_database
from channels.registry import Providers, Registry
from tests.conftest import app_settings, settings
from tests.helpers.cli import nudge
from tests.servers import serving

README = Path(__file__).parents[1] / "README.md"
SHANGHAI_MORNING = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
"""10:00 on a working Friday in Shanghai: the `cn` preset lets the reminder go at once."""


def readme_example(key: str) -> tuple[str, dict[str, str], Any]:
    """The path, headers and JSON body of the README's `curl ... /v1/reminders` command, with
    the shell's `$(...)` for the key file and the idempotency key filled in."""
    found = re.search(r"```sh\n(curl .*?/v1/reminders.*?)```", README.read_text(), re.S)
    assert found, "README.md has no curl example submitting a reminder"
    words = shlex.split(found.group(1).replace("\\\n", " "))
    headers, body, path = {}, None, ""
    for flag, value in itertools.pairwise(words):
        if flag == "-H":
            name, _, text = value.partition(": ")
            headers[name] = text
        elif flag == "-d":
            body = json.loads(value)
    for word in words:
        if word.startswith("http://127.0.0.1:8000/"):
            path = word.removeprefix("http://127.0.0.1:8000")
    headers["Authorization"] = f"Bearer {key}"
    headers["Idempotency-Key"] = str(uuid.uuid4())
    return path, headers, body


def readme_sms() -> str:
    """The SMS the README says the console shows for the example."""
    found = re.search(r"```\nsms to [^\n]*\n(.+?)\n```", README.read_text(), re.S)
    assert found, "README.md does not show the console's output for its example"
    return found.group(1)


@asynccontextmanager
async def console_dispatcher(url: str, clock: FrozenClock) -> AsyncIterator[Dispatcher]:
    """The dispatcher `make run` embeds: no provider configured, so every channel is the
    console."""
    config = settings(database_url=url, env="development")
    engine = create_db_engine(url)
    registry = Registry.from_settings(config, Providers.load(config, env_file=None), clock=clock)
    try:
        yield Dispatcher(
            sessions=create_session_factory(engine),
            settings=config,
            clock=clock,
            registry=registry,
            rng=random.Random(0),
            name="readme",
        )
    finally:
        await registry.aclose()
        engine.dispose()


@pytest.mark.anyio
async def test_readme_example_reaches_the_console_as_a_chinese_sms_in_yuan(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        key_file = tmp_path / ".nudge-dev-key"
        for command in (["migrate"], ["dev-tenant", "--key-file", str(key_file)]):
            done = nudge(url, *command)
            assert done.returncode == 0, done.stderr
        clock = FrozenClock(SHANGHAI_MORNING)
        path, headers, body = readme_example(key_file.read_text().strip())
        app = create_app(app_settings(url, env="development"), clock)
        with serving(app) as base:
            submitted = httpx.post(base + path, headers=headers, json=body, timeout=30)
        assert submitted.status_code == 202, submitted.text
        async with console_dispatcher(url, clock) as dispatcher:
            with caplog.at_level(logging.INFO, logger="nudge.channels.console"):
                assert await dispatcher.run_once() == 1
    printed = [r.getMessage() for r in caplog.records if r.name == "nudge.channels.console"]
    assert len(printed) == 1, printed
    assert printed[0].startswith("sms to +86 138****5678")
    assert "¥1,234.50" in printed[0]
    assert "US$" not in printed[0]
    assert "2026年12月1日" in printed[0]
    assert "温馨提醒" in printed[0]
    assert printed[0].endswith("\n" + readme_sms())  # the README shows what really happens
