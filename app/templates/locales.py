"""Which variant of a template a customer gets: the locale fallback chain."""

from collections.abc import Collection, Sequence
from typing import Protocol, TypeVar

from babel.core import get_global, parse_locale


class _Localized(Protocol):
    @property
    def channel(self) -> str: ...

    @property
    def locale(self) -> str: ...


V = TypeVar("V", bound=_Localized)


def candidates(requested: str | None, tenant_default: str) -> list[str]:
    """Exact tag, language with script (`zh-Hant` for `zh-TW`), language, the tenant default."""
    chain: list[str] = []
    if requested:
        language, territory, script, *_ = parse_locale(requested, sep="-")
        if script is None:
            table = get_global("likely_subtags")
            likely = table.get(f"{language}_{territory}") or table.get(language, "")
            parts = likely.split("_")
            script = parts[1] if len(parts) > 2 else None
        chain += [requested, f"{language}-{script}" if script else "", language]
    chain.append(tenant_default)
    return list(dict.fromkeys(tag for tag in chain if tag))


def choose(requested: str | None, tenant_default: str, available: Collection[str]) -> str:
    """The first of the chain the template has; failing that its first variant's locale.

    The last step goes beyond the chain so that a send never fails for a reason submission
    could have caught: submission only checks that each channel has some variant.
    """
    lowered = {tag.lower(): tag for tag in available}
    for tag in candidates(requested, tenant_default):
        if tag.lower() in lowered:
            return lowered[tag.lower()]
    return next(iter(available))


def pick_variant(
    variants: Sequence[V], channel: str, requested: str | None, tenant_default: str
) -> V | None:
    """The variant a customer gets on a channel, by the fallback chain; None when the template
    has none for the channel (no locale negotiation can help then)."""
    offered = [variant for variant in variants if variant.channel == channel]
    if not offered:
        return None
    chosen = choose(requested, tenant_default, [variant.locale for variant in offered])
    return next(variant for variant in offered if variant.locale == chosen)
