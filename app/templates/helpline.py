"""The tenant's help line as each customer would dial it.

Stored in E.164 (`+864001234567`), which few people dial at home: a customer in the help
line's own country sees the national form (`400 123 4567`), anyone else the international one
(`+86 400 123 4567`), both as phonenumbers formats them. Decided here only, where the tenant's
settings are handed to templates.
"""

from collections.abc import Mapping
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberFormat

from app.customers.jurisdiction import region_of


def as_dialled(help_phone: str | None, *, customer_region: str | None) -> str | None:
    """National form for a customer in the number's region, international otherwise; an empty
    or missing help line stays as it is, so `{% if tenant.help_phone %}` still works."""
    if not help_phone:
        return help_phone
    number = phonenumbers.parse(help_phone)
    domestic = customer_region == phonenumbers.region_code_for_number(number)
    style = PhoneNumberFormat.NATIONAL if domestic else PhoneNumberFormat.INTERNATIONAL
    return str(phonenumbers.format_number(number, style))


def home_region(phone: str | None, jurisdiction: str | None) -> str | None:
    """Where the customer dials from: their phone number's country, else the one they state."""
    return region_of(phone) or jurisdiction


def template_values(
    values: Mapping[str, Any],
    tenant: Mapping[str, Any],
    *,
    customer_region: str | None,
    manage_url: str,
) -> dict[str, Any]:
    """What a template sees: the variables, the tenant's settings as `tenant`, its help
    line written for this customer, and the link to the customer's own page."""
    help_phone = as_dialled(tenant.get("help_phone"), customer_region=customer_region)
    return {"manage_url": manage_url, **values, "tenant": {**tenant, "help_phone": help_phone}}
