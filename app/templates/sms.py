"""SMS encoding and segment counting, so a preview shows what the carrier will bill.

A message that fits GSM-7 (3GPP TS 23.038, with its extension table) is sent in 7-bit
septets: 160 in one part, 153 per part when concatenated (the rest is the UDH). Anything else
goes as UCS-2: 70 UTF-16 units, or 67 per part. An extension character (`€`, `^`, `{`...) takes
two septets and, like a surrogate pair in UCS-2, is never split across parts, so parts are
packed greedily rather than by dividing.
"""

from dataclasses import dataclass
from enum import StrEnum

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


class Encoding(StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


LIMITS = {Encoding.GSM7: (160, 153), Encoding.UCS2: (70, 67)}
"""Units in a single message, and per part of a concatenated one."""


@dataclass(frozen=True)
class SmsSize:
    encoding: Encoding
    units: int
    """Septets for GSM-7, UTF-16 code units for UCS-2."""
    segments: int


def encoding_of(text: str) -> Encoding:
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        return Encoding.GSM7
    return Encoding.UCS2


def _unit_widths(text: str, encoding: Encoding) -> list[int]:
    if encoding is Encoding.GSM7:
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def measure(text: str) -> SmsSize:
    encoding = encoding_of(text)
    widths = _unit_widths(text, encoding)
    single, per_part = LIMITS[encoding]
    units = sum(widths)
    if units <= single:
        return SmsSize(encoding, units, 1 if units else 0)
    segments, used = 1, 0
    for width in widths:
        if used + width > per_part:
            segments, used = segments + 1, 0
        used += width
    return SmsSize(encoding, units, segments)
