"""The customer as callers submit it, validated the way the rest of Nudge relies on."""

from functools import lru_cache
from typing import Annotated
from zoneinfo import available_timezones

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.core import parse_locale
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, field_validator
from pydantic_core.core_schema import ValidationInfo


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=1024)
def normalize_locale(tag: str) -> str:
    """A BCP 47 tag Babel knows, in canonical case: `zh-cn` -> `zh-CN`, `zh-hant` -> `zh-Hant`."""
    try:
        language, territory, script, variant, *_ = parse_locale(tag, sep="-")
        Locale.parse(tag, sep="-")
    except (ValueError, UnknownLocaleError):
        raise ValueError(
            f"'{tag}' is not a known BCP 47 locale such as 'zh-CN' or 'en-US'"
        ) from None
    return "-".join(part for part in (language, script, territory, variant) if part)


def check_timezone(name: str) -> str:
    if name not in _timezones():
        raise ValueError(f"'{name}' is not an IANA time zone such as 'Asia/Shanghai'")
    return name


def check_jurisdiction(code: str) -> str:
    code = code.upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"'{code}' is not an ISO 3166-1 alpha-2 country code such as 'CN'")
    return code


@lru_cache(maxsize=16_384)
def normalize_phone(raw: str, region: str | None) -> str:
    """E.164 from what callers send; a number without `+` needs the jurisdiction as its region.

    Pure, and cached (bounded): a lender sends the same customers' numbers batch after batch.
    """
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValueError(
            f"'{raw}' is not a phone number; send E.164 like '+8613812345678'"
            + ("" if region else " or give the customer's jurisdiction")
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"'{raw}' is not a valid phone number")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


class CustomerIn(BaseModel):
    """Upserted by `ref`: fields given here replace the stored ones, omitted ones are kept."""

    model_config = ConfigDict(extra="forbid")

    ref: str = Field(min_length=1, max_length=200, description="The lender's own customer id.")
    jurisdiction: Annotated[str | None, AfterValidator(lambda v: v and check_jurisdiction(v))] = (
        Field(None, description="ISO 3166-1 alpha-2 country whose rules apply, e.g. `CN`, `US`.")
    )
    phone: str | None = Field(None, description="E.164, or national format with `jurisdiction`.")
    email: EmailStr | None = None
    locale: Annotated[str | None, AfterValidator(lambda v: v and normalize_locale(v))] = Field(
        None, description="BCP 47 language tag, e.g. `zh-CN`, `en-US`."
    )
    timezone: Annotated[str | None, AfterValidator(lambda v: v and check_timezone(v))] = Field(
        None, description="IANA time zone, e.g. `Asia/Shanghai`."
    )

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        return normalize_phone(value, info.data.get("jurisdiction"))
