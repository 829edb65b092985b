"""The render budget: time, operations and size, and what the sandbox refuses before it allocates.

No timings are asserted: a render that would need gigabytes or hours is shown to end with
`RenderBudgetExceeded` (or a `SecurityError` for what the sandbox does not offer), which it could
only do by refusing before building.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from time import thread_time
from typing import Any

import pytest
from jinja2 import TemplateAssertionError
from jinja2.exceptions import SecurityError

from app.config import Settings
from app.templates.budget import RenderBudget, RenderBudgetExceeded
from app.templates.render import Audience, environment, render, render_text
from app.templates.schemas import EmailVariant, SmsVariant
from channels.base import Channel

US = Audience("en-US", "America/New_York", "USD", "US")
BUDGET = RenderBudget()
LONG = "x" * 500
VALUES: dict[str, Any] = {
    "s": LONG,
    "name": "Ann Lee",
    "n": 6,
    "amount": Decimal("1234.50"),
    "due_date": date(2026, 12, 1),
    "tenant": {"display_name": "Sunrise Lending", "help_phone": None},
}
NESTED_LOOPS = (
    "{% for a in s %}{% for b in s %}{% for c in s %}{% for d in s %}x"
    "{% endfor %}{% endfor %}{% endfor %}{% endfor %}"
)


def text(source: str, budget: RenderBudget = BUDGET, **values: Any) -> str:
    return render_text(source, VALUES | values, US, html=False, budget=budget)


def doubled(expression: str, times: int = 40) -> str:
    """`a` doubled `times` times: 500 * 2**40 characters, half a petabyte."""
    return "{% set a = s %}" + f"{{% set a = {expression} %}}" * times + "{{ a|length }}"


def test_four_nested_loops_over_a_long_text_stop_at_the_operations_budget() -> None:
    silent = NESTED_LOOPS.replace("x", "")
    with pytest.raises(RenderBudgetExceeded, match="more than 10000 operations"):
        text(silent)


def test_a_render_over_its_time_budget_stops_with_the_budget_error() -> None:
    hours = RenderBudget(timeout_ms=1, max_operations=10**12)
    with pytest.raises(RenderBudgetExceeded, match="longer than 1 ms"):
        text(NESTED_LOOPS.replace("x", ""), hours)


@contextmanager
def slow_garbage_collections() -> Iterator[None]:
    """A collection after nearly every new container, each taking half a millisecond of CPU:
    hundreds of them in one render, as a server with a large heap can have one long one."""

    def slow(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            until = thread_time() + 0.0005
            while thread_time() < until:
                pass

    thresholds = gc.get_threshold()
    gc.callbacks.append(slow)
    gc.set_threshold(1)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.callbacks.remove(slow)


def test_garbage_collections_during_a_render_are_not_charged_to_it() -> None:
    source = "{% for c in s %}{{ c|upper }}{% endfor %}"
    text(source)  # compiled before collections slow down
    with slow_garbage_collections():
        assert text(source) == LONG.upper()


def test_output_stops_at_the_channels_size() -> None:
    with pytest.raises(RenderBudgetExceeded, match="more than the 2048 bytes"):
        text("{% for c in s %}{{ s }}{% endfor %}")
    roomy = RenderBudget(max_bytes_sms=1_000_000)
    assert len(text("{% for c in s[:10] %}{{ s }}{% endfor %}", roomy)) == 5000


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'x'.ljust(5000000) }}",
        "{{ 'x'.ljust(5000000000) }}",
        "{{ 'x'.rjust(5000000000, '-') }}",
        "{{ 'x'.center(5000000000) }}",
        "{{ 'x'.zfill(5000000000) }}",
        "{{ 'x'|center(5000000000) }}",
        "{{ 'x'|indent(5000000000) }}",
        "{{ 'x'|indent('-' ~ s ~ s ~ s, first=True) }}",
        "{{ s|replace('x', s) }}",
        "{{ s.replace('x', s) }}",
        "{{ s|replace('', s) }}",
        "{{ s|truncate(5000000000) }}",
        "{{ 7|round(-5000000000) }}",
        "{{ s.split('x', 5000000000)|length }}",
        doubled("a ~ a"),
        doubled("a + a"),
        doubled("a ~ a ~ a ~ a", times=20),
        doubled("[a, a]|join"),
        doubled("[a, a]|join(a)"),
        doubled("a.join([a, a])"),
        doubled("a.replace('x', 'xx')"),
        doubled("a|replace('x', 'xx')"),
        "{% set n = 99999999 %}" + "{% set n = n * n %}" * 40 + "{{ n }}",
        "{% set n = 99999999 %}" + "{% set n = n * n + n %}" * 40 + "{{ n }}",
        "{{ '" + "9" * 4000 + "'|int * 1 }}",
        "{{ '1e999999'|money }}",
        "{{ amount * 1000000000000000 * 1000000000000000 }}",
    ],
)
def test_what_would_need_gigabytes_is_refused_before_it_is_built(source: str) -> None:
    with pytest.raises(RenderBudgetExceeded):
        text(source)


@pytest.mark.parametrize(
    "source",
    [
        "{{ '%5000000000s' % 'x' }}",
        "{{ '{:>5000000000}'.format('x') }}",
        "{{ '{0:>5000000000}'.format_map({}) }}",
        "{{ 'x' * 5000000000 }}",
        "{{ [s] * 5000000000 }}",
        "{{ 10 ** 5000000000 }}",
        "{{ n.to_bytes(5000000000, 'big') }}",
        "{{ s.expandtabs(5000000000) }}",
        "{{ s.encode() }}",
        "{{ [s, s] + [s, s] }}",
        "{% set a = [s, s] %}{% set b = [a, a] %}{{ [b, b]|sum(start=[])|length }}",
        "{{ [s, s, s, s, s, s, s, s] }}",
        "{{ [s, s, s, s] ~ [s, s, s, s] }}",
        "{{ [s, s, s, s]|upper }}",
        "{{ tenant }}",
    ],
)
def test_what_the_sandbox_does_not_offer_is_refused(source: str) -> None:
    with pytest.raises(SecurityError):
        text(source)


@pytest.mark.parametrize(
    ("source", "refused"),
    [
        ("{% macro m() %}{{ m() }}{{ m() }}{% endmacro %}{{ m() }}", "macros"),
        ("{% set a %}{{ s }}{{ s }}{% endset %}{{ a }}", "block assignments"),
        ("{% filter upper %}{{ s }}{% endfilter %}", "filter blocks"),
        ("{% for c in s recursive %}{{ loop(s) }}{% endfor %}", "recursive loops"),
        ("{{ s|slice(5000000000)|list }}", "No filter named 'slice'"),
        ("{{ s|batch(5000000000, 'x')|list }}", "No filter named 'batch'"),
        ("{{ s|format }}", "No filter named 'format'"),
        ("{{ s|safe }}", "No filter named 'safe'"),
        ("{{ s|wordwrap(1, wrapstring=s) }}", "No filter named 'wordwrap'"),
    ],
)
def test_constructs_that_build_text_unseen_are_refused_when_compiled(
    source: str, refused: str
) -> None:
    with pytest.raises(TemplateAssertionError, match=refused):
        text(source)


def test_templates_do_not_run_outside_a_metered_render() -> None:
    template = environment("en-US", "UTC", "USD", html=False).from_string("{{ s|upper }}")
    with pytest.raises(SecurityError, match="metered render"):
        template.render(VALUES)


def test_what_a_reminder_plausibly_needs_still_renders() -> None:
    source = (
        "{{ name|upper }} {{ name.split()|join('-') }} {{ name|replace('Ann', 'Anne') }} "
        "{{ name|truncate(4, end='.', leeway=0) }} {{ name.startswith('Ann') }} {{ name|length }} "
        "{% for part in name.split() %}{{ loop.index }}:{{ part|lower }} {% endfor %}"
        "{{ amount|money }} {{ (amount * 2)|money }} {{ (amount / 3)|round(2) }} {{ n + 1 }} "
        "{{ due_date|date('medium') }} {{ due_date.year }} {{ 'LN-0001234567'|mask }} "
        "{{ missing|default('-', true) }} {{ tenant.display_name ~ '!' }} {{ 'x'.ljust(3, '.') }}"
    )
    assert text(source, missing=None) == (
        "ANN LEE Ann-Lee Anne Lee Ann. True 7 1:ann 2:lee "
        "$1,234.50 $2,469.00 411.50 7 "
        "Dec 1, 2026 2026 ****4567 "
        "- Sunrise Lending! x.."
    )


def test_a_budget_overrun_names_the_text_that_went_over() -> None:
    variant = EmailVariant(
        channel="email",
        locale="en-US",
        subject="Hello",
        text="{{ s }}",
        html="{% for c in s %}{{ s }}{% endfor %}",
    )
    small = RenderBudget(max_bytes_email=4096)
    with pytest.raises(RenderBudgetExceeded) as exceeded:
        render(variant, VALUES, US, version=1, budget=small)
    assert exceeded.value.field == "html"


def test_a_messages_texts_share_one_budget() -> None:
    variant = EmailVariant(
        channel="email", locale="en-US", subject="{{ s }}", text="{{ s }}", html="{{ s }}"
    )
    assert render(variant, VALUES, US, version=1, budget=RenderBudget(max_bytes_email=1500))
    with pytest.raises(RenderBudgetExceeded) as exceeded:
        render(variant, VALUES, US, version=1, budget=RenderBudget(max_bytes_email=1400))
    assert exceeded.value.field == "html"


def test_each_channel_has_its_own_size() -> None:
    sms = SmsVariant(channel="sms", locale="en-US", body="{{ s }}{{ s }}")
    assert render(sms, VALUES, US, version=1, budget=RenderBudget(max_bytes_sms=1000)).body
    with pytest.raises(RenderBudgetExceeded):
        render(sms, VALUES, US, version=1, budget=RenderBudget(max_bytes_sms=999))
    assert RenderBudget().max_bytes(Channel.EMAIL) == 262_144


def test_the_budget_comes_from_the_render_settings() -> None:
    settings = Settings(
        render_timeout_ms=20,
        render_max_operations=500,
        render_max_bytes_sms=800,
        render_max_bytes_voice=900,
        render_max_bytes_email=5000,
    )
    assert RenderBudget.from_settings(settings) == RenderBudget(20, 500, 800, 900, 5000)
    assert RenderBudget.from_settings(Settings()) == RenderBudget()
