"""Settings, the service's and each provider plugin's: every one is documented in .env.example
with its real default, and start-up refuses those that cannot work."""

import secrets
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from app.config import Settings
from channels.errors import ConfigError
from channels.registry import Providers, discover
from channels.smtp.settings import SmtpSettings
from channels.twilio.settings import TwilioSettings
from tests.helpers.secrets import GUESSABLE

ENV_EXAMPLE = Path(__file__).parents[1] / ".env.example"
SESSION_KEY = "ops-session-key-0123456789abcdef0123"
AUTH_TOKEN = "3f9a0c2e7b14d58e6a1f0b9c4d2e7a13"
"""Shaped like a Twilio auth token (32 hex digits), so strong enough for production."""


def documented() -> dict[str, str]:
    lines = [
        line for line in ENV_EXAMPLE.read_text().splitlines() if line and not line.startswith("#")
    ]
    return dict(line.split("=", 1) for line in lines)


def as_env(value: Any) -> str:
    """How a default is written in .env.example: booleans lower-case, secrets in clear, and
    nothing for a value derived from others."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return str(value)


Refused = (ValidationError, ConfigError)
"""The service's own settings are refused as they are read, a plugin's when it is loaded."""


def configure(**values: Any) -> Providers:
    """What start-up does with these settings: `twilio_*` and `smtp_*` are those plugins'."""
    by_prefix: dict[str, dict[str, Any]] = {"twilio_": {}, "smtp_": {}, "": {}}
    for name, value in values.items():
        prefix = next(p for p in by_prefix if name.startswith(p))
        by_prefix[prefix][name.removeprefix(prefix)] = value
    core = Settings(_env_file=None, **by_prefix[""])  # type: ignore[call-arg]
    twilio = TwilioSettings(_env_file=None, **by_prefix["twilio_"])  # type: ignore[call-arg]
    smtp = SmtpSettings(_env_file=None, **by_prefix["smtp_"])  # type: ignore[call-arg]
    return Providers.load(core, env_file=None, twilio=twilio, smtp=smtp)


def test_env_example_lists_every_setting_with_its_default() -> None:
    """The service's, and those of the providers Nudge ships (`NUDGE_TWILIO_*`...)."""
    models = [Settings, *(plugin.settings for plugin in discover().values())]
    expected = {}
    for model in models:
        defaults = model.model_construct()
        prefix = str(model.model_config.get("env_prefix", ""))
        expected |= {
            f"{prefix}{name}".upper(): as_env(getattr(defaults, name))
            for name in model.model_fields
        }
    assert documented() == expected


@pytest.mark.parametrize(
    ("configured", "secret"),
    [
        (
            {"twilio_account_sid": "AC1", "public_url": "https://n.example"},
            {"twilio_auth_token": ""},
        ),
        (
            {"twilio_account_sid": "AC1", "public_url": "https://n.example"},
            {"twilio_auth_token": "changeme"},
        ),
        ({"smtp_username": "mailer"}, {"smtp_password": " "}),
    ],
)
def test_configured_adapter_with_blank_or_sample_secret_is_refused_outside_development(
    configured: dict[str, str], secret: dict[str, str]
) -> None:
    with pytest.raises(Refused, match="must be set to a real secret"):
        configure(env="production", secret_key=SESSION_KEY, **configured, **secret)
    configure(env="development", **configured, **secret)


def test_twilio_outside_development_needs_an_https_public_url() -> None:
    twilio = {"twilio_account_sid": "AC1", "twilio_auth_token": AUTH_TOKEN}
    with pytest.raises(Refused, match="NUDGE_PUBLIC_URL must be Nudge's https address"):
        configure(env="production", secret_key=SESSION_KEY, **twilio)
    configure(
        env="production",
        public_url="https://nudge.lender.example",
        secret_key=SESSION_KEY,
        **twilio,
    )


def test_secrets_are_masked_when_settings_are_printed() -> None:
    providers = configure(env="development", twilio_auth_token="tw-0123456789")
    assert "tw-0123456789" not in repr(providers.settings["twilio"])


