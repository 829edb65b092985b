"""How guessable a secret is, estimated the way zxcvbn does, without its large dictionaries.

The secret is read left to right as a chain of the cheapest pieces an attacker's guesser would
try: a part repeated from earlier in the secret ('changeme' four times costs one 'changeme'
and a pointer back), a run along the alphabet, the digits or a keyboard row ('abcdef',
'123456', 'qwerty', backwards too), a common word ('password', 'secret'), or else one
character drawn from the character classes the secret uses. The bits of the pieces add up.
Random keys (`secrets.token_urlsafe(32)`, `openssl rand -hex 32`, a Twilio auth token) come out
far above any floor; patterns come out far below. No dictionary means a phrase of uncommon
words is over-estimated: this refuses the lazy secret, it does not grade passwords.
"""

import math
import string
from dataclasses import dataclass

RUNS = (
    string.ascii_lowercase,
    string.digits,
    "`1234567890-=",
    "qwertyuiop[]\\",
    "asdfghjkl;'",
    "zxcvbnm,./",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/",
)
COMMON_WORDS = (
    "admin",
    "changeme",
    "changethis",
    "default",
    "dragon",
    "letmein",
    "master",
    "monkey",
    "nudge",
    "pass",
    "passw0rd",
    "password",
    "placeholder",
    "qwerty",
    "secret",
    "test",
    "token",
    "twilio",
    "welcome",
)
MIN_PIECE = 3
"""Shorter coincidences (an 'ab' or a '12') are common in random keys and cost little anyway."""
MIN_DISTINCT = 8
LONGEST_READ = 256
"""Only the start of a very long secret is analysed (the cost is quadratic); length beyond
it only adds strength."""


@dataclass(frozen=True)
class Strength:
    bits: float
    distinct: int


def estimate(secret: str) -> Strength:
    text = secret[:LONGEST_READ]
    per_char = math.log2(_alphabet_size(text)) if text else 0.0
    bits, i = 0.0, 0
    while i < len(text):
        length, cost = _cheapest_piece(text, i)
        if length >= MIN_PIECE and cost < length * per_char:
            bits, i = bits + cost, i + length
        else:
            bits, i = bits + per_char, i + 1
    bits += max(0, len(secret) - LONGEST_READ) * per_char
    return Strength(bits=bits, distinct=len(set(secret)))


def weakness(secret: str, *, min_bits: int) -> str | None:
    """Why the secret is too guessable, in words that never quote it; None if it is not."""
    strength = estimate(secret)
    if strength.distinct < MIN_DISTINCT:
        return f"it uses fewer than {MIN_DISTINCT} distinct characters"
    if strength.bits < min_bits:
        return (
            f"it has about {int(strength.bits)} bits of entropy, at least {min_bits} needed "
            "(repeated parts, keyboard or alphabet runs and common words count for little)"
        )
    return None


def _alphabet_size(text: str) -> int:
    classes = (
        (string.ascii_lowercase, 26),
        (string.ascii_uppercase, 26),
        (string.digits, 10),
        (string.punctuation + " ", 33),
    )
    size = sum(n for chars, n in classes if any(c in chars for c in text))
    if any(not c.isascii() for c in text):
        size += 100
    return size


def _cheapest_piece(text: str, i: int) -> tuple[int, float]:
    """The longest patterned piece starting at `i`, and what guessing it costs in bits."""
    candidates = [_repeat(text, i), _run(text, i), _word(text, i)]
    return max(candidates, key=lambda piece: (piece[0], -piece[1]))


def _repeat(text: str, i: int) -> tuple[int, float]:
    """A copy of text that started earlier (overlapping allowed, so 'aaaa' is 'a' repeated)."""
    best = 0
    for start in range(i):
        length = 0
        while i + length < len(text) and text[start + length] == text[i + length]:
            length += 1
        best = max(best, length)
    return best, math.log2(i + 1) + math.log2(best + 1)


def _run(text: str, i: int) -> tuple[int, float]:
    """Steps of one along a known sequence, forwards or backwards, any case."""
    lowered = text.lower()
    best = 0
    for run in RUNS:
        for sequence in (run, run[::-1]):
            at = sequence.find(lowered[i])
            length = 0
            while (
                at >= 0
                and i + length < len(text)
                and at + length < len(sequence)
                and sequence[at + length] == lowered[i + length]
            ):
                length += 1
            best = max(best, length)
    return best, math.log2(len(RUNS) * 2 * 40) + math.log2(best + 1)


def _word(text: str, i: int) -> tuple[int, float]:
    lowered = text[i:].lower()
    found = max((len(word) for word in COMMON_WORDS if lowered.startswith(word)), default=0)
    return found, math.log2(len(COMMON_WORDS)) + 1
