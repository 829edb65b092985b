"""Where a tenant's webhooks go and the key that signs them: each lender has its own, and
there is no global target, so one lender's reminders never reach another's system."""

from pydantic import Field, SecretStr

from channels.addresses import url_refusal
from channels.base import Account

NAME = "webhook"
"""The plugin's name: the visits the service sends go to the tenant's account with it."""


class WebhookAccount(Account):
    """Where the tenant's webhook reminders and visit requests go, and the key that signs them."""

    secret_fields = ("secret",)

    url: str = Field(
        min_length=1,
        max_length=2000,
        examples=["https://collections.lender.example/nudge"],
        description="https in production.",
    )
    secret: SecretStr | None = Field(
        None,
        max_length=256,
        description="HMAC-SHA256 key (about 128 random bits, e.g. `secrets.token_urlsafe(32)`). "
        "Write-only; omitted, the one set is kept.",
    )

    def key(self) -> str:
        return self.secret.get_secret_value() if self.secret else ""

    def refusals(self, *, production: bool, allow_private: bool) -> dict[str, str]:
        try:
            refusal = url_refusal(
                "url", self.url, production=production, allow_private=allow_private
            )
        except ValueError as error:  # urlsplit's own refusals: a broken IPv6 literal...
            refusal = f"url is not a URL: {error}"
        return {} if refusal is None else {"url": refusal}