def test_settings_come_from_nudge_prefixed_environment_variables(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NUDGE_DATABASE_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("NUDGE_PORT", "9001")
    settings = Settings()
    assert (settings.database_url, settings.port) == ("sqlite:///elsewhere.db", 9001)


@pytest.mark.parametrize("key", ["", "changeme", "short-key"])
def test_production_refuses_a_blank_sample_or_short_dashboard_session_key(key: str) -> None:
    with pytest.raises(ValidationError, match="NUDGE_SECRET_KEY must be a random secret"):
        Settings(env="production", secret_key=key)  # type: ignore[arg-type]
    Settings(env="production", secret_key=SESSION_KEY)  # type: ignore[arg-type]
    Settings(env="development", secret_key=key)  # type: ignore[arg-type]


PRODUCTION: dict[str, Any] = {
    "env": "production",
    "secret_key": SESSION_KEY,
}


@pytest.mark.parametrize(
    ("setting", "value", "refusal"),
    [
        (
            "twilio_api_base",
            "http://hooks.lender.example/x",
            "must be an https:// URL in production",
        ),
        ("twilio_api_base", "file:///etc/passwd", "must be an https:// URL in production"),
        (
            "twilio_api_base",
            "gopher://hooks.lender.example/",
            "must be an https:// URL in production",
        ),
        ("twilio_api_base", "ftp://api.twilio.com", "must be an https:// URL in production"),
        ("twilio_api_base", "https://169.254.169.254/latest", "a cloud metadata address"),
        ("twilio_api_base", "https://[fd00:ec2::254]/", "a cloud metadata address"),
        ("twilio_api_base", "https://100.100.100.200", "a cloud metadata address"),
        ("twilio_api_base", "https://[::ffff:169.254.169.254]/", "a cloud metadata address"),
        ("twilio_api_base", "https://127.1/hook", "a loopback address"),
        ("twilio_api_base", "https://localhost/hook", "names localhost"),
        ("twilio_api_base", "https://10.0.0.8", "a private address"),
        ("smtp_host", "192.168.0.25", "a private address"),
        ("smtp_host", "169.254.169.254", "a cloud metadata address"),
    ],
)
def test_production_refuses_unsafe_outbound_targets_naming_the_setting(
    setting: str, value: str, refusal: str
) -> None:
    with pytest.raises(Refused, match=f"NUDGE_{setting.upper()} .*{refusal}"):
        configure(**PRODUCTION | {setting: value})


def test_refusal_names_the_host_but_never_echoes_a_url_that_may_hold_a_token() -> None:
    with pytest.raises(Refused) as refused:
        configure(**PRODUCTION | {"twilio_api_base": "https://10.0.0.8/hooks/T0KEN-abc"})
    assert "NUDGE_TWILIO_API_BASE points at 10.0.0.8" in str(refused.value)
    assert "T0KEN" not in str(refused.value)


@pytest.mark.parametrize(
    "url", ["https://10.0.0.8/hook", "https://127.0.0.1:8443/hook", "https://[fd12::8]/hook"]
)
def test_allowing_private_targets_lets_production_reach_on_premises_addresses(url: str) -> None:
    configure(**PRODUCTION | {"twilio_api_base": url, "allow_private_targets": True})


@pytest.mark.parametrize("env", ["production", "development", "test"])
def test_metadata_addresses_are_refused_even_with_private_targets_allowed(env: str) -> None:
    with pytest.raises(Refused, match=r"NUDGE_TWILIO_API_BASE points at 169\.254\.169\.254"):
        configure(
            **PRODUCTION
            | {
                "env": env,
                "twilio_api_base": "https://169.254.169.254/",
                "allow_private_targets": True,
            }
        )


def test_development_allows_plain_http_to_loopback_fakes_but_no_other_scheme() -> None:
    configure(env="development", twilio_api_base="http://127.0.0.1:9000/hook")
    with pytest.raises(Refused, match="NUDGE_TWILIO_API_BASE must be an http"):
        configure(env="development", twilio_api_base="file:///etc/passwd")


def test_production_accepts_https_names_which_are_checked_when_connecting() -> None:
    configure(**PRODUCTION | {"twilio_api_base": "https://hooks.lender.example/nudge"})


PRODUCTION = {
    "env": "production",
    "secret_key": "kQ3v_J8pXzR1mW5tY7bN2cF9hL4sD6gA0eU-iO",
    "public_url": "https://nudge.lender.example",
    "twilio_account_sid": "AC1",
    "twilio_auth_token": AUTH_TOKEN,
    "smtp_username": "mailer",
    "smtp_password": "xqvb mtrl akpz whne",
}
"""Every secret configured, each as random as its source makes it (the SMTP password is
shaped like a mail provider's app password)."""
SECRETS = {
    "secret_key": "NUDGE_SECRET_KEY",
    "twilio_auth_token": "NUDGE_TWILIO_AUTH_TOKEN",
    "smtp_password": "NUDGE_SMTP_PASSWORD",
}


def test_production_accepts_random_secrets() -> None:
    configure(**PRODUCTION)
    for _ in range(50):
        fresh = {name: secrets.token_urlsafe(32) for name in SECRETS}
        configure(**PRODUCTION | fresh)
        configure(**PRODUCTION | {"twilio_auth_token": secrets.token_hex(16)})


@pytest.mark.parametrize("field", SECRETS)
@pytest.mark.parametrize("pattern", GUESSABLE)
def test_production_refuses_a_guessable_secret_naming_the_setting_never_the_value(
    field: str, pattern: str
) -> None:
    value = GUESSABLE[pattern]
    with pytest.raises(Refused) as refused:
        configure(**PRODUCTION | {field: value})
    message = str(refused.value)
    assert f"{SECRETS[field]} is too guessable for production" in message
    assert value not in message
    assert value[:8] not in message
    configure(**PRODUCTION | {field: value, "env": "test"})


def test_a_provider_secret_of_an_unconfigured_provider_is_not_judged() -> None:
    unused = {"smtp_username": "", "smtp_password": "a" * 40}
    configure(**PRODUCTION | unused)


def test_a_fallback_later_than_the_attempts_limit_is_refused_naming_both_settings() -> None:
    with pytest.raises(ValidationError, match="NUDGE_DISPATCH_FALLBACK_AFTER must be at most"):
        Settings(env="development", dispatch_fallback_after=6, dispatch_max_attempts=5)
    Settings(env="development", dispatch_fallback_after=5, dispatch_max_attempts=5)
