"""Whose rules a customer is contacted under: the one answer both the contact policy and the
opt-out footer take, so a customer is never judged by one country and told another's rights."""

import phonenumbers


def jurisdiction_of(*, stated: str | None, phone: str | None) -> str | None:
    """The jurisdiction the lender states; else the region of the customer's phone number (a
    +1 number is judged as in the US, a +86 one as in China); else none."""
    return stated or region_of(phone)


def region_of(phone: str | None) -> str | None:
    """The country an E.164 number belongs to, or None when it names none."""
    if phone is None:
        return None
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(phone))
    except phonenumbers.NumberParseException:
        return None
    return str(region) if region and region != "ZZ" else None
