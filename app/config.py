"""Every setting of the service, read from `NUDGE_*` environment variables (or a `.env` file)."""

from functools import lru_cache
from typing import Annotated, Literal, Self

from cryptography.fernet import Fernet
from fastapi import Depends, Request
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.secret_strength import weakness
from channels.addresses import host_refusal, url_refusal

PLACEHOLDER_SECRETS = frozenset({"changeme", "change-me", "changethis", "secret", "placeholder"})
SECRET_BITS = 128
"""Secrets Nudge's operators and tenants choose: the session key and webhook signing keys."""
PROVIDER_SECRET_BITS = 56
"""Secrets a provider issues (a Twilio auth token, an SMTP password), whose form we do not
choose: a mail provider's app password may be 16 random letters, about 75 bits."""
GENERATE = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
ROTATE = "set the one the provider issued, or have it issue a stronger one"


DEFAULT_IN_FLIGHT = 16
"""Requests an API process runs at once by default: a submit is mostly CPU (about 12 ms of it
against 2 ms waiting for the database), so more at once only lengthens each one."""
API_CONNECTION_BUDGET = 80
"""Connections the default limits let all API workers of one `nudge serve` open together:
PostgreSQL's default max_connections is 100, and `nudge worker`s and psql need some."""
DEFAULT_OVERFLOW = 4
DISPATCHER_CONNECTIONS = 8
"""The embedded dispatcher's claims and records run on asyncio's default thread pool."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NUDGE_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    env: Literal["development", "production", "test"] = Field(
        "development", description="Deployment environment; development enables console channels."
    )
    database_url: str = Field(
        "sqlite:///./nudge.db",
        description="SQLAlchemy URL: a SQLite file, or postgresql+psycopg://... in production.",
    )
    database_echo: bool = Field(False, description="Log every SQL statement (debugging only).")
    database_pool_size: int | None = Field(
        None,
        ge=1,
        description="Connections each API or worker process keeps open to the database. Empty: "
        "for the API the process's request limit (NUDGE_API_MAX_IN_FLIGHT), plus the embedded "
        "dispatcher's share when it runs, so a request admitted never waits for a connection; "
        "for `nudge worker` the dispatcher's 8.",
    )
    database_max_overflow: int | None = Field(
        None,
        ge=0,
        description="Extra connections an API or worker process may open beyond the pool for "
        "the paths the request limit does not count (health checks). Empty: 4. On PostgreSQL, "
        "the sum over every process of every replica must fit within max_connections.",
    )
    api_workers: int = Field(
        1,
        ge=1,
        description="uvicorn worker processes `nudge serve` starts (`--workers` overrides). "
        "More than one serves the API only: run the dispatcher as `nudge worker`.",
    )
    api_max_in_flight: int | None = Field(
        None,
        ge=1,
        description="Requests each API process runs at once; later ones wait in a queue. "
        "Empty: 16, or less when NUDGE_API_WORKERS processes would otherwise need more than "
        "80 database connections together.",
    )
    api_max_queued: int = Field(
        256,
        ge=0,
        description="Requests each API process keeps waiting for a turn; beyond it the API "
        "answers 503 with Retry-After at once instead of queueing without bound.",
    )
    api_queue_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="A request that waited this long for a turn is answered 503 with "
        "Retry-After instead of being run for a client that has likely given up; it also "
        "bounds how long the API takes to answer promptly again after an overload.",
    )
    host: str = Field("127.0.0.1", description="Address `nudge serve` binds to.")
    port: int = Field(8000, description="Port `nudge serve` listens on.")
    max_body_bytes: int = Field(
        1024 * 1024, description="Largest accepted request body; larger ones get 413."
    )
    idempotency_ttl_hours: int = Field(
        24, ge=24, description="How long Idempotency-Key records are kept (at least 24 hours)."
    )
    embedded_worker: bool = Field(
        True, description="Run the dispatcher inside `nudge serve` (`--no-worker` turns it off)."
    )
    dispatch_interval: float = Field(
        2.0, gt=0, description="Seconds between the dispatcher's polls for due reminders."
    )
    dispatch_batch_size: int = Field(100, ge=1, description="Reminders claimed per poll.")
    dispatch_concurrency: int = Field(32, ge=1, description="Provider calls in flight at once.")
    dispatch_lease_seconds: int = Field(
        300, ge=1, description="A claim held longer than this belongs to a worker that died."
    )
    dispatch_max_attempts: int = Field(
        5, ge=1, description="Provider calls per reminder before a retryable error fails it."
    )
    dispatch_backoff_seconds: float = Field(
        30.0, gt=0, description="First retry delay; doubles each attempt (with jitter)."
    )
    dispatch_backoff_max_seconds: float = Field(3600.0, gt=0, description="Longest retry delay.")
    dispatch_fallback_after: int = Field(
        2,
        ge=1,
        description="Retryable failures on one channel after which a reminder moves on to its "
        "next channel (through the contact policy again); at most NUDGE_DISPATCH_MAX_ATTEMPTS.",
    )
    dispatch_max_round_failures: int = Field(
        3,
        ge=1,
        description="Rounds in a row a reminder may make fail (an error its own handling did not "
        "catch) before it is set aside as failed, instead of being retried forever.",
    )
    retention_days: int = Field(
        365,
        ge=0,
        description="Days after which message bodies, stale contact details and hardship "
        "requests' notes are erased by the daily retention job; 0 keeps them forever.",
    )
    pending_callback_ttl_seconds: int = Field(
        3600,
        ge=60,
        description="How long a provider status callback for a message whose id the dispatcher "
        "has not recorded yet is kept waiting for it; unmatched ones are then deleted.",
    )
    pending_callback_limit: int = Field(
        10_000,
        ge=1,
        description="Most status callbacks kept waiting at once; beyond it the oldest are dropped.",
    )
    db_retry_after_seconds: int = Field(
        5,
        ge=1,
        description="`Retry-After` of the 503 answered while the database cannot be reached.",
    )

    # Limits on callers (per process: N replicas allow N times these; docs/architecture.md).
    rate_limit_per_second: float = Field(
        20.0,
        gt=0,
        description="Requests per second each API key may make on average, after its burst; "
        "over it the API answers 429 with Retry-After. A batch of 1,000 reminders is one request.",
    )
    api_key_cache_seconds: float = Field(
        5.0,
        ge=0,
        description="How long each API process trusts a key it has looked up before looking it "
        "up again: a revoked key keeps working for at most this long. 0: every request looks "
        "its key up.",
    )
    rate_limit_burst: int = Field(
        100, ge=1, description="Requests an API key may make at once before the average applies."
    )
    ops_sign_in_max_failures: int = Field(
        5,
        ge=1,
        description="Failed dashboard sign-ins from one address, or for one key prefix, within "
        "the window before further attempts get 429 until the window ends.",
    )
    ops_sign_in_window_seconds: int = Field(
        60, ge=1, description="The window the dashboard's sign-in failures are counted over."
    )
    metrics_token: SecretStr = Field(
        SecretStr(""),
        description="Bearer token `GET /metrics` requires when set. In production /metrics "
        "answers 404 until it is set; in development and tests it is open without one.",
    )
    # Each `nudge worker`'s own /metrics (prometheus-client's HTTP server, in a thread).
    worker_metrics_port: int = Field(
        0,
        ge=0,
        le=65535,
        description="Port each `nudge worker` serves Prometheus `/metrics` on (its dispatch "
        "counters, and the backlog read from the database); 0 serves none. Give each worker "
        "on one host its own port.",
    )
    worker_metrics_host: str = Field(
        "127.0.0.1",
        description="Address the worker's `/metrics` binds to. It asks for no token (unlike "
        "the API's): bind it where only the scraper reaches, such as a private network.",
    )

    # Rendering: what one message's render may cost (tenant templates are untrusted code).
    render_timeout_ms: int = Field(
        50, ge=1, description="CPU time one message's render may take, in milliseconds."
    )
    render_max_operations: int = Field(
        10_000,
        ge=100,
        description="Loop steps, calls, filters, operators and attribute reads one render may "
        "make; deterministic, so a template refused at send is refused on save.",
    )
    render_max_bytes_sms: int = Field(
        2048, ge=160, description="UTF-8 bytes an SMS's rendered text may have."
    )
    render_max_bytes_voice: int = Field(
        2048, ge=160, description="UTF-8 bytes a voice script may have."
    )
    render_max_bytes_email: int = Field(
        262_144, ge=1024, description="UTF-8 bytes an email's subject, text and HTML may have."
    )
    render_max_bytes_webhook: int = Field(
        16_384, ge=1024, description="UTF-8 bytes a webhook payload's rendered strings may have."
    )

    # Channels: which adapter serves each channel (each provider plugin reads its own
    # `NUDGE_<NAME>_*` settings: channels/plugin.py).
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="Where providers and customers reach Nudge; status-callback URLs and "
        "the unsubscribe links in emails and the borrower links (`{{ manage_url }}`) are built "
        "from it.",
    )
    manage_link_days: int = Field(
        30,
        ge=1,
        le=365,
        description="Days a borrower's `{{ manage_url }}` link opens their page after the "
        "message carrying it was first sent; later it shows a polite 'link expired' page.",
    )
    manage_link_rate_per_minute: int = Field(
        30,
        ge=1,
        description="Requests one borrower link may make a minute (a minute's worth at once), "
        "over which the page answers 429 with Retry-After.",
    )
    manage_client_rate_per_minute: int = Field(
        120,
        ge=1,
        description="Requests one client address may make a minute to borrower pages, whatever "
        "the link, so guessing links is slow as well as hopeless.",
    )
    sms_adapter: str = Field(
        "", description="Adapter for SMS; empty picks the configured provider's, or console."
    )
    voice_adapter: str = Field(
        "", description="Adapter for voice; empty picks the configured provider's, or console."
    )
    email_adapter: str = Field(
        "", description="Adapter for email; empty picks the configured provider's, or console."
    )
    webhook_adapter: str = Field(
        "", description="Adapter for webhooks; empty picks the configured provider's, or console."
    )
    channel_connect_timeout_seconds: float = Field(
        5.0, gt=0, description="Giving up on connecting is safe: nothing was sent yet."
    )
    channel_read_timeout_seconds: float = Field(
        15.0, gt=0, description="Waiting longer for an answer; after it the outcome is unknown."
    )
    channel_breaker_failures: int = Field(
        5, ge=1, description="Consecutive provider failures that open an adapter's circuit."
    )
    channel_breaker_open_seconds: float = Field(
        60.0, gt=0, description="How long an open circuit refuses sends before one trial."
    )
    channel_rate_limits: dict[str, float] = Field(
        default_factory=dict,
        description="Messages per second by adapter name, over each adapter's own default "
        '(JSON, e.g. {"twilio_sms": 30}): match what the provider account allows.',
    )
    webhook_callback_tolerance_seconds: int = Field(
        300,
        ge=30,
        description="How far a signed callback's `Nudge-Timestamp` may be from Nudge's clock "
        "before it is refused as stale (a replay). Webhook URLs and secrets are per tenant "
        "(`PUT /v1/tenant`).",
    )
    allow_private_targets: bool = Field(
        False,
        description="Let production call providers at loopback and private addresses "
        "(RFC 1918, carrier-grade NAT, unique-local IPv6), for on-premises gateways. Cloud "
        "metadata, link-local, multicast and reserved addresses stay refused.",
    )
    secret_key: SecretStr = Field(
        SecretStr(""),
        description="Signs ops dashboard sessions and email unsubscribe links; empty in "
        "development or tests means a random key per process (sessions end and links stop "
        "working on restart). Required in production.",
    )

    credentials_keys: SecretStr = Field(
        SecretStr(""),
        description="Fernet keys (comma-separated) that encrypt tenants' own provider "
        "credentials at rest: the first encrypts, every one decrypts, so a new key goes first "
        "and an old one stays until `nudge rotate-credentials` has re-encrypted every row. "
        "Generate one with: python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'. Empty outside production means a fixed "
        "development key that protects nothing; production refuses to start without one "
        "once any tenant has stored credentials.",
    )

    @model_validator(mode="after")
    def _refuse_a_guessable_secret_key(self) -> Self:
        """A guessable session key would let anyone forge an ops dashboard session."""
        if self.env != "production":
            return self
        secret_key = self.secret_key.get_secret_value().strip()
        if len(secret_key) < 32 or secret_key.lower() in PLACEHOLDER_SECRETS:
            raise ValueError("NUDGE_SECRET_KEY must be a random secret of 32+ characters")
        reason = weakness(secret_key, min_bits=SECRET_BITS)
        if reason is not None:
            raise ValueError(
                f"NUDGE_SECRET_KEY is too guessable for production: {reason}; {GENERATE}"
            )
        return self

    @model_validator(mode="after")
    def _refuse_malformed_credentials_keys(self) -> Self:
        """A mistyped key would only show when the first secret is stored or read."""
        keys = self.credentials_keys.get_secret_value().split(",")
        for position, key in enumerate(k.strip() for k in keys):
            if not key:
                continue
            try:
                Fernet(key)
            except ValueError:
                raise ValueError(
                    f"NUDGE_CREDENTIALS_KEYS key {position + 1} is not a Fernet key "
                    "(32 url-safe base64-encoded bytes)"
                ) from None
        return self

    @field_validator(
        "database_pool_size", "database_max_overflow", "api_max_in_flight", mode="before"
    )
    @classmethod
    def _empty_is_derived(cls, value: object) -> object:
        """`NUDGE_DATABASE_POOL_SIZE=` (as .env.example writes it) means: derive it."""
        return None if value == "" else value

    @property
    def in_flight_limit(self) -> int:
        """NUDGE_API_MAX_IN_FLIGHT, or 16 within the connection budget of every worker."""
        if self.api_max_in_flight is not None:
            return self.api_max_in_flight
        share = API_CONNECTION_BUDGET // self.api_workers - DEFAULT_OVERFLOW
        return max(1, min(DEFAULT_IN_FLIGHT, share))

    @property
    def pool_limits(self) -> tuple[int, int]:
        """(pool size, max overflow) of an API process: a connection for every request it
        runs at once and for the embedded dispatcher, and a few for health checks."""
        dispatcher = DISPATCHER_CONNECTIONS if self.embedded_worker else 0
        return self._pool(self.in_flight_limit + dispatcher)

    @property
    def worker_pool_limits(self) -> tuple[int, int]:
        """(pool size, max overflow) of a `nudge worker`: its dispatcher's connections."""
        return self._pool(DISPATCHER_CONNECTIONS)

    def _pool(self, needed: int) -> tuple[int, int]:
        """The NUDGE_DATABASE_* values where given, else `needed` and a few for health checks."""
        overflow = self.database_max_overflow
        return self.database_pool_size or needed, DEFAULT_OVERFLOW if overflow is None else overflow

    @model_validator(mode="after")
    def _fall_back_before_giving_up(self) -> Self:
        """A reminder fails at the attempts limit: a fallback later than it would never come."""
        if self.dispatch_fallback_after > self.dispatch_max_attempts:
            raise ValueError(
                "NUDGE_DISPATCH_FALLBACK_AFTER must be at most NUDGE_DISPATCH_MAX_ATTEMPTS"
            )
        return self

    @model_validator(mode="after")
    def _refuse_a_guessable_metrics_token(self) -> Self:
        """The token guards every tenant's totals; a sample value guards nothing."""
        token = self.metrics_token.get_secret_value().strip()
        if (
            self.env != "development"
            and token
            and (len(token) < 16 or token.lower() in PLACEHOLDER_SECRETS)
        ):
            raise ValueError("NUDGE_METRICS_TOKEN must be a random secret of 16+ characters")
        return self


