"""Rendering: a pinned template version plus typed values in, the final text per channel out.

Pure: no database, no clock. Templates run in Jinja2's immutable sandbox with StrictUndefined
and no globals (no `range`, `cycler`, `lipsum`...), so they reach nothing but the declared
variables and the tenant's settings. Only email HTML is autoescaped; a voice script stays plain
text, and the voice adapter's TwiML builder (twilio's `VoiceResponse`) escapes it, once.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from jinja2 import StrictUndefined, Template, UndefinedError, nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from app.templates.optout import mentions_opt_out, rule_for
from app.templates.schemas import EmailVariant, Rendered, SmsVariant, Variant, VoiceVariant
from app.templates.sms import measure

UNSPACED_LANGUAGES = frozenset({"zh", "ja", "ko", "th"})
"""Languages whose sentences run on without a space before the footer."""


@dataclass(frozen=True)
class Audience:
    """Who the message is for, as far as formatting and the opt-out footer are concerned."""

    locale: str
    timezone: str
    currency: str
    jurisdiction: str | None


class Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, also refusing `**` and repeating text or lists with `*`.

    Without this, `{{ 'x' * 10**9 }}` would exhaust memory during the dry run on save.
    """

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" or not all(isinstance(v, int | float | Decimal) for v in (left, right)):
            raise SecurityError(f"'{operator}' is only allowed between numbers, and '**' never")
        return super().call_binop(context, operator, left, right)


def _finalize(value: Any) -> Any:
    if value is None:
        raise UndefinedError("an optional value is printed without checking it with {% if %}")
    return value


def _mask(value: Any) -> str:
    """Account and loan numbers: only the last four characters are shown."""
    text = str(value)
    return "****" + (text[-4:] if len(text) > 4 else "")


@lru_cache(maxsize=512)
def environment(locale: str, timezone: str, currency: str, *, html: bool) -> Sandbox:
    """One sandbox per formatting context, its filters bound to the customer's locale and zone."""
    babel_locale = Locale.parse(locale, sep="-")
    zone = ZoneInfo(timezone)

    def money(value: Decimal | str | int, code: str | None = None) -> str:
        return str(format_currency(Decimal(value), code or currency, locale=babel_locale))

    def when(value: date | datetime, format: str = "long") -> str:
        if isinstance(value, datetime):
            return str(format_datetime(value.astimezone(zone), format, locale=babel_locale))
        return str(format_date(value, format, locale=babel_locale))

    env = Sandbox(undefined=StrictUndefined, autoescape=html, finalize=_finalize)
    env.globals.clear()
    env.filters.update({"money": money, "date": when, "mask": _mask})
    return env


FORBIDDEN_NODES = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)


def unsafe_constructs(source: str) -> list[str]:
    """What a template may not do, found before it ever runs (the sandbox would also refuse)."""
    tree = environment("en-US", "UTC", "USD", html=False).parse(source)
    problems = [
        f"'{node.attr}' is private"
        for node in tree.find_all(nodes.Getattr)
        if node.attr.startswith("_")
    ]
    for item in tree.find_all(nodes.Getitem):
        if isinstance(item.arg, nodes.Const) and str(item.arg.value).startswith("_"):
            problems.append(f"'{item.arg.value}' is private")
    if any(name.name == "self" for name in tree.find_all(nodes.Name)):
        problems.append("'self' is not available in templates")
    if any(True for _ in tree.find_all(FORBIDDEN_NODES)):
        problems.append("templates cannot include, extend or import other templates")
    return problems


@lru_cache(maxsize=2048)
def _compiled(source: str, locale: str, timezone: str, currency: str, html: bool) -> Template:
    return environment(locale, timezone, currency, html=html).from_string(source)


def render_text(source: str, values: Mapping[str, Any], audience: Audience, *, html: bool) -> str:
    template = _compiled(source, audience.locale, audience.timezone, audience.currency, html)
    return template.render(values)


def _with_footer(text: str, footer: str, locale: str, *, separator: str | None = None) -> str:
    if separator is None:
        separator = "" if locale.split("-")[0] in UNSPACED_LANGUAGES else " "
    return f"{text.rstrip()}{separator}{footer}"


def render(
    variant: Variant, values: Mapping[str, Any], audience: Audience, *, version: int
) -> Rendered:
    """The final text of one send; `audience.locale` formats, `variant.locale` is recorded."""

    def text(source: str, *, html: bool = False) -> str:
        return render_text(source, values, audience, html=html)

    rule = rule_for(audience.jurisdiction, variant.channel)
    common = {"channel": variant.channel, "locale": variant.locale, "version": version}
    if isinstance(variant, SmsVariant):
        body = text(variant.body)
        footer = rule.footer(variant.locale) if rule and not mentions_opt_out(rule, body) else None
        if footer:
            body = _with_footer(body, footer, variant.locale)
        size = measure(body)
        return Rendered(
            **common,
            body=body,
            encoding=size.encoding,
            segments=size.segments,
            opt_out_footer=footer,
        )
    if isinstance(variant, EmailVariant):
        plain, markup = text(variant.text), text(variant.html, html=True)
        footer = rule.footer(variant.locale) if rule and not mentions_opt_out(rule, plain) else None
        if footer:
            plain = _with_footer(plain, footer, variant.locale, separator="\n\n")
            markup = _with_footer(markup, f"<p>{xml_escape(footer)}</p>", "", separator="\n")
        return Rendered(
            **common,
            subject=" ".join(text(variant.subject).split()),
            text=plain,
            html=markup,
            opt_out_footer=footer,
        )
    assert isinstance(variant, VoiceVariant)
    return Rendered(
        **common,
        script=text(variant.script),
        voice=variant.voice,
        language=variant.language or variant.locale,
    )
