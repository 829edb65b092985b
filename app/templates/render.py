"""Rendering: a pinned template version plus typed values in, the final text per channel out.

Pure: no database, no clock, no settings: the caller passes the `RenderBudget`. Templates run in
the metered sandbox (`sandbox.py`) with StrictUndefined and no globals (no `range`, `cycler`,
`lipsum`...), so they reach nothing but the declared variables and the tenant's settings, and
every render stops with `RenderBudgetExceeded` when it takes too long or writes too much. Only
email HTML is autoescaped; a voice script stays plain text, and the voice adapter's TwiML
builder (twilio's `VoiceResponse`) escapes it, once.
"""

import json
import re
from collections.abc import Callable, Mapping
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

from app.templates.budget import Meter, RenderBudget, RenderBudgetExceeded, metering
from app.templates.locales import same_script
from app.templates.optout import mentions_opt_out, rule_for
from app.templates.sandbox import (
    NUMBER_DIGITS,
    Sandbox,
    metered_filters,
    refuse_collection,
    too_large,
)
from app.templates.schemas import (
    APPROVED_PARAMETER,
    AliyunRendered,
    AliyunTemplate,
    EmailVariant,
    Rendered,
    SmsVariant,
    Variant,
    VoiceVariant,
    WebhookVariant,
)
from app.templates.sms import measure
from app.templates.webhook import data_of, fill, payload_object
from channels.base import Channel

UNSPACED_LANGUAGES = frozenset({"zh", "ja", "ko", "th"})
"""Languages whose sentences run on without a space before the footer."""
ENDS_WITH_LINK = re.compile(r"https?://\S+$")
"""A text ending in a link gets a space before the footer in every language: a phone reads a
link on to the first space, so `…/m/xxxx回复TD退订` would open a page that does not exist."""
MAX_DATE_PATTERN = 64


@dataclass(frozen=True)
class Audience:
    """Who the message is for, as far as formatting and the opt-out footer are concerned."""

    locale: str
    timezone: str
    currency: str
    jurisdiction: str | None


def audience_for(
    tenant: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    chosen: str,
    locale: str | None,
    timezone: str | None,
    jurisdiction: str | None,
) -> Audience:
    """Formats in the customer's locale when it is written like the chosen variant (a `zh-HK`
    customer reading `zh-Hant`), else the variant's, so English never gets French numbers and
    Simplified Chinese never gets Traditional dates."""
    return Audience(
        locale=locale if locale and same_script(locale, chosen) else chosen,
        timezone=timezone or tenant["default_timezone"],
        currency=values.get("currency") or tenant["default_currency"],
        jurisdiction=jurisdiction,
    )


def _finalize(value: Any) -> Any:
    if value is None:
        raise UndefinedError("an optional value is printed without checking it with {% if %}")
    refuse_collection(value, "printing")
    return value


def _mask(value: Any) -> str:
    """Account and loan numbers: only the last four characters are shown."""
    text = str(value)
    return "****" + (text[-4:] if len(text) > 4 else "")


@lru_cache(maxsize=512)
def environment(locale: str, timezone: str, currency: str, *, html: bool) -> Sandbox:
    """One sandbox per formatting context, its filters bound to the customer's locale and zone."""
    babel_locale = Locale.parse(locale, sep="-")
    babel_locale.currency_formats  # noqa: B018  (loads the locale's data now, not in a render)
    zone = ZoneInfo(timezone)

    def money(value: Decimal | str | int, code: str | None = None) -> str:
        amount = Decimal(value)
        if too_large(amount):
            raise RenderBudgetExceeded(f"money is given a number of {NUMBER_DIGITS} digits or more")
        return str(format_currency(amount, code or currency, locale=babel_locale))

    def when(value: date | datetime, format: str = "long") -> str:
        if len(format) > MAX_DATE_PATTERN:  # Babel caches every pattern it parses
            raise ValueError(f"a date pattern has at most {MAX_DATE_PATTERN} characters")
        if isinstance(value, datetime):
            return str(format_datetime(value.astimezone(zone), format, locale=babel_locale))
        return str(format_date(value, format, locale=babel_locale))

    env = Sandbox(undefined=StrictUndefined, autoescape=html, finalize=_finalize)
    env.globals.clear()
    env.filters = metered_filters({"money": money, "date": when, "mask": _mask})
    return env


FORBIDDEN_NODES = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)
REFUSED_NODES: dict[type[nodes.Node], str] = {
    nodes.Macro: "macros",
    nodes.CallBlock: "call blocks",
    nodes.FilterBlock: "filter blocks",
    nodes.AssignBlock: "block assignments ({% set %}...{% endset %})",
    nodes.ScopedEvalContextModifier: "autoescape blocks",
}
"""The first four build text where its size is not counted (the sandbox refuses them when
compiling too); `{% autoescape false %}` would let values put markup into email HTML."""


