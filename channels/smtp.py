"""Email through an SMTP relay with aiosmtplib: STARTTLS or implicit TLS, optional AUTH,
text and HTML alternatives, and a List-Unsubscribe header on every message: Nudge's signed
link first (one-click, RFC 8058, when it is https), the sender's mailbox beside it."""

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import ClassVar

import aiosmtplib

from app.config import Settings
from channels.base import Adapter, Channel, Message, SendResult
from channels.errors import (
    AmbiguousError,
    ChannelError,
    ConfigError,
    PermanentError,
    RetryableError,
)
from channels.outbound import open_socket
from channels.status import DeliveryStatus


class SmtpAdapter(Adapter[EmailMessage, tuple[str, str]]):
    name: ClassVar[str] = "smtp"
    channels: ClassVar[frozenset[Channel]] = frozenset({Channel.EMAIL})
    rate_per_second: ClassVar[float] = 5.0
    max_concurrency: ClassVar[int] = 5

    def check_settings(self, settings: Settings) -> None:
        if not settings.smtp_host or not settings.smtp_from_address:
            raise ConfigError("smtp needs NUDGE_SMTP_HOST and NUDGE_SMTP_FROM_ADDRESS")
        if settings.smtp_use_tls and settings.smtp_starttls:
            raise ConfigError("NUDGE_SMTP_USE_TLS and NUDGE_SMTP_STARTTLS exclude each other")

    def build(self, message: Message) -> EmailMessage:
        sender = self.settings.smtp_from_address
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
        return email

    async def transmit(self, request: EmailMessage) -> tuple[str, str]:
        """The Message-ID, which Nudge chose and so can correlate, and the relay's reply."""
        settings = self.settings
        guard = self.outbound_guard("NUDGE_SMTP_HOST")
        try:
            connection = await open_socket(
                guard,
                settings.smtp_host,
                settings.smtp_port,
                timeout=settings.channel_connect_timeout_seconds,
            )
        except OSError as error:
            raise RetryableError(f"SMTP server unreachable, nothing sent: {error!r}") from error
        # aiosmtplib owns the socket from here, and uses the host name for TLS
        _, reply = await aiosmtplib.send(
            request,
            hostname=settings.smtp_host,
            sock=connection,
            username=settings.smtp_username or None,
            password=settings.smtp_password.get_secret_value() or None,
            use_tls=settings.smtp_use_tls,
            start_tls=settings.smtp_starttls,
            timeout=settings.channel_read_timeout_seconds,
        )
        return str(request["Message-ID"]), reply

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
