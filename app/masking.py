"""Masks contact details wherever they would otherwise be shown or logged in clear.

The one rule for every path that shows or writes personal data: API answers, the CSV export,
the dashboard, logs, problem bodies. Structured fields (a recipient, an opt-out's phone) go
through `mask_address`; free text that may quote a contact detail (a message body, a provider's
error message, an event's detail, a log line) goes through `mask_text`.
"""

import re
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import phonenumbers


@lru_cache(maxsize=4096)
def mask_phone(e164: str) -> str:
    """`+8613812345678` -> `+86 138****5678`: the country and enough digits to recognise it."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return "****"
    return f"+{number.country_code} {_mask_digits(str(number.national_number))}"


def _mask_digits(national: str) -> str:
    head = 3 if len(national) >= 10 else min(1, len(national))
    tail = min(4, len(national) - head)
    hidden = len(national) - head - tail
    return f"{national[:head]}{'*' * hidden}{national[len(national) - tail :]}"


def mask_email(address: str) -> str:
    """`zhang.wei@example.com` -> `z***@example.com`."""
    local, at, domain = address.partition("@")
    return f"{local[:1]}***{at}{domain}" if at else "***"


def mask_address(address: str) -> str:
    """A phone number or an email address, masked; anything else (a customer ref) as given."""
    if "@" in address:
        return mask_email(address)
    return mask_phone(address) if address.startswith("+") else address


# Percent-encoded forms count too: a query string logged as sent says `%2B` for `+`, `%40`
# for `@` and `%20` for a space.
_PLUS = r"(?:\+|%2[Bb])"
_AT = r"(?:@|%40)"
_SEP = r"(?:[ ().-]|%20)"
_DATE = (
    r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    r"|\d{1,2}[./]\d{1,2}[./]\d{4}"
)
_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
_AMOUNT = r"\d+(?:,\d{3})*\.\d{1,2}"
_CONTACT = re.compile(
    rf"(?P<email>(?<![\w.+%-])[\w.+%-]+{_AT}[\w-]+(?:\.[\w-]+)+)"
    rf"|(?P<international>{_PLUS}\d(?:{_SEP}{{0,2}}\d){{6,16}})"
    rf"|(?P<keep>(?<![\w.])(?:{_DATE}|{_IPV4}|{_AMOUNT})(?!\w))"
    rf"|(?P<national>(?<![\w+.-])\(?\d(?:{_SEP}{{0,2}}\d){{7,14}}(?![\w-]|\.\d))"
)
"""One pass finds every candidate; dates, IPv4 addresses and amounts are matched only so
that the digit runs in them are not taken for national phone numbers."""


_NON_DIGIT = re.compile(r"\D")


def _mask_match(match: re.Match[str]) -> str:
    kind, found = match.lastgroup, match.group()
    if kind == "keep":
        return found
    if "%" in found:
        found = unquote(found)
    if kind == "email":
        return mask_email(found)
    digits = _NON_DIGIT.sub("", found)
    if kind == "international":
        return mask_phone("+" + digits)
    return _mask_digits(digits)


def mask_text(text: str) -> str:
    """Free text (a rendered message, a provider's error, a log line) with every email address
    and phone number in it masked: international (`+...`) numbers as `mask_phone` shows them,
    and runs of 8 to 15 digits written as numbers are (`(202) 555-0150`, `13812345678`) as
    national numbers, keeping the first and last digits. Dates, amounts and IPv4 addresses stay
    readable; a long reference number is masked like a phone number (harmless over-masking).
    One regular expression, not a phone-number parser: exports mask 100,000 rows at a time."""
    return _CONTACT.sub(_mask_match, text)


def mask_value(value: Any) -> Any:
    """Strings anywhere inside a JSON-like value (an event's detail) masked as free text."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: mask_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(item) for item in value]
    return value
