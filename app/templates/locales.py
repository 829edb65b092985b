"""Which variant of a template a customer gets: locale negotiation.

Tags are compared after CLDR's "add likely subtags" (Babel's data), so `zh`, `zh-SG`, `zh-CN`
and `zh-Hans` all mean Simplified Chinese and `zh-TW`, `zh-HK` and `zh-Hant` Traditional,
whichever of them a template's variants and a customer happen to be tagged with.
"""

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple, Protocol, TypeVar

from babel.core import get_global, parse_locale


class _Localized(Protocol):
    @property
    def channel(self) -> str: ...

    @property
    def locale(self) -> str: ...


V = TypeVar("V", bound=_Localized)


class Subtags(NamedTuple):
    language: str
    script: str | None
    territory: str | None


@lru_cache(maxsize=1024)
def maximized(tag: str) -> Subtags:
    """The tag with CLDR's likely script and territory filled in: `zh-TW` -> zh-Hant-TW,
    `zh` -> zh-Hans-CN, `en-GB` -> en-Latn-GB. Subtags CLDR has no guess for stay None."""
    language, territory, script, *_ = parse_locale(tag, sep="-")
    likely = get_global("likely_subtags")
    for parts in ((script, territory), (None, territory), (script, None), (None, None)):
        key = "_".join(part for part in (language, *parts) if part)
        if key in likely:
            _, likely_territory, likely_script, *_ = parse_locale(likely[key])
            return Subtags(language, script or likely_script, territory or likely_territory)
    return Subtags(language, script, territory)


def _closeness(wanted: str, offered: str) -> int | None:
    """0: the same tag; 1: the same once likely subtags are added (`zh-HK`, `zh-Hant-HK`);
    2: the same language and script (`zh-SG`, `zh-CN`); 3: the same language; None: unrelated."""
    if wanted.lower() == offered.lower():
        return 0
    mine, theirs = maximized(wanted), maximized(offered)
    if mine.language != theirs.language:
        return None
    if mine.script != theirs.script:
        return 3
    return 1 if mine.territory == theirs.territory else 2


def _closest(wanted: str, available: Sequence[str]) -> str | None:
    scored = [(score, tag) for tag in available if (score := _closeness(wanted, tag)) is not None]
    return min(scored, key=lambda pair: pair[0])[1] if scored else None


def negotiate(requested: str | None, tenant_default: str, available: Sequence[str]) -> str:
    """The locale a customer gets among `available` (in the template's order): the closest to
    the customer's tag (exact, then language and script, then language), else the closest to
    the tenant's default, else the first available.

    The last step goes beyond negotiation so that a send never fails for a reason submission
    could have caught: submission only checks that each channel has some variant.
    """
    for wanted in (requested, tenant_default):
        if wanted and (chosen := _closest(wanted, available)):
            return chosen
    return available[0]


def pick_variant(
    variants: Sequence[V], channel: str, requested: str | None, tenant_default: str
) -> V | None:
    """The variant a customer gets on a channel, by `negotiate`; None when the template has
    none for the channel (no locale negotiation can help then). Every choice of a variant
    (submission, dispatch, preview) goes through here."""
    offered = [variant for variant in variants if variant.channel == channel]
    if not offered:
        return None
    chosen = negotiate(requested, tenant_default, [variant.locale for variant in offered])
    return next(variant for variant in offered if variant.locale == chosen)


def in_script(texts: Mapping[str, str], locale: str) -> str:
    """The text written for `locale`'s language and script (`zh-Hant` for `zh-TW`), else for
    its language, else the first: for short fixed wording such as opt-out footers."""
    language, script, _ = maximized(locale)
    for key in (f"{language}-{script}", language):
        if key in texts:
            return texts[key]
    return next(iter(texts.values()))


def same_script(one: str, other: str) -> bool:
    """Whether a reader of `one` reads `other` (`zh-HK` reads `zh-Hant`, not `zh-Hans`)."""
    return _closeness(one, other) in (0, 1, 2)
