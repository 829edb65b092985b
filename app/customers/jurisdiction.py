"""Whose rules a customer is contacted under: the one answer both the contact policy and the
opt-out footer take, so a customer is never judged by one country and told another's rights."""

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def jurisdiction_of(*, stated: str | None, phone: str | None) -> str | None:
    """The jurisdiction the lender states; else the region of the customer's phone number (a
    +1 number is judged as in the US, a +86 one as in China); else none."""
    return stated or region_of(phone)


def region_of(phone: str | None) -> str | None:
    """The country an E.164 number belongs to, or None when it names none."""
    if phone is None:
        return None
    if E164.fullmatch(phone):
        # A country calling code is 1 to 3 digits and no code starts another; most belong to
        # one region, which is then the answer without parsing (+86 is CN). Shared ones (+1,
        # +7, +44...) need the number's own digits.
        for digits in (1, 2, 3):
            regions = COUNTRY_CODE_TO_REGION_CODE.get(int(phone[1 : 1 + digits]))
            if regions is not None:
                if len(regions) == 1:
                    return _named(regions[0])
                break
    return _parsed_region(phone)


@lru_cache(maxsize=4096)
def _parsed_region(phone: str) -> str | None:
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(phone))
    except phonenumbers.NumberParseException:
        return None
    return _named(region)


def _named(region: str | None) -> str | None:
    return str(region) if region and region != "ZZ" else None
