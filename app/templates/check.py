"""Checks that need no database: a template on save, a reminder's variables on submission.

Everything that could make a send fail is caught here, before anything is stored: a template
is compiled and dry-run with sample values (once with every variable, once with only the
required ones and no help line), and a submission's values are parsed by their declared types.
"""

from collections.abc import Mapping
from typing import Any

from babel.core import parse_locale
from jinja2 import TemplateSyntaxError, meta

from app.errors import FieldError
from app.templates.budget import RenderBudget, RenderBudgetExceeded
from app.templates.lint import Finding, Phrases, Rule, Severity, lint_wording, visible_text
from app.templates.render import Audience, environment, render, render_text, unsafe_constructs
from app.templates.schemas import RESERVED_NAMES, TEXT_FIELDS, Rendered, TemplateIn, VariableSpec
from app.templates.variables import SAMPLES, parse
from channels.base import Channel

SAMPLE_HELP_PHONE = "+864001234567"


def typed_values(
    specs: Mapping[str, VariableSpec], raw: Mapping[str, Any], *, prefix: str = "variables."
) -> tuple[dict[str, Any], list[FieldError]]:
    """The values templates see (absent optional ones are None), or why the raw ones are wrong."""
    values: dict[str, Any] = {}
    errors = []
    for name, spec in specs.items():
        if name not in raw or raw[name] is None:
            values[name] = None
            if spec.required:
                errors.append(FieldError(field=f"{prefix}{name}", detail="is required"))
            continue
        try:
            values[name] = parse(name, spec.type, raw[name])
        except ValueError as error:
            errors.append(FieldError(field=f"{prefix}{name}", detail=f"{spec.type}: {error}"))
    return values, errors


def jurisdiction_of(locale: str) -> str | None:
    """The country a variant is written for, used on save to try its opt-out footer."""
    return parse_locale(locale, sep="-")[1]


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


def check_template(
    body: TemplateIn,
    *,
    tenant: Mapping[str, Any],
    phrases: Phrases,
    segment_limit: int,
    budget: RenderBudget,
) -> tuple[list[FieldError], list[Finding]]:
    """Errors that refuse the save (field paths like `variants.2.body`), and lint warnings."""
    allowed = set(body.variables) | RESERVED_NAMES
    samples = {name: SAMPLES[spec.type] for name, spec in body.variables.items()}
    if "currency" in samples:
        samples["currency"] = tenant["default_currency"]
    full, _ = typed_values(body.variables, samples)
    minimal = {
        name: value if body.variables[name].required else None for name, value in full.items()
    }
    contexts = [
        full | {"tenant": {**tenant, "help_phone": tenant.get("help_phone") or SAMPLE_HELP_PHONE}},
        minimal | {"tenant": {**tenant, "help_phone": None}},
    ]
    errors: list[FieldError] = []
    findings: list[Finding] = []
    for index, variant in enumerate(body.variants):
        prefix = f"variants.{index}."
        audience = Audience(
            variant.locale,
            tenant["default_timezone"],
            tenant["default_currency"],
            jurisdiction_of(variant.locale),
        )
        variant_errors = [
            error
            for name in TEXT_FIELDS[Channel(variant.channel)]
            for error in _field_errors(
                getattr(variant, name),
                path=prefix + name,
                allowed=allowed,
                contexts=contexts,
                audience=audience,
                budget=budget,
            )
        ]
        errors += variant_errors
        if not variant_errors:
            rendered = render(variant, contexts[0], audience, version=0, budget=budget)
            findings += lint_rendered(
                rendered, phrases=phrases, segment_limit=segment_limit, prefix=prefix
            )
    errors += [
        FieldError(field=f.field, detail=f"{f.rule}: {f.detail}")
        for f in findings
        if f.severity == Severity.ERROR
    ]
    return errors, [f for f in findings if f.severity != Severity.ERROR]


def _field_errors(
    source: str,
    *,
    path: str,
    allowed: set[str],
    contexts: list[dict[str, Any]],
    audience: Audience,
    budget: RenderBudget,
) -> list[FieldError]:
    if static := _static_errors(source, allowed, path):
        return static
    channel = _CHANNEL_OF_FIELD[path.rsplit(".", 1)[1]]
    for values in contexts:
        try:
            html = path.endswith(".html")
            render_text(source, values, audience, html=html, budget=budget, channel=channel)
        except Exception as error:  # any failure here would otherwise fail a send
            return [FieldError(field=path, detail=failure(error, "with sample values"))]
    return []


_CHANNEL_OF_FIELD = {name: channel for channel, names in TEXT_FIELDS.items() for name in names}
"""Each text field's channel, whose message size a text rendered alone may take."""
