"""A provider written outside Nudge's tree (tests/plugins/nudge_pigeon), installed as an
operator would install it, with pip, and found through its `nudge.providers` entry point:
nothing in app/ names it, yet a tenant stores its account for it, a reminder goes out through
it, and its signed delivery receipt moves the attempt on; a receipt signed with another key
is refused."""

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from app.clock import FrozenClock
from app.main import create_app
from channels.base import ProviderSettings
from channels.plugin import Plugin
from channels.registry import discover
from tests.conftest import DispatcherFactory, Server, Tenant, app_providers, app_settings
from tests.fakes.pigeon_server import FakePigeon, fake_pigeon, receipt
from tests.helpers.api import read, submit
from tests.servers import serving

pytestmark = pytest.mark.anyio

SOURCE = Path(__file__).parent / "nudge_pigeon"
RECEIPTS = "/v1/webhooks/pigeon/receipts"
PIP_INSTALL = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index"]
PIP_INSTALL += ["--no-build-isolation"]  # builds with the setuptools installed beside Nudge
ALPHA = {
    "sender": "AlphaLoans",
    "api_key": "pk_q7XvR2mN9tLw4KbZ8cJ3fH6yD1sA5gPe0uTi",
    "signing_secret": "Wd4nQ8zK1vB6xM3rT9cL2pF7hJ5sG0aY-eUo",
}
BETA = {
    "sender": "BetaCredit",
    "api_key": "pk_V3bN8kQ1wZ6mX4rC9tJ2hL7fD5sG0aYpEuI",
    "signing_secret": "Hs7Lq2Wx9Kv4Bn1Mz6Rt3Cj8Fp5Dg0Ay-eUi",
}


@pytest.fixture(scope="module")
def pigeon_plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plugin]:
    """`pip install` into a directory of its own (a copy of the source, so the build leaves
    nothing in the tree), put on the path the way site-packages is: only its dist-info's
    entry point tells Nudge it exists."""
    work = tmp_path_factory.mktemp("pigeon")
    shutil.copytree(SOURCE, work / "src")
    target = work / "site"
    subprocess.run(
        [*PIP_INSTALL, "--target", str(target), str(work / "src")],
        check=True,
        timeout=120,
    )
    sys.path.insert(0, str(target))
    try:
        yield discover()["pigeon"]
    finally:
        sys.path.remove(str(target))
        for module in [m for m in sys.modules if m.split(".")[0] == "nudge_pigeon"]:
            del sys.modules[module]


@pytest.fixture(scope="module")
def pigeon_api() -> Iterator[FakePigeon]:
    with fake_pigeon(ALPHA["api_key"], BETA["api_key"]) as fake:
        yield fake


@pytest.fixture(scope="module")
def pigeon_settings(pigeon_plugin: Plugin, pigeon_api: FakePigeon) -> ProviderSettings:
    """Pigeon's global settings: its API on the fake, and no global account."""
    return pigeon_plugin.settings(_env_file=None, api_base=pigeon_api.url)  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def server(
    database_url: str, clock: FrozenClock, pigeon_settings: ProviderSettings
) -> Iterator[Server]:
    """This module's tenants talk to a service started with the plugin installed."""
    settings = app_settings(database_url)
    app = create_app(settings, clock, app_providers(settings, pigeon=pigeon_settings))
    with serving(app) as url:
        yield Server(url=url, app=app)


@pytest.fixture
def pigeon_api_fresh(pigeon_api: FakePigeon) -> FakePigeon:
    pigeon_api.received.clear()
    return pigeon_api


def post_receipt(client: httpx.Client, secret: str, **fields: str) -> httpx.Response:
    body, headers = receipt(secret, **fields)
    return client.post(RECEIPTS, content=body, headers=headers)


async def test_an_installed_plugin_sends_through_a_tenants_own_account_and_takes_its_receipts(
    new_tenant: Callable[[str], Tenant],
    make_dispatcher: DispatcherFactory,
    pigeon_settings: ProviderSettings,
    pigeon_api_fresh: FakePigeon,
    anonymous: httpx.Client,
) -> None:
    alpha, beta = new_tenant("alpha"), new_tenant("beta")
    for tenant, account in ((alpha, ALPHA), (beta, BETA)):
        stored = tenant.client.put("/v1/tenant/providers/pigeon", json=account)
        assert stored.status_code == 200, stored.text
        assert stored.json()["secrets_set"] == ["api_key", "signing_secret"]
    reminder_id = submit(alpha, channels=["sms"])

    await make_dispatcher(pigeon=pigeon_settings).run_once()

    [sent] = pigeon_api_fresh.received
    assert sent.api_key == ALPHA["api_key"]
    assert (sent.document["from"], sent.document["reference"]) == ("AlphaLoans", reminder_id)
    [attempt] = read(alpha, reminder_id)["attempts"]
    assert (attempt["provider"], attempt["provider_message_id"]) == ("pigeon_sms", sent.id)
    assert read(alpha, reminder_id)["status"] == "sent"

    forged = post_receipt(
        anonymous, BETA["signing_secret"], id=sent.id, state="failed", reference=reminder_id
    )
    assert forged.status_code == 403
    assert forged.headers["content-type"] == "application/problem+json"
    assert read(alpha, reminder_id)["status"] == "sent"

    genuine = post_receipt(
        anonymous, ALPHA["signing_secret"], id=sent.id, state="delivered", reference=reminder_id
    )
    assert genuine.status_code == 204, genuine.text
    delivered = read(alpha, reminder_id)
    assert delivered["status"] == "delivered"
    assert delivered["attempts"][0]["status"] == "delivered"


def test_a_receipt_that_is_not_a_json_object_is_refused_naming_the_body(
    anonymous: httpx.Client,
) -> None:
    answer = anonymous.post(RECEIPTS, content=b"[]", headers={"Pigeon-Signature": "sha256=0"})
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"field": "body", "detail": "must be a JSON object"}]


def test_the_plugins_route_and_account_are_in_the_api_description(anonymous: httpx.Client) -> None:
    paths = anonymous.get("/openapi.json").json()["paths"]
    assert "post" in paths[RECEIPTS]
    assert "put" in paths["/v1/tenant/providers/pigeon"]
