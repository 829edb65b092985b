"""Compliance lint: prohibited wording in zh and en, disguised or not; shouting; starters pass."""

import pytest

from app.templates.budget import RenderBudget
from app.templates.check import check_template
from app.templates.lint import Phrases, Rule, lint_wording, phrase_lists, visible_text
from app.templates.starters import STARTERS

PHRASES = phrase_lists({})


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" for c in text)


def rules(text: str, phrases: Phrases = PHRASES) -> list[Rule]:
    return [finding.rule for finding in lint_wording(text, field="body", phrases=phrases)]


@pytest.mark.parametrize(
    "text",
    [
        "再不还款我们将报警处理",
        "我们会联系你的家人",
        "将通知您的单位领导",
        "你这个老赖",
        "法院已向您发出传票",
        "再不还款将 逮 捕 你",
        "将逮\u3000捕你",  # ideographic space
        "You will be arrested",
        "We will contact your employer",
        "We will tell your family",
        "Pay now, deadbeat",
        "The police have a warrant",
        "You will be a.r.r.e.s.t.e.d",
        "We will call y o u r  f a m i l y",
        fullwidth("Police are coming"),
        "we'll visit your workplace",
        "Pay now or else",
        "我们知道你住哪",
        "你的ｊｉａ人",  # full-width pinyin for 家人
        "不还钱就去你dan位",  # pinyin for 单位
        "再不还就爆光你",  # a homophone of 曝光
        "我們會聯繫你的單位",  # Traditional
        "Y0u will be arr3sted",  # digits for letters
    ],
)
def test_prohibited_wording_is_caught_in_chinese_and_english_even_disguised(text: str) -> None:
    assert Rule.PROHIBITED in rules(text)


@pytest.mark.parametrize(
    "text",
    [
        "温馨提醒：您的本期还款将于12月1日到期。",
        "A friendly reminder that your payment is due. Reply STOP to opt out",
        "Our policy is to be courteous and to support you",  # "policy", not "police"
        "与家人一起制定家庭预算",
        "金额单位：元",
        "根据您签署的协议，本月还款将由单位代扣",  # payroll deduction, explained
        "本公司不会上门催收，也不会联系您的亲友",  # a promise, negated
        "建议和家人一起盘点家庭收支，合理安排还款",  # 合理安排 sounds like 立案 across words
        "Your instalment is taken by payroll deduction through your employer.",
        "Our office is open 9-5; you can contact us at home hours too.",
        "We will never contact your employer or family without your permission.",
        "如遇可疑情况请报警",  # the customer is asked to call the police
        "谨防骗子冒充客服，请小心点击陌生链接",
        "Beware of fraudsters pretending to be us. Don't be embarrassed to ask for help.",
        "We will text your phone a one-time code",
        "設定自動扣繳或行事曆提醒，可以幫助您準時繳款",  # 行事 sounds like 刑事
    ],
)
def test_courteous_wording_passes(text: str) -> None:
    assert rules(text) == []


@pytest.mark.parametrize(
    "text", ["PAY NOW OR FACE THE CONSEQUENCES", "Pay today!!!", fullwidth("PAY IMMEDIATELY")]
)
def test_shouting_is_caught(text: str) -> None:
    assert Rule.SHOUTING in rules(text)


def test_tenants_extend_the_lists() -> None:
    extended = phrase_lists({"zh": ["砍头息"], "en": ["final warning"]})
    assert Rule.PROHIBITED in rules("This is your FINAL warning", extended)
    assert Rule.PROHIBITED in rules("无砍 头 息", extended)
    assert rules("This is your final warning") == []


@pytest.mark.parametrize("key", sorted(STARTERS))
@pytest.mark.parametrize(
    ("display_name", "currency", "timezone"),
    [("Sunrise Lending", "USD", "America/New_York"), ("Sunrise Lending", "CNY", "Asia/Shanghai")],
)
def test_every_starter_template_passes_the_lint_and_the_dry_run(
    key: str, display_name: str, currency: str, timezone: str
) -> None:
    tenant = {
        "display_name": display_name,
        "help_phone": "+864001234567",
        "default_locale": "zh-CN",
        "default_timezone": timezone,
        "default_currency": currency,
        "default_policy": "default",
    }
    errors, warnings = check_template(
        STARTERS[key], tenant=tenant, phrases=PHRASES, segment_limit=2, budget=RenderBudget()
    )
    assert (errors, warnings) == ([], [])


def test_stray_angle_brackets_do_not_make_stripping_tags_quadratic() -> None:
    text = visible_text("<" * 262_144 + "<b>hi</b>")  # quadratic before: minutes
    assert text.endswith(" hi ")
