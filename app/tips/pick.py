"""Which tips a borrower reads: pure choices over libraries already read.

A library is chosen by the reader's locale among the tenant's own (the closest one written in
the same script: `zh-CN` reads `zh-Hans`, never `zh-Hant`), else Nudge's starters in that
script, else none: a tip in a language the borrower may not read helps no one. Within a library,
the tips for the borrower's situation come first, then those for any situation.
"""

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date

from app.templates.locales import maximized, negotiate, same_script
from app.tips.schemas import Situation, Tip, Topic
from app.tips.starters import STARTERS
from channels.base import Channel

JUST_OVERDUE_DAYS = 30
"""Up to this many days after the due date a payment is just overdue; later, long overdue."""

Libraries = Mapping[str, Sequence[Tip]]
"""A tenant's saved tips by the locale they were saved for."""

_STARTER_TIPS: dict[str, tuple[Tip, ...]] = {
    locale: tuple(Tip.of(tip) for tip in tips) for locale, tips in STARTERS.items()
}


def situation_of(due_date: date | None, today: date) -> Situation:
    """Before (or on) the due date, within `JUST_OVERDUE_DAYS` after it, or later. Without a
    due date nothing says the payment is late, so `before_due`."""
    if due_date is None or today <= due_date:
        return Situation.BEFORE_DUE
    if (today - due_date).days <= JUST_OVERDUE_DAYS:
        return Situation.JUST_OVERDUE
    return Situation.LONG_OVERDUE


def tips_of(stored: Sequence[Mapping[str, str]]) -> tuple[Tip, ...]:
    """A stored library's tips as `Tip`s. They were validated when saved, and a dispatch round
    reads every library of its tenants, so they are not validated again."""
    return tuple(
        Tip(
            key=tip["key"],
            situation=Situation(tip["situation"]),
            topic=Topic(tip["topic"]),
            title=tip["title"],
            body=tip["body"],
            short=tip["short"],
        )
        for tip in stored
    )


def starters_for(locale: str) -> tuple[Tip, ...]:
    """Nudge's own tips in `locale`'s language and script, else in its language, else none."""
    language, script, _ = maximized(locale)
    for key in (f"{language}-{script}", language):
        if key in _STARTER_TIPS:
            return _STARTER_TIPS[key]
    return ()


def library_for(libraries: Libraries, locale: str) -> Sequence[Tip]:
    """The tenant's library closest to `locale` in the same script, else the starters."""
    readable = [saved for saved in libraries if same_script(locale, saved)]
    if readable:
        return libraries[negotiate(locale, locale, readable)]
    return starters_for(locale)


def for_situation(tips: Sequence[Tip], situation: str) -> list[Tip]:
    """The tips for `situation` in library order, then those for any situation."""
    return [tip for tip in tips if tip.situation == situation] + [
        tip for tip in tips if tip.situation == Situation.ANY and situation != Situation.ANY
    ]


def rotating(tips: Sequence[Tip], situation: str, seed: bytes) -> Tip | None:
    """One tip for the situation, the same for the same `seed` (a reminder's id) as long as
    the library is unchanged, so a retried reminder repeats its tip and reminders differ."""
    fitting = for_situation(tips, situation)
    if not fitting:
        return None
    digest = hashlib.sha256(seed).digest()
    return fitting[int.from_bytes(digest[:8], "big") % len(fitting)]


def text_for(tip: Tip | None, channel: Channel) -> str:
    """What `{{ tip }}` prints: the short form in SMS, the body elsewhere, nothing without a
    tip."""
    if tip is None:
        return ""
    return tip.short if channel == Channel.SMS else tip.body


def due_of(values: Mapping[str, object]) -> date | None:
    """A reminder's due date as its values give it: `due_date`, else its loans' earliest."""
    due = values.get("due_date")
    if isinstance(due, date):
        return due
    loans = values.get("loans")
    if isinstance(loans, list):
        dates = [loan["due_date"] for loan in loans if isinstance(loan, dict)]
        return min((d for d in dates if isinstance(d, date)), default=None)
    return None


def tip_text(
    libraries: Libraries,
    *,
    locale: str,
    channel: Channel,
    values: Mapping[str, object],
    today: date,
    seed: bytes,
) -> str:
    """What `{{ tip }}` prints in one message: a tip for the reminder's situation from the
    library of the variant's locale, rotated by `seed`."""
    situation = situation_of(due_of(values), today)
    return text_for(rotating(library_for(libraries, locale), situation, seed), channel)
