"""The report's statistics computed another way, for tests to check the closed forms against."""

import math

from app.outcomes.stats import Z


def score_test_bound(successes: int, trials: int, *, upper: bool) -> float:
    """The edge of {p : |share - p| <= Z * sqrt(p (1 - p) / trials)} by bisection."""
    share = successes / trials

    def rejected(p: float) -> bool:
        return abs(share - p) > Z * math.sqrt(p * (1 - p) / trials)

    inside, outside = share, (1.0 if upper else 0.0)
    if not rejected(outside):
        return outside
    for _ in range(200):
        middle = (inside + outside) / 2
        if rejected(middle):
            outside = middle
        else:
            inside = middle
    return inside


def pearson_p(successes_a: int, trials_a: int, successes_b: int, trials_b: int) -> float:
    table = [
        [successes_a, trials_a - successes_a],
        [successes_b, trials_b - successes_b],
    ]
    total = trials_a + trials_b
    chi2 = 0.0
    for row in range(2):
        for column in range(2):
            expected = sum(table[row]) * (table[0][column] + table[1][column]) / total
            chi2 += (table[row][column] - expected) ** 2 / expected
    return math.erfc(math.sqrt(chi2 / 2))
