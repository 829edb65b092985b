"""Every setting of the service, read from `NUDGE_*` environment variables (or a `.env` file)."""

from functools import lru_cache
from typing import Annotated, Literal

from fastapi import Depends, Request
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NUDGE_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = Field(
        "development", description="Deployment environment; development enables console channels."
    )
    database_url: str = Field(
        "sqlite:///./nudge.db",
        description="SQLAlchemy URL: a SQLite file, or postgresql+psycopg://... in production.",
    )
    database_echo: bool = Field(False, description="Log every SQL statement (debugging only).")
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
    idempotency_lease_seconds: int = Field(
        60,
        ge=1,
        description="After this long a key whose request never finished is free again.",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()


def _app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(_app_settings)]
