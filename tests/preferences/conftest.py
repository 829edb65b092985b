"""The lender's webhook, receiving the notices a hardship request queues."""

import secrets
from collections.abc import Iterator

import pytest

from tests.conftest import Tenant
from tests.fakes.webhook_receiver import WebhookReceiver, webhook_receiver


@pytest.fixture
def receiver(tenant: Tenant) -> Iterator[WebhookReceiver]:
    secret = secrets.token_urlsafe(32)
    with webhook_receiver(secret.encode()) as receiver:
        body = {"display_name": "acme", "webhook_url": receiver.url, "webhook_secret": secret}
        assert tenant.client.put("/v1/tenant", json=body).status_code == 200
        yield receiver
