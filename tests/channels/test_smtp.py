"""Email through aiosmtplib to a real SMTP server (aiosmtpd) on loopback."""

import logging
import ssl
from collections.abc import Iterator

import pytest
import trustme

from app.clock import FrozenClock
from app.config import Settings
from bench.scratch import free_port
from channels.base import Channel, Message
from channels.errors import ChannelError, ConfigError, PermanentError, RetryableError
from channels.outbound import TargetRefused
from channels.smtp.adapter import SmtpAdapter
from channels.smtp.settings import SmtpSettings
from channels.status import DeliveryStatus
from tests.conftest import settings
from tests.fakes.listener import counting_listener
from tests.fakes.resolver import StaticResolver
from tests.fakes.smtp_server import Inbox, smtp_server

pytestmark = pytest.mark.anyio

LOGIN = ("nudge-mailer", "Xq7rTz9kLm2pWv4s")  # random-looking: production judges its strength

EMAIL = Message(
    channel=Channel.EMAIL,
    to="wei@example.cn",
    reference="rem-0005",
    subject="还款提醒",
    body="您好，您的还款将于 12 月 1 日到期。",
    html="<p>您好，您的还款将于 <b>12 月 1 日</b>到期。</p>",
    unsubscribe_url="https://nudge.example/u/abc",
)


def smtp_settings(port: int, **overrides: object) -> tuple[Settings, SmtpSettings]:
    """The service's settings and the global mail server; overrides named `smtp_*` are the
    server's."""
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "from_address": "reminders@lender.example",
        "starttls": False,
    }
    own = {k.removeprefix("smtp_"): v for k, v in overrides.items() if k.startswith("smtp_")}
    core = {k: v for k, v in overrides.items() if not k.startswith("smtp_")}
    return settings(**core), SmtpSettings(_env_file=None, **values | own)  # type: ignore[arg-type]


@pytest.fixture
def plain() -> Iterator[Inbox]:
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
def trusted_ca(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> trustme.CA:
    """A test CA that the client's default TLS context trusts, as a real deployment's would."""
    ca = trustme.CA()
    bundle = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    return ca


def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


async def test_email_has_text_and_html_parts_and_a_one_click_list_unsubscribe(
    plain: Inbox, clock: FrozenClock
) -> None:
    result = await SmtpAdapter(*smtp_settings(plain.port), clock=clock).send(EMAIL)
    [received] = plain.received
    mail = received.message
    assert (received.mail_from, received.rcpt_tos) == ("reminders@lender.example", [EMAIL.to])
    assert (mail["Subject"], mail["To"]) == ("还款提醒", EMAIL.to)
    assert mail.get_content_type() == "multipart/alternative"
    text, html = (part.get_content() for part in mail.iter_parts())
    assert (text.strip(), html.strip()) == (EMAIL.body, EMAIL.html)
    assert mail["List-Unsubscribe"] == (
        "<https://nudge.example/u/abc>, <mailto:reminders@lender.example?subject=unsubscribe>"
    )
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert result.status is DeliveryStatus.SENT
    assert result.provider_message_id == mail["Message-ID"]
    assert "rem-0005" in mail["Message-ID"]
    assert result.provider_status is not None
    assert "Queued as fake-1" in result.provider_status


async def test_without_an_unsubscribe_url_the_sender_mailbox_takes_unsubscribes(
    plain: Inbox, clock: FrozenClock
) -> None:
    text_only = Message(channel=Channel.EMAIL, to="wei@example.cn", reference="r", body="hi")
    await SmtpAdapter(*smtp_settings(plain.port), clock=clock).send(text_only)
    mail = plain.received[0].message
    assert mail["List-Unsubscribe"] == "<mailto:reminders@lender.example?subject=unsubscribe>"
    assert mail["List-Unsubscribe-Post"] is None
    assert mail.get_content_type() == "text/plain"


async def test_starttls_then_auth_delivers_over_an_encrypted_authenticated_session(
    trusted_ca: trustme.CA, clock: FrozenClock
) -> None:
    with smtp_server(tls=server_tls(trusted_ca), login=LOGIN) as inbox:
        config = smtp_settings(
            inbox.port, smtp_starttls=True, smtp_username=LOGIN[0], smtp_password=LOGIN[1]
        )
        result = await SmtpAdapter(*config, clock=clock).send(EMAIL)
    assert result.error is None
    [received] = inbox.received
    assert (received.encrypted, received.authenticated) == (True, True)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_implicit_tls_delivers_over_an_encrypted_session(
    trusted_ca: trustme.CA, clock: FrozenClock
) -> None:
    with smtp_server(tls=server_tls(trusted_ca), implicit_tls=True, login=LOGIN) as inbox:
        config = smtp_settings(
            inbox.port, smtp_use_tls=True, smtp_username=LOGIN[0], smtp_password=LOGIN[1]
        )
        result = await SmtpAdapter(*config, clock=clock).send(EMAIL)
    assert result.error is None
    assert inbox.received[0].encrypted


async def test_wrong_smtp_password_is_a_config_error_and_is_never_logged(
    trusted_ca: trustme.CA, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    with smtp_server(tls=server_tls(trusted_ca), login=LOGIN) as inbox:
        config = smtp_settings(
            inbox.port, smtp_starttls=True, smtp_username=LOGIN[0], smtp_password="wrong-pass-42"
        )
        with caplog.at_level(logging.DEBUG):
            result = await SmtpAdapter(*config, clock=clock).send(EMAIL)
    assert isinstance(result.error, ConfigError)
    assert inbox.received == []
    assert "wrong-pass-42" not in caplog.text
    assert "wrong-pass-42" not in str(result.error)


@pytest.mark.parametrize(
    ("recipient", "expected", "code"),
    [
        ("reject@example.cn", PermanentError, "550"),
        ("later@example.cn", RetryableError, None),
    ],
)
async def test_recipient_refusals_are_classified_by_reply_code(
    plain: Inbox,
    clock: FrozenClock,
    recipient: str,
    expected: type[ChannelError],
    code: str | None,
) -> None:
    message = Message(channel=Channel.EMAIL, to=recipient, reference="r", body="hi")
    result = await SmtpAdapter(*smtp_settings(plain.port), clock=clock).send(message)
    assert type(result.error) is expected
    assert getattr(result.error, "code", None) == code
    assert plain.received == []


async def test_unreachable_smtp_server_is_retryable(clock: FrozenClock) -> None:
    result = await SmtpAdapter(*smtp_settings(free_port()), clock=clock).send(EMAIL)
    assert result.retryable
    assert "nothing sent" in str(result.error)


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"smtp_from_address": ""}, "NUDGE_SMTP_FROM_ADDRESS"),
        ({"smtp_use_tls": True, "smtp_starttls": True}, "exclude each other"),
    ],
)
def test_smtp_adapter_refuses_an_unusable_configuration(
    clock: FrozenClock, overrides: dict[str, object], problem: str
) -> None:
    with pytest.raises(ConfigError, match=problem):
        SmtpAdapter(*smtp_settings(25, **overrides), clock=clock)


