"""Locale negotiation: exact tag, language with script, language, then the tenant default."""

import pytest

from app.templates.locales import negotiate, pick_variant
from app.templates.starters import STARTERS

SIMPLIFIED = ["zh", "zh-Hans", "zh-SG", "zh-CN"]
TRADITIONAL = ["zh-TW", "zh-HK", "zh-Hant"]
ENGLISH = ["en", "en-GB", "en-IN", "en-US"]


@pytest.mark.parametrize("tenant_default", ["en-US", "zh-CN"])
@pytest.mark.parametrize(
    ("customer", "starter"),
    [
        *[(tag, "zh-Hans") for tag in SIMPLIFIED],
        *[(tag, "zh-Hant") for tag in TRADITIONAL],
        *[(tag, "en") for tag in ENGLISH],
    ],
)
@pytest.mark.parametrize("channel", ["sms", "voice", "email"])
def test_each_customer_tag_gets_the_starter_in_its_language_and_script(
    tenant_default: str, customer: str, starter: str, channel: str
) -> None:
    for key, template in STARTERS.items():
        variant = pick_variant(template.variants, channel, customer, tenant_default)
        assert variant is not None
        assert variant.locale == starter, key


@pytest.mark.parametrize(
    ("tenant_default", "starter"), [("en-US", "en"), ("zh-CN", "zh-Hans"), ("zh-TW", "zh-Hant")]
)
@pytest.mark.parametrize("customer", [None, "fr-FR", "ja"])
def test_a_customer_without_a_starter_language_gets_the_tenant_default(
    tenant_default: str, starter: str, customer: str | None
) -> None:
    variant = pick_variant(STARTERS["pre-due"].variants, "sms", customer, tenant_default)
    assert variant is not None
    assert variant.locale == starter


@pytest.mark.parametrize(
    ("requested", "available", "chosen"),
    [
        ("zh-CN", ["en-US", "zh-CN"], "zh-CN"),  # exact
        ("zh-HK", ["zh-Hant", "zh-Hant-HK"], "zh-Hant-HK"),  # the same once likely subtags added
        ("zh-SG", ["en-US", "zh-TW", "zh-CN"], "zh-CN"),  # language and script
        ("en-GB", ["zh-CN", "en-US"], "en-US"),  # language and script
        ("zh-TW", ["en-US", "zh-CN"], "zh-CN"),  # language before the tenant default
        ("sr-ME", ["sr", "sr-Latn"], "sr-Latn"),  # Montenegro writes Serbian in Latin script
        ("fr-FR", ["zh-CN", "en-US"], "en-US"),  # the tenant default
        (None, ["zh-CN", "en"], "en"),  # the tenant default's language
        ("fr-FR", ["zh-CN", "de-DE"], "zh-CN"),  # nothing close: the first variant
    ],
)
def test_negotiation_prefers_the_closest_variant(
    requested: str | None, available: list[str], chosen: str
) -> None:
    assert negotiate(requested, "en-US", available) == chosen
