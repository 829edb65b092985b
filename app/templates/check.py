"""Checks that need no database: a template on save, a reminder's variables on submission.

Everything that could make a send fail is caught here, before anything is stored: a template
is compiled, then dry-run under the render budget with each of `DRY_RUNS` (samples; only the
required values; empty ones; the longest texts of the widest characters with the largest
numbers; the longest texts HTML escaping widens most with the smallest numbers), and a
submission's values are parsed by their declared types, which bound them all.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateSyntaxError, meta

from app.borrower.links import sample_url
from app.errors import FieldError
from app.templates.budget import RenderBudget, RenderBudgetExceeded
from app.templates.helpline import template_values
from app.templates.lint import Finding, Phrases, Rule, Severity, lint_wording, visible_text
from app.templates.locales import maximized
from app.templates.render import Audience, environment, render, render_text, unsafe_constructs
from app.templates.schemas import (
    PROVIDED_NAMES,
    RESERVED_NAMES,
    TEXT_FIELDS,
    Rendered,
    SmsVariant,
    TemplateIn,
    VariableSpec,
    Variant,
    WebhookVariant,
)
from app.templates.variables import (
    VariableType,
    empty,
    largest,
    loans_in,
    money_errors,
    parse,
    sample,
    smallest,
)
from app.templates.webhook import payload_object, sources, visit_template_problems
from app.tips import budget as tips
from channels.base import Channel

SAMPLE_HELP_PHONE = "+864001234567"


@dataclass(frozen=True)
class DryRun:
    """One set of values every save renders each variant with."""

    label: str
    value: Callable[[VariableType, int], Any]
    optional: bool = True
    """Whether optional variables get a value too (else they are absent: None)."""
    help_phone: bool | None = True
    """The tenant's help line (a sample when it has none), None, or empty."""
    tip: Callable[[Channel, str], str] = tips.longest
    """What `{{ tip }}` prints in a variant of that channel and locale (`app/tips/budget.py`)."""


DRY_RUNS = (
    DryRun("sample values", sample),
    DryRun(
        "only the required values, no help line and no tip",
        sample,
        optional=False,
        help_phone=None,
        tip=tips.no_tip,
    ),
    DryRun("empty values", empty, help_phone=False, tip=tips.no_tip),
    DryRun(
        "the longest values (4-byte characters), largest numbers and last dates",
        largest,
        tip=tips.widest,
    ),
    DryRun(
        "the longest values HTML escaping widens, smallest numbers and first dates",
        smallest,
        tip=tips.most_escaped,
    ),
)
"""Long values find the loops and sizes that only hurt at length; empty and extreme ones find
the errors that depend on a value (`{% if n > 5 %}{{ 1 // 0 }}{% endif %}`)."""


def typed_values(
    specs: Mapping[str, VariableSpec],
    raw: Mapping[str, Any],
    *,
    currency: str,
    prefix: str = "variables.",
) -> tuple[dict[str, Any], list[FieldError]]:
    """The values templates see (absent optional ones are None), or why the raw ones are wrong.

    Money is checked against the `currency` variable, else `currency` (the tenant's default).
    """
    values: dict[str, Any] = {}
    errors = []
    for name, spec in specs.items():
        if name not in raw or raw[name] is None:
            values[name] = None
            if spec.required:
                errors.append(FieldError(field=f"{prefix}{name}", detail="is required"))
            continue
        try:
            values[name] = parse(name, spec.type, raw[name], max_length=spec.limit)
        except ValueError as error:
            errors.append(FieldError(field=f"{prefix}{name}", detail=f"{spec.type}: {error}"))
    if not any(error.field == f"{prefix}currency" for error in errors):
        kinds = {name: spec.type for name, spec in specs.items()}
        wrong = money_errors(kinds, values, currency=values.get("currency") or currency)
        errors += [
            FieldError(field=f"{prefix}{name}", detail=f"money: {why}")
            for name, why in wrong.items()
        ]
    return values, errors


