"""Checks of a tip library on save: the templates' wording lint on every text, and SMS size.

A tip is read by borrowers like a template's words, so it passes the same lint (prohibited
wording with the tenant's additions, shouting). Its short form is what `{{ tip }}` prints in SMS
and must fit what a template's save assumed (`app/tips/budget.py`).
"""

from app.errors import FieldError
from app.templates.lint import Phrases, Severity, lint_wording
from app.templates.locales import maximized
from app.templates.sms import Encoding, measure
from app.tips.schemas import SHORT_UNITS, SHORT_UNITS_UCS2, TipLibraryIn

TEXTS = ("title", "body", "short")


def latin(locale: str) -> bool:
    """Whether `locale` is written in Latin letters, whose SMS are GSM-7 when they can be."""
    return maximized(locale).script == "Latn"


def short_problem(short: str, locale: str) -> str | None:
    """Why a short form does not fit an SMS's share for tips, or None."""
    size = measure(short)
    if size.encoding is Encoding.UCS2 and latin(locale):
        odd = sorted({char for char in short if measure(char).encoding is Encoding.UCS2})
        return (
            f"in a {locale} SMS only GSM-7 characters keep the message GSM-7; "
            f"replace {', '.join(repr(char) for char in odd)}"
        )
    limit = SHORT_UNITS if size.encoding is Encoding.GSM7 else SHORT_UNITS_UCS2
    if size.units > limit:
        return f"takes {size.units} {size.encoding} units in an SMS; at most {limit}"
    return None


def library_errors(library: TipLibraryIn, *, locale: str, phrases: Phrases) -> list[FieldError]:
    """Every reason to refuse the library, by field path (`tips.3.body`)."""
    errors = []
    for index, tip in enumerate(library.tips):
        for name in TEXTS:
            field = f"tips.{index}.{name}"
            findings = lint_wording(getattr(tip, name), field=field, phrases=phrases)
            errors += [
                FieldError(field=f.field, detail=f"{f.rule}: {f.detail}")
                for f in findings
                if f.severity == Severity.ERROR
            ]
        if problem := short_problem(tip.short, locale):
            errors.append(FieldError(field=f"tips.{index}.short", detail=problem))
    return errors
