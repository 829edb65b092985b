"""Settings: every one is documented in .env.example with its real default."""

from pathlib import Path

from app.config import Settings

ENV_EXAMPLE = Path(__file__).parents[1] / ".env.example"


def documented() -> dict[str, str]:
    lines = [
        line for line in ENV_EXAMPLE.read_text().splitlines() if line and not line.startswith("#")
    ]
    return dict(line.split("=", 1) for line in lines)


def test_env_example_lists_every_setting_with_its_default() -> None:
    defaults = Settings.model_construct()
    expected = {
        f"NUDGE_{name.upper()}": str(getattr(defaults, name)).lower()
        if isinstance(getattr(defaults, name), bool)
        else str(getattr(defaults, name))
        for name in Settings.model_fields
    }
    assert documented() == expected


def test_settings_come_from_nudge_prefixed_environment_variables(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NUDGE_DATABASE_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("NUDGE_PORT", "9001")
    settings = Settings()
    assert (settings.database_url, settings.port) == ("sqlite:///elsewhere.db", 9001)