def jurisdiction_of(locale: str) -> str | None:
    """The country a variant is written for, used on save to try its opt-out footer: its own
    territory, else CLDR's likely one (`zh-Hans` -> CN, `zh-Hant` -> TW, `en` -> US)."""
    return maximized(locale).territory


def _short(error: Exception, limit: int = 300) -> str:
    """An exception as a detail, cut short: its message may quote the template or a value."""
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def failure(error: Exception, during: str) -> str:
    """The detail of a render that failed: `render-budget` when it went over the budget, else
    `render-failed` with the exception."""
    if isinstance(error, RenderBudgetExceeded):
        return f"render-budget: {during} the render {error.detail}"
    return f"render-failed: {during} the render fails ({_short(error)})"


def lint_rendered(
    rendered: Rendered, *, phrases: Phrases, segment_limit: int, prefix: str = ""
) -> list[Finding]:
    """Lint of what the customer would read, after the footer; the same on save and preview."""
    texts = {
        "body": rendered.body,
        "subject": rendered.subject,
        "text": rendered.text,
        "html": rendered.html and visible_text(rendered.html),
        "script": rendered.script and visible_text(rendered.script),
    }
    findings = [
        finding
        for name, text in texts.items()
        if text is not None
        for finding in lint_wording(text, field=f"{prefix}{name}", phrases=phrases)
    ]
    if rendered.segments is not None and rendered.segments > segment_limit:
        findings.append(
            Finding(
                Rule.SMS_TOO_LONG,
                Severity.ERROR,
                f"{prefix}body",
                f"{rendered.segments} {rendered.encoding} segments with the opt-out footer; "
                f"the limit is {segment_limit}",
            )
        )
    if rendered.opt_out_footer:
        field = "body" if rendered.channel == Channel.SMS else "text"
        segments = f" ({rendered.segments} segments with it)" if rendered.segments else ""
        findings.append(
            Finding(
                Rule.MISSING_OPT_OUT,
                Severity.WARNING,
                f"{prefix}{field}",
                f"no opt-out instruction; '{rendered.opt_out_footer}' is appended{segments}",
            )
        )
    return findings


def texts_of(variant: Variant) -> list[tuple[str, str]]:
    """Each text of the variant with its field name: a webhook's are its payload's strings
    (`payload.amount`); ValueError when its payload is not a JSON object."""
    if isinstance(variant, WebhookVariant):
        return list(sources(payload_object(variant.payload)))
    texts = [(name, getattr(variant, name)) for name in TEXT_FIELDS[Channel(variant.channel)]]
    if isinstance(variant, SmsVariant) and variant.aliyun is not None:
        texts += [(f"aliyun.params.{name}", text) for name, text in variant.aliyun.params.items()]
    return texts


def _static_errors(source: str, allowed: set[str], path: str) -> list[FieldError]:
    problems: list[str] = []
    try:  # finding undeclared names compiles the template, which also checks filter names
        problems = unsafe_constructs(source)
        tree = environment("en-US", "UTC", "USD", html=False).parse(source)
        unknown = sorted(meta.find_undeclared_variables(tree) - allowed)
    except TemplateSyntaxError as error:
        problems = problems or [f"line {error.lineno}: {error.message}"]
    except RecursionError:
        problems = ["is nested too deeply to compile"]
    except Exception as error:  # the lexer's own limits, e.g. an integer of 5000 digits
        problems = [f"cannot be compiled: {_short(error)}"]
    else:
        problems += [f"unknown variable '{name}'; declare it in `variables`" for name in unknown]
    return [FieldError(field=path, detail=problem) for problem in problems]


def dry_run_values(
    body: TemplateIn, tenant: Mapping[str, Any], run: DryRun, *, manage_url: str
) -> dict[str, Any]:
    """What templates see in one dry run: typed values of the run's kind, the tenant, and a
    borrower link as long as a real one."""
    raw = {
        name: run.value(spec.type, spec.limit)
        for name, spec in body.variables.items()
        if run.optional or spec.required
    }
    if "currency" in raw:
        raw["currency"] = tenant["default_currency"]
    for name, spec in body.variables.items():
        if spec.type == VariableType.LOANS and name in raw:
            raw[name] = loans_in(raw[name], tenant["default_currency"])
    values, _ = typed_values(body.variables, raw, currency=tenant["default_currency"])
    help_phone = {True: tenant.get("help_phone") or SAMPLE_HELP_PHONE, None: None, False: ""}
    # Customers abroad see the international form, the longest: the segment count is the most.
    return template_values(
        values,
        {**tenant, "help_phone": help_phone[run.help_phone]},
        customer_region=None,
        manage_url=manage_url,
    )


