"""Masks contact details wherever they would otherwise be shown or logged in clear."""

import re
from functools import lru_cache

import phonenumbers


@lru_cache(maxsize=4096)
def mask_phone(e164: str) -> str:
    """`+8613812345678` -> `+86 138****5678`: the country and enough digits to recognise it."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return "****"
    national = str(number.national_number)
    head = 3 if len(national) >= 10 else min(1, len(national))
    tail = min(4, len(national) - head)
    hidden = len(national) - head - tail
    return (
        f"+{number.country_code} {national[:head]}{'*' * hidden}{national[len(national) - tail :]}"
    )


def mask_email(address: str) -> str:
    """`zhang.wei@example.com` -> `z***@example.com`."""
    local, at, domain = address.partition("@")
    return f"{local[:1]}***{at}{domain}" if at else "***"


def mask_address(address: str) -> str:
    """A phone number or an email address, masked; anything else (a customer ref) as given."""
    if "@" in address:
        return mask_email(address)
    return mask_phone(address) if address.startswith("+") else address


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_INTERNATIONAL_PHONE = re.compile(r"\+\d(?:[ ().-]{0,2}\d){6,16}")


def mask_text(text: str) -> str:
    """Free text (a rendered message) with every email address and international (`+...`)
    phone number in it masked; names and amounts are left, as ops need them to read a reminder.
    Regular expressions, not a phone-number parser: exports mask 100,000 bodies at a time."""
    masked = _EMAIL.sub(lambda match: mask_email(match.group()), text)
    return _INTERNATIONAL_PHONE.sub(
        lambda match: mask_phone("+" + re.sub(r"\D", "", match.group())), masked
    )