def unsafe_constructs(source: str) -> list[str]:
    """What a template may not do, found before it ever runs (the sandbox would also refuse)."""
    env = environment("en-US", "UTC", "USD", html=False)
    every = list(env.parse(source).find_all(nodes.Node))
    problems = [
        f"'{node.attr}' is private"
        for node in every
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_")
    ]
    for item in every:
        if (
            isinstance(item, nodes.Getitem)
            and isinstance(item.arg, nodes.Const)
            and str(item.arg.value).startswith("_")
        ):
            problems.append(f"'{item.arg.value}' is private")
    if any(isinstance(node, nodes.Name) and node.name == "self" for node in every):
        problems.append("'self' is not available in templates")
    if any(isinstance(node, FORBIDDEN_NODES) for node in every):
        problems.append("templates cannot include, extend or import other templates")
    for kind, what in REFUSED_NODES.items():
        if any(isinstance(node, kind) for node in every):
            problems.append(f"{what} are not available in reminder templates")
    if any(isinstance(node, nodes.For) and node.recursive for node in every):
        problems.append("recursive loops are not available in reminder templates")
    filters = {node.name for node in every if isinstance(node, nodes.Filter)}
    for name in sorted(filters - set(env.filters)):
        problems.append(f"filter '{name}' is not available in reminder templates")
    return problems


@lru_cache(maxsize=2048)
def _compiled(source: str, locale: str, timezone: str, currency: str, html: bool) -> Template:
    return environment(locale, timezone, currency, html=html).from_string(source)


def _stream(
    source: str, values: Mapping[str, Any], audience: Audience, *, html: bool, meter: Meter
) -> str:
    """The text, written chunk by chunk and stopped as soon as it is longer than the budget."""
    template = _compiled(source, audience.locale, audience.timezone, audience.currency, html)
    chunks = []
    with metering(meter):
        for chunk in template.generate(values):
            meter.write(chunk)
            chunks.append(chunk)
    return "".join(chunks)


def render_text(
    source: str,
    values: Mapping[str, Any],
    audience: Audience,
    *,
    html: bool,
    budget: RenderBudget,
    channel: Channel = Channel.SMS,
) -> str:
    """One text on its own, with the budget of a whole `channel` message."""
    return _stream(source, values, audience, html=html, meter=Meter(budget, channel))


def _with_footer(text: str, footer: str, locale: str, *, separator: str | None = None) -> str:
    text = text.rstrip()
    if separator is None:
        run_on = locale.split("-")[0] in UNSPACED_LANGUAGES and not ENDS_WITH_LINK.search(text)
        separator = "" if run_on else " "
    return f"{text}{separator}{footer}"


def _aliyun(template: AliyunTemplate, source: Callable[[str, str], str]) -> AliyunRendered:
    """Aliyun fills the approved text with the parameters; no footer is added, since only the
    approved words can be sent (the approval needs the opt-out instruction in them)."""
    params = {name: source(f"aliyun.params.{name}", text) for name, text in template.params.items()}
    filled = APPROVED_PARAMETER.sub(lambda found: params[found[1]], template.approved_text)
    return AliyunRendered(template_code=template.template_code, params=params, text=filled)


def carrier_text(sign_name: str, text: str) -> str:
    """What a Chinese carrier delivers: the approved signature in 【】 before the text."""
    return f"【{sign_name}】{text}"


def render(
    variant: Variant,
    values: Mapping[str, Any],
    audience: Audience,
    *,
    version: int,
    budget: RenderBudget,
) -> Rendered:
    """The final text of one send; `audience.locale` formats, `variant.locale` is recorded.

    All the variant's texts share one meter: the budget is the message's, and
    `RenderBudgetExceeded.field` names the text that went over it.
    """
    meter = Meter(budget, Channel(variant.channel))

    def text(name: str, *, html: bool = False) -> str:
        try:
            return _stream(getattr(variant, name), values, audience, html=html, meter=meter)
        except RenderBudgetExceeded as exceeded:
            exceeded.field = name
            raise

    def source(path: str, template: str) -> str:
        try:
            return _stream(template, values, audience, html=False, meter=meter)
        except RenderBudgetExceeded as exceeded:
            exceeded.field = path
            raise

    rule = rule_for(audience.jurisdiction, variant.channel)
    common = {"channel": variant.channel, "locale": variant.locale, "version": version}
    if isinstance(variant, SmsVariant):
        aliyun = None if variant.aliyun is None else _aliyun(variant.aliyun, source)
        body = text("body")
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
            aliyun=aliyun,
        )
    if isinstance(variant, EmailVariant):
        subject, plain, markup = text("subject"), text("text"), text("html", html=True)
        footer = rule.footer(variant.locale) if rule and not mentions_opt_out(rule, plain) else None
        if footer:
            plain = _with_footer(plain, footer, variant.locale, separator="\n\n")
            markup = _with_footer(markup, f"<p>{xml_escape(footer)}</p>", "", separator="\n")
        return Rendered(
            **common,
            subject=" ".join(subject.split()),
            text=plain,
            html=markup,
            opt_out_footer=footer,
        )
    if isinstance(variant, WebhookVariant):

        def value(path: str, template: str) -> Any:
            is_data, data = data_of(template, values)
            if not is_data:
                return source(path, template)
            try:
                with metering(meter):  # the data weighs what it would as text
                    meter.write(json.dumps(data, ensure_ascii=False))
            except RenderBudgetExceeded as exceeded:
                exceeded.field = path
                raise
            return data

        return Rendered(**common, payload=fill(payload_object(variant.payload), value))
    assert isinstance(variant, VoiceVariant)
    return Rendered(
        **common,
        script=text("script"),
        voice=variant.voice,
        language=variant.language or variant.locale,
    )
