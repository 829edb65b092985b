"""What a template's save assumes `{{ tip }}` may print, so a template that uses it is held to
the render budget and the SMS segment limit with any tip a tenant may save later.

In SMS a tip is its short form, which a library's save keeps within `SHORT_UNITS` GSM-7
characters in Latin-script locales (GSM-7 only) and `SHORT_UNITS_UCS2` UTF-16 units elsewhere
(`app/tips/check.py`). The save's sample run prints a tip of exactly that size, so the segment
count it checks is the most any tip can bring; elsewhere a tip is its body, at most `BODY_MAX`
characters, and the runs of extreme values print the widest and the most escaped of those.
"""

from app.templates.variables import ESCAPED_CHARACTER, WIDEST_CHARACTER
from app.tips.check import latin
from app.tips.schemas import BODY_MAX, SHORT_UNITS, SHORT_UNITS_UCS2
from channels.base import Channel

GSM_FILLER = "x"
"""One GSM-7 septet."""
UCS2_FILLER = "\u63d0"
"""提: one UTF-16 unit outside GSM-7."""


def longest(channel: Channel, locale: str) -> str:
    """A tip as long as one may be in a message of `channel` in `locale`, in SMS units."""
    if channel != Channel.SMS:
        return GSM_FILLER * BODY_MAX
    if latin(locale):
        return GSM_FILLER * SHORT_UNITS
    return UCS2_FILLER * SHORT_UNITS_UCS2


def widest(channel: Channel, locale: str) -> str:
    """A tip of the most UTF-8 bytes one may take."""
    size = SHORT_UNITS_UCS2 if channel == Channel.SMS else BODY_MAX
    return WIDEST_CHARACTER * size


def most_escaped(channel: Channel, locale: str) -> str:
    """A tip that HTML escaping widens the most."""
    size = SHORT_UNITS if channel == Channel.SMS else BODY_MAX
    return ESCAPED_CHARACTER * size


def no_tip(channel: Channel, locale: str) -> str:
    """A locale with neither the tenant's tips nor starters prints nothing."""
    return ""
