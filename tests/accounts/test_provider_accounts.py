"""A tenant's own provider accounts: stored sealed, shown without secrets, validated like the
global settings, and re-encrypted when the key rotates."""

import os
import subprocess

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import ProviderAccount
from app.accounts.vault import DEVELOPMENT_KEY, UnreadableCredentials, Vault
from channels.twilio.settings import TwilioAccount
from tests.conftest import Tenant, settings
from tests.helpers.cli import NUDGE

TOKEN = "f3b9c1d7e2a84605b1c9d3e7f2a6b0c4"
TWILIO = {"account_sid": "AC" + "a1" * 16, "auth_token": TOKEN, "from_number": "+15005550101"}
SMTP_PASSWORD = "kq7Vx2pL9wRm4tZc"
SMTP = {
    "host": "smtp.lender.example",
    "port": 465,
    "username": "reminders",
    "password": SMTP_PASSWORD,
    "use_tls": True,
    "starttls": False,
    "from_address": "reminders@lender.example",
}


def raw_rows(db: Session) -> str:
    db.rollback()  # see what the server committed
    rows = db.execute(sa.text("SELECT * FROM provider_accounts")).all()
    return repr(rows)


def test_stored_secrets_are_not_in_the_database_in_clear_nor_shown_back(
    tenant: Tenant, db: Session
) -> None:
    for name, body in {"twilio": TWILIO, "smtp": SMTP}.items():
        stored = tenant.client.put(f"/v1/tenant/providers/{name}", json=body)
        assert stored.status_code == 200, stored.text
    row = raw_rows(db)
    assert TOKEN not in row
    assert SMTP_PASSWORD not in row
    assert TWILIO["account_sid"] in row  # no secret: shown and searchable
    listed = tenant.client.get("/v1/tenant/providers")
    assert TOKEN not in listed.text
    assert SMTP_PASSWORD not in listed.text
    shown = {a["provider"]: a for a in listed.json()}
    assert shown["twilio"]["secrets_set"] == ["auth_token"]
    assert shown["smtp"]["settings"]["host"] == "smtp.lender.example"
    assert tenant.client.get("/v1/tenant/providers/smtp").json()["secrets_set"] == ["password"]


def test_a_put_without_the_secret_keeps_the_one_stored(tenant: Tenant, db: Session) -> None:
    tenant.client.put("/v1/tenant/providers/twilio", json=TWILIO)
    changed = TWILIO | {"from_number": "+15005550199"}
    del changed["auth_token"]
    assert tenant.client.put("/v1/tenant/providers/twilio", json=changed).status_code == 200
    db.rollback()
    account = accounts.stored(db, tenant_id=tenant.id, provider="twilio")
    assert account is not None
    opened = accounts.open_account(account, Vault(settings()), TwilioAccount)
    assert isinstance(opened, TwilioAccount)
    assert (opened.token(), opened.from_number) == (TOKEN, "+15005550199")


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        pytest.param("twilio", TWILIO | {"account_sid": "XX1"}, "account_sid", id="twilio-sid"),
        pytest.param("twilio", TWILIO | {"auth_token": "password1234"}, "auth_token", id="weak"),
        pytest.param(
            "twilio",
            {k: v for k, v in TWILIO.items() if k != "auth_token"},
            "auth_token",
            id="no-token",
        ),
        pytest.param("smtp", SMTP | {"host": "169.254.169.254"}, "host", id="metadata-host"),
        pytest.param("smtp", SMTP | {"port": 0}, "port", id="port"),
        pytest.param(
            "webhook", {"url": "http://169.254.169.254/", "secret": "x" * 40}, "url", id="url"
        ),
    ],
)
def test_an_unusable_account_is_refused_with_the_field_and_nothing_is_stored(
    tenant: Tenant, db: Session, name: str, body: dict[str, object], field: str
) -> None:
    refused = tenant.client.put(f"/v1/tenant/providers/{name}", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in refused.json()["errors"]]
    assert TOKEN not in refused.text
    assert tenant.client.get("/v1/tenant/providers").json() == []


def test_a_deleted_account_is_gone_and_the_tenant_back_on_the_global_one(tenant: Tenant) -> None:
    tenant.client.put("/v1/tenant/providers/twilio", json=TWILIO)
    assert tenant.client.delete("/v1/tenant/providers/twilio").status_code == 204
    assert tenant.client.get("/v1/tenant/providers/twilio").status_code == 404
    assert tenant.client.delete("/v1/tenant/providers/twilio").status_code == 404


@pytest.mark.usefixtures("db")
def test_rotate_credentials_re_encrypts_every_row_under_the_first_key(
    tenant: Tenant, db: Session, database_url: str
) -> None:
    """The server stored it under the development key; after the command only the new key is
    needed, and the old one no longer opens it."""
    assert tenant.client.put("/v1/tenant/providers/twilio", json=TWILIO).status_code == 200
    new = Fernet.generate_key().decode()
    keys = f"{new},{DEVELOPMENT_KEY.decode()}"
    env = os.environ | {"NUDGE_DATABASE_URL": database_url, "NUDGE_CREDENTIALS_KEYS": keys}
    done = subprocess.run(
        [NUDGE, "rotate-credentials"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "re-encrypted 1 provider accounts" in done.stdout
    assert new not in done.stdout + done.stderr
    db.rollback()
    sealed = db.scalars(sa.select(ProviderAccount.sealed)).one()
    assert Vault(settings(credentials_keys=new)).open(sealed)["auth_token"] == TOKEN
    with pytest.raises(UnreadableCredentials):
        Vault(settings()).open(sealed)  # the development key it was stored under


@pytest.mark.parametrize("method", ["PUT", "GET", "DELETE"])
def test_a_provider_that_is_not_installed_has_no_account_and_is_not_found(
    tenant: Tenant, method: str
) -> None:
    answer = tenant.client.request(method, "/v1/tenant/providers/nope", json=TWILIO)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] == "no provider named 'nope' is installed"