def check_template(
    body: TemplateIn,
    *,
    tenant: Mapping[str, Any],
    phrases: Phrases,
    segment_limit: int,
    budget: RenderBudget,
) -> tuple[list[FieldError], list[Finding]]:
    """Errors that refuse the save (field paths like `variants.2.body`), and lint warnings."""
    allowed = set(body.variables) | RESERVED_NAMES | PROVIDED_NAMES
    link = sample_url(budget.public_url)
    runs = [(run, dry_run_values(body, tenant, run, manage_url=link)) for run in DRY_RUNS]
    errors = [
        FieldError(field=field, detail=detail)
        for field, detail in visit_template_problems(body.variables, body.variants)
    ]
    findings: list[Finding] = []
    for index, variant in enumerate(body.variants):
        prefix = f"variants.{index}."
        try:
            texts = texts_of(variant)
        except ValueError as error:
            errors.append(FieldError(field=f"{prefix}payload", detail=str(error)))
            continue
        static = [
            error
            for name, source in texts
            for error in _static_errors(source, allowed, prefix + name)
        ]
        if static:
            errors += static
            continue
        audience = Audience(
            variant.locale,
            tenant["default_timezone"],
            tenant["default_currency"],
            jurisdiction_of(variant.locale),
        )
        channel = Channel(variant.channel)
        with_tips = [
            (run.label, {"tip": run.tip(channel, variant.locale), **values}) for run, values in runs
        ]
        outcome = _dry_run(variant, with_tips, audience, budget=budget, prefix=prefix)
        if isinstance(outcome, Rendered):
            findings += lint_rendered(
                outcome, phrases=phrases, segment_limit=segment_limit, prefix=prefix
            )
        else:
            errors += outcome
    errors += [
        FieldError(field=f.field, detail=f"{f.rule}: {f.detail}")
        for f in findings
        if f.severity == Severity.ERROR
    ]
    return errors, [f for f in findings if f.severity != Severity.ERROR]


def _dry_run(
    variant: Variant,
    runs: list[tuple[str, dict[str, Any]]],
    audience: Audience,
    *,
    budget: RenderBudget,
    prefix: str,
) -> Rendered | list[FieldError]:
    """The variant rendered with the samples (for the lint), or why some run fails."""
    results = []
    for label, values in runs:
        try:
            results.append(render(variant, values, audience, version=0, budget=budget))
        except Exception as error:  # any failure here would otherwise fail a send
            during = f"with {label}"
            return failing_fields(
                variant, values, audience, error, budget=budget, prefix=prefix, during=during
            )
    return results[0]


def failing_fields(
    variant: Variant,
    values: Mapping[str, Any],
    audience: Audience,
    error: Exception,
    *,
    budget: RenderBudget,
    prefix: str,
    during: str,
) -> list[FieldError]:
    """Which of the variant's texts made its render fail. Over the budget, the render names it;
    otherwise each text is rendered alone, and every one that fails is named."""
    fields = TEXT_FIELDS[Channel(variant.channel)]
    if isinstance(error, RenderBudgetExceeded):
        field = prefix + (error.field or fields[0])
        return [FieldError(field=field, detail=failure(error, during))]
    failing = []
    for name, source in texts_of(variant):
        try:
            render_text(
                source,
                values,
                audience,
                html=name == "html",
                budget=budget,
                channel=Channel(variant.channel),
            )
        except Exception as alone:
            failing.append(FieldError(field=prefix + name, detail=failure(alone, during)))
    return failing or [FieldError(field=prefix + fields[0], detail=failure(error, during))]
