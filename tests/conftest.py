"""Fixtures: each database test runs on SQLite and on PostgreSQL, against a real HTTP server."""

import random
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app import migrate, onboarding
from app.auth import Scope
from app.clock import FrozenClock
from app.config import Settings
from app.db import Base, create_db_engine, create_session_factory
from app.dispatch.worker import Dispatcher
from app.main import create_app
from app.tenants import service as tenants
from bench.scratch import fresh_database
from channels.base import ProviderSettings
from channels.registry import Providers, Registry
from channels.smtp.settings import SmtpSettings
from channels.twilio.settings import TwilioSettings
from tests.databases import BACKENDS
from tests.fakes.aliyun_server import FakeAliyun, fake_aliyun
from tests.fakes.twilio_server import FakeTwilio, fake_twilio
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.servers import serving

START = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
TWILIO_SID = "AC0123456789abcdef0123456789abcdef"
TWILIO_TOKEN = "5f2c8e1a9b7d4c3e6a0f1b2d8e9c7a4b"  # shaped like a real one: production judges it
PUBLIC_URL = "https://nudge.example"
"""Where Twilio is told to call Nudge back; webhook signatures are made over it."""


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        engine = create_db_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def clock() -> FrozenClock:
    return FrozenClock(START)


def app_settings(database_url: str, **overrides: Any) -> Settings:
    """The service's settings in tests: no .env file, no dispatcher unless a test starts one."""
    values = {
        "database_url": database_url,
        "env": "test",
        "embedded_worker": False,
        "public_url": PUBLIC_URL,
        # The shared server's clock is frozen (each test sets it back to START), so a key's
        # bucket would never refill and every test's failed sign-ins from 127.0.0.1 would add
        # up: limits out of reach, so tests measuring anything else never meet them. The limits
        # themselves are tested in tests/test_ratelimit.py on servers with the defaults.
        "rate_limit_per_second": 1_000_000,
        "rate_limit_burst": 1_000_000,
        "ops_sign_in_max_failures": 1_000_000,
        "manage_link_rate_per_minute": 1_000_000,
        "manage_client_rate_per_minute": 1_000_000,
        # A burst on a busy test machine may wait its turn longer than production would let
        # it: the admission limit is tested in tests/test_admission.py and
        # tests/reminders/test_submit_overload.py.
        "api_max_queued": 100_000,
        "api_queue_timeout_seconds": 600,
    } | overrides
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def app_providers(core: Settings, **given: ProviderSettings) -> Providers:
    """The installed provider plugins as tests run them: settings from no `.env` file, and
    Twilio's global auth token set (the callbacks tests sign are signed with it) unless
    `given` says otherwise."""
    given = {"twilio": TwilioSettings(_env_file=None, auth_token=TWILIO_TOKEN)} | given
    return Providers.load(core, env_file=None, **given)


LIMITS = ("rate_limit_per_second", "rate_limit_burst", "ops_sign_in_max_failures")


def default_limits() -> dict[str, Any]:
    """The limits as shipped, for the tests of the limits themselves."""
    return {name: Settings.model_fields[name].default for name in LIMITS}


@dataclass
class Server:
    url: str
    app: FastAPI


@pytest.fixture(scope="session")
def server(database_url: str, clock: FrozenClock) -> Iterator[Server]:
    settings = app_settings(database_url)
    app = create_app(settings, clock, app_providers(settings))
    with serving(app) as url:
        yield Server(url=url, app=app)


@pytest.fixture
def db(engine: Engine, clock: FrozenClock) -> Iterator[Session]:
    """A session on the test database; every table is emptied after the test."""
    clock.set(START)
    with create_session_factory(engine)() as session:
        yield session
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@dataclass
class Tenant:
    id: uuid.UUID
    client: httpx.Client

    def key(self, db: Session, clock: FrozenClock, *scopes: Scope) -> httpx.Client:
        """Another client of this tenant, holding a key with just these scopes."""
        issued = tenants.create_key(db, tenant_id=self.id, scopes=list(scopes), clock=clock)
        db.commit()
        return _client(self.client.base_url, issued.secret)


def _client(base_url: Any, secret: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=30)


@pytest.fixture
def new_tenant(db: Session, server: Server, clock: FrozenClock) -> Iterator[Any]:
    clients: list[httpx.Client] = []

    def make(name: str = "acme") -> Tenant:
        issued = onboarding.create_tenant(db, name=name, clock=clock)
        db.commit()
        client = _client(server.url, issued.secret)
        clients.append(client)
        return Tenant(id=issued.tenant_id, client=client)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def tenant(new_tenant: Any) -> Tenant:
    made: Tenant = new_tenant()
    return made


@pytest.fixture
def anonymous(server: Server) -> Iterator[httpx.Client]:
    with _client(server.url, None) as client:
        yield client


