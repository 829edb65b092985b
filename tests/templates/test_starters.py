"""The starter templates as a customer hears and reads them, in each of their locales."""

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from app.templates.budget import RenderBudget
from app.templates.helpline import template_values
from app.templates.render import Audience, render
from app.templates.schemas import Rendered, Variant
from app.templates.starters import STARTERS

TENANT = {
    "display_name": "Sunrise Lending",
    "help_phone": "+864001234567",
    "default_locale": "zh-CN",
    "default_timezone": "Asia/Shanghai",
    "default_currency": "CNY",
    "default_policy": "cn",
}
VALUES = {
    "amount": Decimal("1234.50"),
    "due_date": date(2026, 12, 1),
    "pay_url": "https://pay.example.com/loan-7788",
    "currency": None,
    "loans": None,
}
"""As rendering sees them: an optional variable not given is None."""
VARIANTS = [
    pytest.param(variant, id=f"{key}-{variant.channel}-{variant.locale}")
    for key, template in STARTERS.items()
    for variant in template.variants
]
VOICE = [param for param in VARIANTS if param.values[0].channel == "voice"]
MENTIONS_OF_TEXTS_OR_LINKS = re.compile(
    r"短信|簡訊|链接|連結|網址|网址|SMS|text message|link|http|www|pay_url", re.I
)


PAIRS = "这這 请請 还還 们們 问問 贴貼 应應 记記 录錄 设設 时時 帮幫 为為 与與 将將 邮郵 链鏈 订訂 复覆 谢謝 资資 难難 计計 划劃 执執 账帳 开開 简簡 预預"  # noqa: E501
SIMPLIFIED, TRADITIONAL = zip(*PAIRS.split(" "), strict=True)
"""Characters written differently in the two scripts (simplified, traditional)."""


def rendered(
    variant: Variant,
    *,
    tenant: dict[str, Any] = TENANT,
    region: str = "CN",
    values: dict[str, Any] = VALUES,
) -> Rendered:
    audience = Audience(variant.locale, "Asia/Shanghai", "CNY", "CN")
    link = "https://nudge.example.com/m/AAAAAAAAAAAAAAAAAAAA"
    seen = template_values(values, tenant, customer_region=region, manage_url=link)
    return render(variant, seen, audience, version=1, budget=RenderBudget())


@pytest.mark.parametrize("variant", VOICE)
def test_a_voice_script_names_no_text_message_or_link_even_when_one_was_sent(
    variant: Variant,
) -> None:
    script = rendered(variant).script or ""
    assert MENTIONS_OF_TEXTS_OR_LINKS.search(script) is None, script


@pytest.mark.parametrize("variant", VOICE)
def test_a_voice_script_says_what_is_due_when_and_where_to_get_help(variant: Variant) -> None:
    script = rendered(variant).script or ""
    assert "1,234.50" in script
    assert re.search(r"2026年12月1日|December 1, 2026", script)
    assert "400 123 4567" in script


@pytest.mark.parametrize("variant", VOICE)
def test_a_voice_script_still_says_where_to_get_help_without_a_help_line(
    variant: Variant,
) -> None:
    script = rendered(variant, tenant=TENANT | {"help_phone": None}).script or ""
    assert re.search(r"客服|support team", script), script


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_starter_is_written_in_its_own_script(variant: Variant) -> None:
    """Traditional texts use no Simplified-only characters and Simplified texts no
    Traditional-only ones; English has no Chinese."""
    out = rendered(variant)
    message = out.payload["message"] if out.payload else None
    words = " ".join(filter(None, [out.body, out.script, out.subject, out.text, message]))
    simplified_only = re.compile(f"[{''.join(SIMPLIFIED)}]")
    traditional_only = re.compile(f"[{''.join(TRADITIONAL)}]")
    if variant.locale == "zh-Hant":
        assert simplified_only.search(words) is None, words
        if variant.channel != "webhook":  # the lender's system needs no help line
            assert "請撥打400 123 4567" in words
    elif variant.locale == "zh-Hans":
        assert traditional_only.search(words) is None, words
    else:
        assert re.search(r"[\u4e00-\u9fff]", words) is None, words


@pytest.mark.parametrize(
    ("key", "phrase"),
    [
        ("pre-due", "溫馨提醒：您本期應繳金額CN¥1,234.50將於2026年12月1日到期。"),
        ("overdue-early", "如已繳款，請忽略本訊息。"),
        ("overdue-late", "如有困難，我們願與您商量還款方案。"),
    ],
)
def test_traditional_starters_use_taiwans_wording(key: str, phrase: str) -> None:
    [sms] = [v for v in STARTERS[key].variants if (v.channel, v.locale) == ("sms", "zh-Hant")]
    assert phrase in (rendered(sms).body or "")


def _loan(ref: str, amount: str, due: date) -> dict[str, Any]:
    return {"loan_ref": ref, "amount": Decimal(amount), "currency": "CNY", "due_date": due}


ONE_LOAN = VALUES | {"loans": [_loan("loan-7788", "1234.50", date(2026, 12, 1))]}
TWO_LOANS = VALUES | {
    "loans": [
        _loan("loan-7788", "1234.50", date(2026, 12, 3)),
        _loan("loan-9911", "100.00", date(2026, 12, 1)),
    ]
}
"""A digest's values: the first loan's own, and every loan in `loans`."""


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_digest_of_one_loan_reads_exactly_as_a_reminder_of_that_loan(variant: Variant) -> None:
    digest, alone = rendered(variant, values=ONE_LOAN), rendered(variant)
    if digest.payload is not None and alone.payload is not None:  # the webhook lists it too
        assert digest.payload.pop("loans") == [
            {
                "loan_ref": "loan-7788",
                "amount": "1234.50",
                "currency": "CNY",
                "due_date": "2026-12-01",
            }
        ]
        assert alone.payload.pop("loans") is None
    assert digest == alone


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v.values[0].channel == "webhook"])
def test_a_digest_webhook_carries_the_total_in_the_loans_currency_and_each_loan(
    variant: Variant,
) -> None:
    usd = {"currency": "USD"}  # the reminder's own currency differs from the loans'
    payload = rendered(variant, values=TWO_LOANS | usd).payload or {}
    assert (payload["amount"], payload["currency"], payload["due_date"]) == (
        "1334.50",
        "CNY",
        "2026-12-01",
    )
    assert payload["loans"] == [
        {"loan_ref": "loan-7788", "amount": "1234.50", "currency": "CNY", "due_date": "2026-12-03"},
        {"loan_ref": "loan-9911", "amount": "100.00", "currency": "CNY", "due_date": "2026-12-01"},
    ]


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v.values[0].channel != "webhook"])
def test_a_digest_of_two_loans_says_their_total_and_the_earliest_due_date(
    variant: Variant,
) -> None:
    out = rendered(variant, values=TWO_LOANS)
    words = out.body or out.script or out.text or ""
    assert "1,334.50" in words
    assert re.search(r"2026年12月1日|December 1, 2026", words)
    if variant.channel != "sms":  # an SMS has room for the total only
        assert re.search(r"2笔借款|2筆借款|your 2 loans", words), words


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v.values[0].channel == "email"])
def test_a_digest_email_lists_each_loan_masked_with_its_amount_and_due_date(
    variant: Variant,
) -> None:
    out = rendered(variant, values=TWO_LOANS)
    for text in [out.text or "", out.html or ""]:
        assert re.search(r"\*\*\*\*7788\W+(CN)?¥1,234\.50", text), text
        assert re.search(r"\*\*\*\*9911\W+(CN)?¥100\.00", text), text
    assert (out.html or "").count("<li>") == 2
