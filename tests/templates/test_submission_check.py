"""The submission check as a pure function: templates, tenant and customers in, errors out."""

from typing import Any

from app.reminders.schemas import ReminderIn
from app.templates.budget import RenderBudget
from app.templates.schemas import TemplateIn
from app.templates.starters import STARTERS
from app.templates.submission import check_reminders
from tests.factories import customer, reminder

TENANT = {
    "display_name": "Sunrise Lending",
    "help_phone": None,
    "default_locale": "zh-CN",
    "default_timezone": "Asia/Shanghai",
    "default_currency": "CNY",
    "default_policy": "default",
}
FRAGILE = TemplateIn.model_validate(
    {
        "variables": {
            "n": {"type": "int", "required": True},
            "s": {"type": "text", "required": True},
        },
        "variants": [
            {"channel": "sms", "locale": "zh-CN", "body": "每期{{ n }}元"},
            {"channel": "sms", "locale": "en-US", "body": "{{ 600 // (n - 6) }} a month"},
            {
                "channel": "voice",
                "locale": "en-US",
                "script": "{% if s == 'long' %}{% for a in 'x'.ljust(200) %}"
                "{% for b in 'x'.ljust(200) %}{% endfor %}{% endfor %}{% endif %}Hello",
                "voice": "Polly.Joanna",
            },
        ],
    }
)


def item(**fields: Any) -> ReminderIn:
    return ReminderIn.model_validate(reminder(**fields))


def check(*items: ReminderIn, **customers: dict[str, Any]) -> list[tuple[str, str]]:
    errors = check_reminders(
        items,
        templates={"fragile": FRAGILE, **STARTERS},
        tenant=TENANT,
        customers=customers,
        budget=RenderBudget(),
        phrases={},
        field_prefix="items.{index}." if len(items) > 1 else "",
    )
    return [(error.field, error.detail) for error in errors]


def test_the_render_uses_the_variant_the_customers_locale_negotiates() -> None:
    sms = {"template": "fragile", "channels": ["sms"], "variables": {"n": 6, "s": "x"}}
    assert check(item(**sms, customer=customer(locale="zh-TW"))) == []
    [(field, detail)] = check(item(**sms, customer=customer(locale="en-US")))
    assert field == "variables"
    assert detail.startswith("render-failed: template 'fragile', sms variant en-US:")


def test_the_stored_customer_decides_over_the_items_own_fields() -> None:
    sms = {"template": "fragile", "channels": ["sms"], "variables": {"n": 6, "s": "x"}}
    stored_english = {"cust-1": customer(locale="en-US")}
    assert check(item(**sms, customer={"ref": "cust-1"})) == []
    assert [field for field, _ in check(item(**sms), **stored_english)] == ["variables"]


def test_a_value_that_makes_the_render_go_over_its_budget_is_refused() -> None:
    voice = {"template": "fragile", "channels": ["voice"], "variables": {"n": 1, "s": "long"}}
    [(field, detail)] = check(item(**voice))
    assert field == "variables"
    assert detail.startswith("render-budget: template 'fragile', voice variant en-US:")
    assert "10000 operations" in detail
    voice["variables"]["s"] = "short"
    assert check(item(**voice)) == []


def test_a_channel_is_refused_when_no_locale_has_a_variant_for_it() -> None:
    email = {"template": "fragile", "channels": ["voice", "email"], "variables": {"n": 1, "s": ""}}
    [(field, detail)] = check(item(**email))
    assert (field, detail) == (
        "channels.1",
        "no-variant: template 'fragile' has no email variant in any locale",
    )


def test_a_starter_template_renders_for_the_webhook_channel_too() -> None:
    assert check(item(template="pre-due", channels=["sms", "webhook"])) == []


def test_every_bad_item_of_a_batch_is_reported_with_its_index() -> None:
    fine = item()
    unknown = item(template="nope")
    mistyped = item(template="fragile", channels=["sms"], variables={"n": "six", "s": "x"})
    failing = item(
        template="fragile",
        channels=["sms"],
        variables={"n": 6, "s": "x"},
        customer=customer(locale="en-US"),
    )
    assert [field for field, _ in check(fine, unknown, mistyped, failing)] == [
        "items.1.template",
        "items.2.variables.n",
        "items.3.variables",
    ]