def count(db: Session, model: type[Any]) -> int:
    db.rollback()  # see what other connections committed
    return db.scalar(sa.select(sa.func.count()).select_from(model)) or 0


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio (the provider clients need it)."""
    return "asyncio"


@pytest.fixture(scope="session")
def twilio_server() -> Iterator[FakeTwilio]:
    with fake_twilio(TWILIO_SID, TWILIO_TOKEN) as fake:
        yield fake


@pytest.fixture(scope="session")
def aliyun_server() -> Iterator[FakeAliyun]:
    with fake_aliyun() as fake:
        yield fake


FakeT = TypeVar("FakeT", FakeTwilio, WebhookReceiver, FakeAliyun)


def fresh(fake: FakeT) -> Iterator[FakeT]:
    """A shared fake with no history and no scripted answers; hung requests end after."""
    fake.reset()
    yield fake
    fake.script.released.set()


@pytest.fixture
def twilio(twilio_server: FakeTwilio) -> Iterator[FakeTwilio]:
    yield from fresh(twilio_server)


@pytest.fixture
def aliyun(aliyun_server: FakeAliyun) -> Iterator[FakeAliyun]:
    """The fake Aliyun SMS API, with no accounts: each test adds the tenants' own."""
    yield from fresh(aliyun_server)


def settings(**overrides: object) -> Settings:
    """Test settings with no provider configured unless a test configures one."""
    values = {
        "env": "test",
        "secret_key": "channel-tests-session-key-0123456789",
        # As in app_settings: limits out of reach of tests that measure something else.
        "rate_limit_per_second": 1_000_000,
        "rate_limit_burst": 1_000_000,
        "ops_sign_in_max_failures": 1_000_000,
        # A burst on a busy test machine may wait its turn longer than production would let
        # it: the admission limit is tested in tests/test_admission.py and
        # tests/reminders/test_submit_overload.py.
        "api_max_queued": 100_000,
        "api_queue_timeout_seconds": 600,
    } | overrides
    return Settings(_env_file=None, **values)  # type: ignore[arg-type, call-arg]


def twilio_settings(**overrides: object) -> Settings:
    """The service's settings for tests that send through the Twilio fake."""
    values: dict[str, object] = {"public_url": PUBLIC_URL, "channel_read_timeout_seconds": 0.5}
    return settings(**values | overrides)


def twilio_config(twilio: FakeTwilio, **overrides: object) -> tuple[Settings, TwilioSettings]:
    """What an adapter is built with: the service's settings and the global Twilio account on
    the fake; overrides named `twilio_*` are the account's."""
    own = {k.removeprefix("twilio_"): v for k, v in overrides.items() if k.startswith("twilio_")}
    core = {k: v for k, v in overrides.items() if not k.startswith("twilio_")}
    return twilio_settings(**core), twilio_options(twilio, **own)


def twilio_options(twilio: FakeTwilio, **overrides: object) -> TwilioSettings:
    """The global Twilio account, on the fake."""
    values: dict[str, object] = {
        "account_sid": TWILIO_SID,
        "auth_token": TWILIO_TOKEN,
        "from_number": "+15005550006",
        "api_base": twilio.url,
    }
    return TwilioSettings(_env_file=None, **values | overrides)  # type: ignore[arg-type]


def smtp_options(port: int, **overrides: object) -> SmtpSettings:
    """The global mail server: a plain one on loopback (tests/fakes/smtp_server.py)."""
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "from_address": "reminders@lender.example",
        "starttls": False,
    }
    return SmtpSettings(_env_file=None, **values | overrides)  # type: ignore[arg-type]


DispatcherFactory = Callable[..., Dispatcher]


@pytest.fixture
async def make_dispatcher(
    engine: Engine, database_url: str, clock: FrozenClock, twilio: FakeTwilio
) -> AsyncIterator[DispatcherFactory]:
    """Builds dispatchers whose settings a test may vary (a provider's by its name, e.g.
    `smtp=SmtpSettings(...)`); closes their provider clients."""
    registries: list[Registry] = []

    def make(**overrides: Any) -> Dispatcher:
        given = {k: v for k, v in overrides.items() if isinstance(v, ProviderSettings)}
        core = {k: v for k, v in overrides.items() if k not in given}
        values = {"database_url": database_url, "dispatch_backoff_seconds": 30.0} | core
        settings = twilio_settings(**values)
        providers = app_providers(settings, **{"twilio": twilio_options(twilio)} | given)
        registry = Registry.from_settings(settings, providers, clock=clock)
        registries.append(registry)
        return Dispatcher(
            sessions=create_session_factory(engine),
            settings=settings,
            clock=clock,
            registry=registry,
            rng=random.Random(0),
            name="test",
        )

    yield make
    for registry in registries:
        await registry.aclose()


MEASURED = "measured"
"""A test that measures something (`record_property(MEASURED, text)`) has it printed at the end
of the run, also when the tests ran in xdist workers, whose reports carry their properties."""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for report in terminalreporter.getreports("passed") + terminalreporter.getreports("failed"):
        for name, text in report.user_properties:
            if name == MEASURED:
                terminalreporter.write_sep("-", f"measured by {report.nodeid}")
                terminalreporter.write_line(str(text))
