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
