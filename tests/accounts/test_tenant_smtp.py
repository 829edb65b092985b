"""A tenant with its own mail server sends its emails through it, from its own address and with
its own login; a tenant without one sends through the global server."""

from collections.abc import Callable, Iterator

import pytest

from tests.conftest import DispatcherFactory, Tenant, smtp_options
from tests.factories import customer
from tests.fakes.smtp_server import Inbox, smtp_server
from tests.fakes.twilio_server import FakeTwilio
from tests.helpers.api import read, submit

pytestmark = [
    pytest.mark.anyio,
    # the tenant's relay asks for AUTH over plain SMTP: on loopback, in a test, that is fine
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

LOGIN = ("alpha-mailer", "kq7Vx2pL9wRm4tZcH3nB")


@pytest.fixture
def global_inbox() -> Iterator[Inbox]:
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
def alpha_inbox() -> Iterator[Inbox]:
    with smtp_server(login=LOGIN) as inbox:
        yield inbox


async def test_a_tenant_with_its_own_mail_server_sends_through_it_and_others_through_the_global(
    new_tenant: Callable[[str], Tenant],
    make_dispatcher: DispatcherFactory,
    twilio: FakeTwilio,
    global_inbox: Inbox,
    alpha_inbox: Inbox,
) -> None:
    alpha, beta = new_tenant("alpha"), new_tenant("beta")
    own = {
        "host": "127.0.0.1",
        "port": alpha_inbox.port,
        "username": LOGIN[0],
        "password": LOGIN[1],
        "starttls": False,
        "from_address": "reminders@alpha.example",
    }
    stored = alpha.client.put("/v1/tenant/providers/smtp", json=own)
    assert stored.status_code == 200, stored.text
    sent = {
        name: submit(tenant, channels=["email"], customer=customer(ref=f"{name}-1"))
        for name, tenant in {"alpha": alpha, "beta": beta}.items()
    }
    await make_dispatcher(
        smtp=smtp_options(global_inbox.port, from_address="reminders@nudge.example")
    ).run_once()

    [mine] = alpha_inbox.received
    assert (mine.mail_from, mine.authenticated) == ("reminders@alpha.example", True)
    [theirs] = global_inbox.received
    assert theirs.mail_from == "reminders@nudge.example"
    assert read(alpha, sent["alpha"])["status"] == "sent"
    assert read(beta, sent["beta"])["status"] == "sent"
