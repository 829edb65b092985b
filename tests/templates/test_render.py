"""Rendering: Babel formats per locale, escaping per channel, the opt-out footer, the sandbox."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from jinja2 import UndefinedError
from jinja2.exceptions import SecurityError

from app.templates.budget import RenderBudget
from app.templates.render import Audience, render, render_text
from app.templates.schemas import EmailVariant, SmsVariant, VoiceVariant
from app.templates.sms import Encoding

ZH = Audience("zh-CN", "Asia/Shanghai", "CNY", "CN")
US = Audience("en-US", "America/New_York", "USD", "US")
BUDGET = RenderBudget()
VALUES: dict[str, Any] = {
    "amount": Decimal("1234.50"),
    "due_date": date(2026, 12, 1),
    "tenant": {"display_name": "阳光小贷", "help_phone": None},
}


def text(source: str, audience: Audience, **values: Any) -> str:
    return render_text(source, VALUES | values, audience, html=False, budget=BUDGET)


@pytest.mark.parametrize(
    ("audience", "money", "day"),
    [(ZH, "¥1,234.50", "2026年12月1日"), (US, "$1,234.50", "December 1, 2026")],
)
def test_money_and_dates_are_formatted_by_babel_for_the_locale(
    audience: Audience, money: str, day: str
) -> None:
    assert text("{{ amount | money }} {{ due_date | date }}", audience) == f"{money} {day}"


def test_money_takes_another_currency_when_asked() -> None:
    assert text("{{ amount | money('EUR') }}", US) == "€1,234.50"


def test_instants_are_shown_in_the_customers_time_zone() -> None:
    late = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)  # 04:00 next day in Shanghai
    assert text("{{ at | date }}", ZH, at=late).startswith("2026年12月2日")


def test_mask_shows_only_the_last_four_characters() -> None:
    assert text("{{ loan | mask }}", US, loan="LN-0001234567") == "****4567"
    assert text("{{ loan | mask }}", US, loan="123") == "****"


def test_an_undeclared_variable_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(UndefinedError):
        text("Hello {{ nobody }}", US)


def test_printing_an_absent_optional_value_is_an_error() -> None:
    with pytest.raises(UndefinedError):
        text("Call {{ tenant.help_phone }}", US)
    assert text("{% if tenant.help_phone %}Call{% endif %}ok", US) == "ok"


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ self._TemplateReference__context }}",
    ],
)
def test_the_sandbox_refuses_escapes_at_render_time_too(source: str) -> None:
    with pytest.raises((SecurityError, UndefinedError)):
        text(source, US)


def test_only_email_html_is_autoescaped() -> None:
    variant = EmailVariant(
        channel="email", locale="en-US", subject="{{ name }}", text="{{ name }}", html="{{ name }}"
    )
    rendered = render(variant, VALUES | {"name": "<b>Ann</b>"}, US, version=1, budget=BUDGET)
    assert rendered.subject == "<b>Ann</b>"
    assert rendered.text is not None
    assert rendered.text.startswith("<b>Ann</b>")
    assert rendered.html is not None
    assert rendered.html.startswith("&lt;b&gt;Ann&lt;/b&gt;")


def test_voice_scripts_stay_plain_text_for_the_voice_adapter_to_escape_once() -> None:
    variant = VoiceVariant(
        channel="voice", locale="en-US", script="Hi {{ name }} & co", voice="Polly.Joanna"
    )
    rendered = render(variant, VALUES | {"name": '</Say><Hangup/>"'}, US, version=1, budget=BUDGET)
    assert rendered.script == 'Hi </Say><Hangup/>" & co'
    assert (rendered.voice, rendered.language) == ("Polly.Joanna", "en-US")


def test_sms_gets_the_jurisdictions_opt_out_footer_and_its_final_segment_count() -> None:
    body = "您" * 65  # 65 + 6 footer characters = 71: one segment becomes two
    rendered = render(
        SmsVariant(channel="sms", locale="zh-CN", body=body), VALUES, ZH, version=1, budget=BUDGET
    )
    assert rendered.body == body + "回复TD退订"
    assert (rendered.opt_out_footer, rendered.encoding, rendered.segments) == (
        "回复TD退订",
        Encoding.UCS2,
        2,
    )


def test_a_chinese_sms_ending_in_a_link_gets_a_space_before_its_footer() -> None:
    body = "设置提醒：https://nudge.example/m/abcdefghijklmnopqrst"
    rendered = render(
        SmsVariant(channel="sms", locale="zh-CN", body=body), VALUES, ZH, version=1, budget=BUDGET
    )
    assert rendered.body == body + " 回复TD退订"  # else a phone reads the footer into the link
    assert rendered.segments == 1


def test_no_footer_is_added_where_the_message_already_has_one_or_none_is_required() -> None:
    variant = SmsVariant(channel="sms", locale="en-US", body="Due soon. Reply STOP to opt out")
    assert render(variant, VALUES, US, version=1, budget=BUDGET).opt_out_footer is None
    plain = SmsVariant(channel="sms", locale="en-US", body="Due soon.")
    elsewhere = Audience("en-GB", "Europe/London", "GBP", "GB")
    assert render(plain, VALUES, elsewhere, version=1, budget=BUDGET).body == "Due soon."


def test_us_email_gets_an_unsubscribe_instruction_in_text_and_html() -> None:
    variant = EmailVariant(channel="email", locale="en-US", subject="s", text="t", html="<p>h</p>")
    rendered = render(variant, VALUES, US, version=1, budget=BUDGET)
    footer = "To stop these emails, use the unsubscribe link at the end of this email."
    assert rendered.text == f"t\n\n{footer}"
    assert rendered.html == f"<p>h</p>\n<p>{footer}</p>"
