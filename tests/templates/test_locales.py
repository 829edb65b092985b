"""The locale fallback chain: exact tag, language with script, language, tenant default."""

import pytest

from app.templates.locales import candidates, choose


def test_the_chain_adds_the_likely_script_then_the_language_then_the_default() -> None:
    assert candidates("zh-TW", "en-US") == ["zh-TW", "zh-Hant", "zh", "en-US"]
    assert candidates("zh-CN", "en-US") == ["zh-CN", "zh-Hans", "zh", "en-US"]
    assert candidates(None, "zh-CN") == ["zh-CN"]


@pytest.mark.parametrize(
    ("requested", "available", "chosen"),
    [
        ("zh-CN", ["en-US", "zh-CN"], "zh-CN"),
        ("zh-HK", ["zh-Hans", "zh-Hant", "en-US"], "zh-Hant"),
        ("zh-SG", ["zh", "en-US"], "zh"),
        ("fr-FR", ["zh-CN", "en-US"], "en-US"),
        (None, ["zh-CN", "en-US"], "en-US"),
        ("fr-FR", ["zh-CN", "de-DE"], "zh-CN"),  # nothing on the chain: the first variant
    ],
)
def test_choose_walks_the_chain(requested: str | None, available: list[str], chosen: str) -> None:
    assert choose(requested, "en-US", available) == chosen