def secret_refusal(
    name: str, secret: SecretStr, core: Settings, *, min_bits: int = PROVIDER_SECRET_BITS
) -> str | None:
    """Why a configured provider's secret cannot be used: blank or a sample value outside
    development, guessable in production. Names the setting, never the value."""
    if core.env == "development":
        return None
    value = secret.get_secret_value()
    if not value.strip() or value.strip().lower() in PLACEHOLDER_SECRETS:
        return f"{name} must be set to a real secret outside development"
    reason = weakness(value, min_bits=min_bits) if core.env == "production" else None
    if reason is not None:
        return f"{name} is too guessable for production: {reason}; {ROTATE}"
    return None


def url_setting_refusal(name: str, url: str, core: Settings) -> str | None:
    """Every URL Nudge calls is checked at start-up as far as it can be without DNS: production
    needs https and no literal loopback, private or metadata address (names are checked at
    connect time, see channels/outbound.py). Metadata addresses are refused everywhere."""
    if not url:
        return None
    return url_refusal(name, url, **_outbound_rules(core))


def host_setting_refusal(name: str, host: str, core: Settings) -> str | None:
    """As `url_setting_refusal`, for a setting that names a host (a mail server)."""
    if not host:
        return None
    return host_refusal(name, host, **_outbound_rules(core))


def _outbound_rules(core: Settings) -> dict[str, bool]:
    return {"production": core.env == "production", "allow_private": core.allow_private_targets}


@lru_cache
def get_settings() -> Settings:
    return Settings()


async def _app_settings(request: Request) -> Settings:
    """Async: a sync dependency costs each request a hop to a worker thread."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(_app_settings)]
