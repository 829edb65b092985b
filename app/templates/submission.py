"""Whether each submitted reminder can ever be sent: a pure check, run before anything is stored.

No database: the caller reads the templates, the tenant's settings and the customers first, and
calls `check_reminders` holding no lock, because rendering runs tenant-written code (bounded by
the render budget, but still the slowest part of a submission).

For each item: the template exists; each requested channel has a variant for the customer's
locale after the fallback the dispatcher uses (`locales.pick_variant`); the variables parse by
their declared types; and the reminder renders, once per channel, with its real values for the
customer's locale, time zone and jurisdiction (the phone's country when none is stated), inside
the budget; and no text value carries prohibited wording (`value_lint`). Every bad item is
reported, each error with its field path.

A batch's items mostly share their template, values and audience (a month-end batch tells a
thousand customers the same due date): each distinct render (variant, values as typed, the
audience and the help line's region) is done once per call and its outcome reused for every
item it would be the same for. Rendering is a pure function of those, so the items get exactly
the errors their own render would have given.
"""

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from app.borrower.links import sample_url
from app.customers.jurisdiction import jurisdiction_of
from app.errors import FieldError
from app.reminders.schemas import ReminderIn
from app.templates.budget import RenderBudget
from app.templates.check import failing_fields, typed_values
from app.templates.helpline import home_region, template_values
from app.templates.lint import Phrases
from app.templates.locales import pick_variant
from app.templates.render import Audience, audience_for, render
from app.templates.schemas import TemplateIn, Variant
from app.templates.value_lint import refused_values
from app.tips import budget as tips
from channels.base import Channel


def check_reminders(
    items: Sequence[ReminderIn],
    *,
    templates: Mapping[str, TemplateIn],
    tenant: Mapping[str, Any],
    customers: Mapping[str, Mapping[str, Any]],
    budget: RenderBudget,
    phrases: Phrases,
    field_prefix: str = "",
) -> list[FieldError]:
    """Every reason an item could never be sent, with field paths (`items.3.channels.0`).

    `templates`: the current body of each template named, by key (a key missing is an unknown
    template). `tenant`: the tenant's settings (`TenantSettings` fields). `customers`: each
    customer's fields as they will be stored (the record overlaid by the request), by ref; an
    item whose customer is missing is checked with the fields the item gives. `phrases`: the
    tenant's additions to the wording lint. `field_prefix`:
    `"items.{index}."` for a batch, `""` for one reminder.
    """
    errors = []
    renders: Renders = {}
    for index, item in enumerate(items):
        customer = customers.get(item.customer.ref) or item.customer.model_dump(exclude_none=True)
        errors += check_reminder(
            item,
            template=templates.get(item.template),
            tenant=tenant,
            customer=customer,
            budget=budget,
            phrases=phrases,
            prefix=field_prefix.format(index=index),
            renders=renders,
        )
    return errors


Renders = dict[Hashable, list[tuple[str, str]]]
"""Outcomes of the renders one check has done: (detail, text) of each error, by what the render
depended on (`_render_key`)."""


def _render_key(
    variant: Variant, values: Mapping[str, Any], audience: Audience, region: str | None
) -> Hashable:
    """What a render depends on besides the tenant (the same for a whole check). The variant by
    identity (the check holds the templates it read, so an id is never reused during it); each
    value by type and repr, so `1.5` and `1.50`, or `1` and `True`, never share a render."""
    return (
        id(variant),
        audience,
        region,
        tuple((name, type(value), repr(value)) for name, value in values.items()),
    )


def check_reminder(
    item: ReminderIn,
    *,
    template: TemplateIn | None,
    tenant: Mapping[str, Any],
    customer: Mapping[str, Any],
    budget: RenderBudget,
    phrases: Phrases,
    prefix: str = "",
    renders: Renders | None = None,
) -> list[FieldError]:
    """Every reason one item could never be sent. `renders`: outcomes of renders done earlier in
    the same check, reused when this item's render would be the same (and added to)."""
    if template is None:
        return [FieldError(field=f"{prefix}template", detail=f"no template '{item.template}'")]
    chosen: list[Variant] = []
    errors = []
    for position, channel in enumerate(item.channels):
        variant = pick_variant(
            template.variants, channel, customer.get("locale"), tenant["default_locale"]
        )
        if variant is None:
            errors.append(
                FieldError(
                    field=f"{prefix}channels.{position}",
                    detail=f"no-variant: {_why_no_variant(item.template, Channel(channel))}",
                )
            )
        else:
            chosen.append(variant)
    values, invalid = typed_values(
        template.variables,
        item.variables,
        currency=tenant["default_currency"],
        prefix=f"{prefix}variables.",
    )
    if invalid:
        return errors + invalid
    if refused := refused_values(values, phrases=phrases, prefix=f"{prefix}variables."):
        return errors + refused
    for variant in chosen:
        errors += _render_errors(
            item,
            variant,
            values,
            tenant,
            customer,
            budget,
            prefix,
            {} if renders is None else renders,
        )
    return errors


def _why_no_variant(key: str, channel: Channel) -> str:
    return f"template '{key}' has no {channel} variant in any locale"


def _render_errors(
    item: ReminderIn,
    variant: Variant,
    values: Mapping[str, Any],
    tenant: Mapping[str, Any],
    customer: Mapping[str, Any],
    budget: RenderBudget,
    prefix: str,
    renders: Renders,
) -> list[FieldError]:
    """The reminder rendered as the dispatcher will render it; errors name the `variables`,
    whose values are what the save's dry run could not foresee, and the variant's text."""
    audience = audience_for(
        tenant,
        values,
        chosen=variant.locale,
        locale=customer.get("locale"),
        timezone=customer.get("timezone"),
        jurisdiction=jurisdiction_of(
            stated=customer.get("jurisdiction"), phone=customer.get("phone")
        ),
    )
    region = home_region(customer.get("phone"), customer.get("jurisdiction"))
    key = _render_key(variant, values, audience, region)
    if key not in renders:
        renders[key] = _render_outcome(
            item.template, variant, values, tenant, audience, region, budget
        )
    return [
        FieldError(field=f"{prefix}variables", detail=f"{detail} (in its {text})")
        for detail, text in renders[key]
    ]


def _render_outcome(
    key: str,
    variant: Variant,
    values: Mapping[str, Any],
    tenant: Mapping[str, Any],
    audience: Audience,
    region: str | None,
    budget: RenderBudget,
) -> list[tuple[str, str]]:
    tip = tips.widest(Channel(variant.channel), variant.locale)  # whichever tip it gets
    link = sample_url(budget.public_url)
    seen = {"tip": tip, **template_values(values, tenant, customer_region=region, manage_url=link)}
    try:
        render(variant, seen, audience, version=0, budget=budget)
    except Exception as error:  # whatever it is, it would fail the send
        texts = failing_fields(
            variant,
            seen,
            audience,
            error,
            budget=budget,
            prefix="",
            during=f"template '{key}', {variant.channel} variant {variant.locale}:",
        )
        return [(text.detail, text.field) for text in texts]
    return []
