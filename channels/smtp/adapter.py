"""Email through an SMTP relay with aiosmtplib: STARTTLS or implicit TLS, optional AUTH,
text and HTML alternatives, and a List-Unsubscribe header on every message: Nudge's signed
link first (one-click, RFC 8058, when it is https), the sender's mailbox beside it."""

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import ClassVar

import aiosmtplib

from channels.base import Adapter, Channel, Message, SendResult
from channels.errors import (
    AmbiguousError,
    ChannelError,
    ConfigError,
    PermanentError,
    RetryableError,
)
from channels.outbound import open_socket
from channels.smtp.settings import SmtpAccount, SmtpSettings
from channels.status import DeliveryStatus


@dataclass(frozen=True)
class Outgoing:
    """The email, and the server (the tenant's own or the global one) that sends it."""

    email: EmailMessage
    account: SmtpAccount


class SmtpAdapter(Adapter[Outgoing, tuple[str, str]]):
    name: ClassVar[str] = "smtp"
    channels: ClassVar[frozenset[Channel]] = frozenset({Channel.EMAIL})
    rate_per_second: ClassVar[float] = 5.0
    max_concurrency: ClassVar[int] = 5

    own: SmtpSettings

    def check_settings(self) -> None:
        own = self.own
        if own.host and not own.from_address:
            raise ConfigError("smtp needs NUDGE_SMTP_FROM_ADDRESS with NUDGE_SMTP_HOST")
        if own.use_tls and own.starttls:
            raise ConfigError("NUDGE_SMTP_USE_TLS and NUDGE_SMTP_STARTTLS exclude each other")

    def account_of(self, message: Message) -> SmtpAccount:
        """The tenant's own server, else the global one; neither is a configuration error."""
        if isinstance(message.account, SmtpAccount):
            return message.account
        account = SmtpAccount.of(self.own)
        if account is None:
            raise ConfigError(
                "no mail server: set NUDGE_SMTP_HOST and NUDGE_SMTP_FROM_ADDRESS, or store the "
                "tenant's own (PUT /v1/tenant/providers/smtp)"
            )
        return account

    def build(self, message: Message) -> Outgoing:
        account = self.account_of(message)
        sender = account.from_address
        email = EmailMessage()
        email["From"] = sender
        email["To"] = message.to
        email["Subject"] = message.subject or ""
        email["Date"] = format_datetime(self.clock.now())
        email["Message-ID"] = make_msgid(idstring=message.reference, domain=sender.split("@")[-1])
        email["List-Unsubscribe"] = ", ".join(
            f"<{target}>"
            for target in (message.unsubscribe_url, f"mailto:{sender}?subject=unsubscribe")
            if target
        )
        if (message.unsubscribe_url or "").startswith("https:"):
            email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058 one-click
        email.set_content(message.body)
        if message.html:
            email.add_alternative(message.html, subtype="html")
        return Outgoing(email, account)

    async def transmit(self, request: Outgoing) -> tuple[str, str]:
        """The Message-ID, which Nudge chose and so can correlate, and the relay's reply."""
        settings, account = self.settings, request.account
        guard = self.outbound_guard("NUDGE_SMTP_HOST")
        try:
            connection = await open_socket(
                guard,
                account.host,
                account.port,
                timeout=settings.channel_connect_timeout_seconds,
            )
        except OSError as error:
            raise RetryableError(f"SMTP server unreachable, nothing sent: {error!r}") from error
        # aiosmtplib owns the socket from here, and uses the host name for TLS
        _, reply = await aiosmtplib.send(
            request.email,
            hostname=account.host,
            sock=connection,
            username=account.username or None,
            password=account.password.get_secret_value() if account.password else None,
            use_tls=account.use_tls,
            start_tls=account.starttls,
            timeout=settings.channel_read_timeout_seconds,
        )
        return str(request.email["Message-ID"]), reply

    def parse(self, answer: tuple[str, str], message: Message) -> SendResult:
        message_id, reply = answer
        return SendResult(
            status=DeliveryStatus.SENT,
            provider_message_id=message_id,
            provider_status=reply,
            raw={"reply": reply},
        )

    def classify(self, error: Exception) -> ChannelError | None:
        """Before the envelope is sent a failure is safe to retry; a reply code says the rest."""
        match error:
            case aiosmtplib.SMTPConnectError():
                return RetryableError(f"SMTP server unreachable, nothing sent: {error}")
            case aiosmtplib.SMTPRecipientsRefused(recipients=[refused, *_]):
                return _by_reply_code(refused.code, refused.message)
            case aiosmtplib.SMTPAuthenticationError() | aiosmtplib.SMTPNotSupported():
                return ConfigError(f"SMTP set-up refused: {error}")
            case aiosmtplib.SMTPSenderRefused(code=code) if code >= 500:
                return ConfigError(f"SMTP refused the sender: {error}")
            case aiosmtplib.SMTPResponseException(code=code, message=text):
                return _by_reply_code(code, text)
            case aiosmtplib.SMTPTimeoutError() | aiosmtplib.SMTPServerDisconnected():
                return AmbiguousError(f"SMTP server went quiet mid-send: {error}")
        return None


def _by_reply_code(code: int, text: str) -> ChannelError:
    """4xx replies are temporary by definition (RFC 5321 section 4.2.1); 5xx are final."""
    if 400 <= code < 500:
        return RetryableError(f"SMTP {code}: {text}")
    return PermanentError(f"SMTP {code}: {text}", code=str(code))
