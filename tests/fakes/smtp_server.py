"""A real SMTP server (aiosmtpd) on a loopback port that keeps what it receives.

Recipients whose local part starts with `reject` get a 550, with `later` a 451, so tests see
real reply codes. With a TLS context it offers STARTTLS or speaks implicit TLS, and with
credentials it requires AUTH.
"""

import email
import email.policy
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from bench.scratch import free_port


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    authenticated: bool
    encrypted: bool


@dataclass
class Inbox:
    port: int = 0
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("reject"):
            return "550 5.1.1 No such mailbox"
        if address.startswith("later"):
            return "451 4.3.0 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(
            Received(
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                message=parsed,
                authenticated=session.authenticated or False,
                encrypted=server.transport.get_extra_info("ssl_object") is not None,
            )
        )
        return "250 2.0.0 Queued as fake-1"


@contextmanager
def smtp_server(
    *,
    tls: ssl.SSLContext | None = None,
    implicit_tls: bool = False,
    login: tuple[str, str] | None = None,
    port: int | None = None,
) -> Iterator[Inbox]:
    """`port`: one a test chose before, to bring a relay that refused connections back up."""
    inbox = Inbox(port=port or free_port())

    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and (data.login.decode(), data.password.decode()) == login
        )
        return AuthResult(success=ok, handled=False)

    # aiosmtpd only counts STARTTLS as TLS; on an implicit-TLS connection AUTH is safe too
    options: dict[str, Any] = {"auth_require_tls": tls is not None and not implicit_tls}
    if login:
        options |= {"authenticator": authenticate, "auth_required": True}
    if tls and implicit_tls:
        options["ssl_context"] = tls
    elif tls:
        options |= {"tls_context": tls, "require_starttls": True}
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, **options)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