PRODUCTION = {"env": "production", "secret_key": "RNxuKP92ONDZ7pTRz3z8OB22u0tSeVL_r9CA5XuTI_8"}


@pytest.mark.parametrize("address", ["127.0.0.1", "169.254.169.254"])
async def test_production_refuses_a_relay_name_resolving_to_an_internal_address(
    clock: FrozenClock, address: str
) -> None:
    resolver = StaticResolver({"mail.lender.example": [address]})
    with counting_listener() as listener:
        config = smtp_settings(listener.port, smtp_host="mail.lender.example", **PRODUCTION)
        result = await SmtpAdapter(*config, clock=clock, resolver=resolver).send(EMAIL)
    assert isinstance(result.error, TargetRefused)
    assert f"NUDGE_SMTP_HOST: refused to connect to mail.lender.example at {address}" in str(
        result.error
    )
    assert listener.connections == 0


async def test_starttls_to_a_relay_name_checks_the_certificate_for_the_name_at_the_vetted_address(
    trusted_ca: trustme.CA, clock: FrozenClock
) -> None:
    """Production with private targets allowed: an on-premises relay, its certificate for its
    name, reached at the address the resolver gave."""
    resolver = StaticResolver({"mail.lender.internal": ["127.0.0.1"]})
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trusted_ca.issue_cert("mail.lender.internal").configure_cert(context)
    with smtp_server(tls=context, login=LOGIN) as inbox:
        config = smtp_settings(
            inbox.port,
            smtp_host="mail.lender.internal",
            smtp_starttls=True,
            smtp_username=LOGIN[0],
            smtp_password=LOGIN[1],
            allow_private_targets=True,
            **PRODUCTION,
        )
        result = await SmtpAdapter(*config, clock=clock, resolver=resolver).send(EMAIL)
    assert result.error is None
    assert inbox.received[0].encrypted
    assert resolver.asked == ["mail.lender.internal"]
